// The events API's queries, always within the caller's organization: list events (filtered, paged
// backwards by creation) and read one with its notification and delivery attempts.
//
// An event item carries Cloud Elements' fields (`id`, `eventDate`, `status`, `providerData`, and on a
// single event `notifiedData`) next to ours. Cloud Elements' `status` is where the event is in its
// pipeline (NEW, RECEIVED, DISPATCHED, CONSUMED, NOTIFIED); ours, the delivery state of the event's
// notification, is `deliveryStatus`. See ceEventStatus (eventStatuses.ts) for how one gives the other.

import type { Kysely } from 'kysely';
import { BadRequest, NotFound } from '../../errors/index.ts';
import type { Database, EventRow, NotificationStatus } from '../../store/index.ts';
import type { Caller } from '../../tenants/index.ts';
import { ceDate } from '../delivery/index.ts';
import { EVENT_TYPES } from '../eventTypes.ts';
import { ceEventStatus, deliveryStatesFor, EVENT_STATUSES, STATUS_FILTER_VALUES, type CeEventStatus } from './eventStatuses.ts';
import type { OwnedInstances } from './ownedInstances.ts';

export interface EventFilter {
  instanceId?: number;
  /** A delivery state (NEW, RETRYING, DELIVERED, FAILED) or a Cloud Elements state (DISPATCHED, NOTIFIED, …). */
  status?: string;
  deliveryStatus?: string;
  eventType?: string;
  objectType?: string;
  from?: string;
  to?: string;
  pageSize?: string;
  nextPage?: string;
}

export interface EventView {
  id: string;
  /** Cloud Elements: when the platform recorded the event (our createdDate), `yyyy-MM-dd'T'HH:mm:ss'Z'`. */
  eventDate: string;
  /** Cloud Elements' state, from deliveryStatus (ceEventStatus). */
  status: CeEventStatus;
  /** Cloud Elements: the provider's data for the event, as JSON text (our `record`, serialized). */
  providerData: string;
  instanceId: number;
  objectType: string;
  objectId: string;
  eventType: string;
  sequence: number;
  date: string;
  pollDate: string;
  createdDate: string;
  /** Our delivery state of the event's notification. */
  deliveryStatus: NotificationStatus;
  notificationId: string;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptDate: string | null;
  deliveredDate: string | null;
}

export interface AttemptView {
  attemptedDate: string;
  durationMs: number;
  statusCode: number | null;
  outcome: string;
  responseExcerpt: string | null;
  error: string | null;
}

/** An epoch-ms column as ISO-8601, null staying null. */
export const isoDate = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Dates JavaScript can hold (±100 000 000 days around 1970), so every store compares them as numbers. */
const MAX_TIME_MS = 8.64e15;

function parseTime(raw: string | undefined, field: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME_MS) throw new BadRequest(`${field} must be an ISO-8601 date or epoch milliseconds, got '${raw}'`);
  return ms;
}

const MAX_EVENT_ID_LENGTH = 200;

/** Pages are keyed on (created_at, id) going backwards: stable while new events arrive. */
function decodePageToken(token: string): { createdAt: number; id: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (Array.isArray(decoded) && decoded.length === 2) {
    const [createdAt, id] = decoded as unknown[];
    if (Number.isSafeInteger(createdAt) && (createdAt as number) >= 0 && typeof id === 'string' && id.length <= MAX_EVENT_ID_LENGTH && !id.includes('\u0000')) {
      return { createdAt: createdAt as number, id };
    }
  }
  throw new BadRequest('nextPage is not a page token this API returned');
}

export class EventQueries {
  constructor(private readonly deps: { db: Kysely<Database>; instances: OwnedInstances }) {}

  /** Events of the caller's organization with the delivery state of their notification. */
  private eventsWithStatus(caller: Caller) {
    return this.deps.db
      .selectFrom('events')
      .innerJoin('notifications', 'notifications.id', 'events.notification_id')
      .selectAll('events')
      .select([
        'notifications.status',
        'notifications.attempt_count',
        'notifications.last_status_code',
        'notifications.last_error',
        'notifications.next_attempt_at',
        'notifications.delivered_at',
      ])
      .where('events.organization_id', '=', caller.organizationId);
  }

  async list(caller: Caller, filter: EventFilter): Promise<{ events: EventView[]; nextPage?: string }> {
    const pageSize = filter.pageSize === undefined ? 50 : Number(filter.pageSize);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) throw new BadRequest('pageSize must be an integer from 1 to 500');
    if (filter.status !== undefined && !STATUS_FILTER_VALUES.includes(filter.status)) {
      throw new BadRequest(`status must be one of ${STATUS_FILTER_VALUES.join(', ')}`);
    }
    if (filter.deliveryStatus !== undefined && !EVENT_STATUSES.includes(filter.deliveryStatus as NotificationStatus)) {
      throw new BadRequest(`deliveryStatus must be one of ${EVENT_STATUSES.join(', ')}`);
    }
    if (filter.eventType !== undefined && !(EVENT_TYPES as readonly string[]).includes(filter.eventType)) {
      throw new BadRequest(`eventType must be one of ${EVENT_TYPES.join(', ')}`);
    }
    const from = parseTime(filter.from, 'from');
    const to = parseTime(filter.to, 'to');
    if (filter.instanceId !== undefined) await this.deps.instances.row(caller, filter.instanceId);

    let query = this.eventsWithStatus(caller);
    if (filter.instanceId !== undefined) query = query.where('events.instance_id', '=', filter.instanceId);
    if (filter.status !== undefined) {
      const states = EVENT_STATUSES.includes(filter.status as NotificationStatus) ? [filter.status as NotificationStatus] : deliveryStatesFor(filter.status as CeEventStatus);
      // RECEIVED and CONSUMED: states no event of ours is ever in.
      query = states.length === 0 ? query.where((eb) => eb(eb.val(1), '=', 0)) : query.where('notifications.status', 'in', states);
    }
    if (filter.deliveryStatus !== undefined) query = query.where('notifications.status', '=', filter.deliveryStatus as NotificationStatus);
    if (filter.eventType !== undefined) query = query.where('events.event_type', '=', filter.eventType);
    if (filter.objectType !== undefined) query = query.where('events.object_type', '=', filter.objectType);
    if (from !== undefined) query = query.where('events.created_at', '>=', from);
    if (to !== undefined) query = query.where('events.created_at', '<', to);
    if (filter.nextPage) {
      const after = decodePageToken(filter.nextPage);
      query = query.where((eb) =>
        eb.or([eb('events.created_at', '<', after.createdAt), eb.and([eb('events.created_at', '=', after.createdAt), eb('events.id', '<', after.id)])]),
      );
    }
    const rows = await query.orderBy('events.created_at', 'desc').orderBy('events.id', 'desc').limit(pageSize + 1).execute();
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      events: page.map((row) => this.view(row)),
      nextPage: rows.length > pageSize && last ? Buffer.from(JSON.stringify([last.created_at, last.id])).toString('base64url') : undefined,
    };
  }

  async get(caller: Caller, eventId: string, instanceId?: number) {
    let query = this.eventsWithStatus(caller).select('notifications.payload').where('events.id', '=', eventId);
    if (instanceId !== undefined) query = query.where('events.instance_id', '=', instanceId);
    const row = await query.executeTakeFirst();
    if (!row) throw new NotFound(`No event with id ${eventId}`);
    const attempts = await this.deps.db
      .selectFrom('delivery_attempts')
      .selectAll()
      .where('notification_id', '=', row.notification_id)
      .orderBy('attempted_at')
      .orderBy('id')
      .execute();
    const notification = JSON.parse(row.payload) as unknown;
    return {
      ...this.view(row),
      record: JSON.parse(row.record) as unknown,
      notification,
      // Cloud Elements: what was notified for the event — its notification's body, once the callback took it.
      notifiedData: row.status === 'DELIVERED' ? [notification] : [],
      attempts: attempts.map(
        (a): AttemptView => ({
          attemptedDate: new Date(a.attempted_at).toISOString(),
          durationMs: a.duration_ms,
          statusCode: a.status_code,
          outcome: a.outcome,
          responseExcerpt: a.response_excerpt,
          error: a.error,
        }),
      ),
    };
  }

  private view(
    row: EventRow & {
      status: NotificationStatus;
      attempt_count: number;
      last_status_code: number | null;
      last_error: string | null;
      next_attempt_at: number | null;
      delivered_at: number | null;
    },
  ): EventView {
    return {
      id: row.id,
      eventDate: ceDate(new Date(row.created_at)),
      status: ceEventStatus(row.status),
      providerData: row.record,
      instanceId: row.instance_id,
      objectType: row.object_type,
      objectId: row.object_id,
      eventType: row.event_type,
      sequence: Number(row.sequence),
      date: new Date(row.occurred_at).toISOString(),
      pollDate: new Date(row.poll_at).toISOString(),
      createdDate: new Date(row.created_at).toISOString(),
      deliveryStatus: row.status,
      notificationId: row.notification_id,
      attemptCount: row.attempt_count,
      lastStatusCode: row.last_status_code,
      lastError: row.last_error,
      nextAttemptDate: isoDate(row.next_attempt_at),
      deliveredDate: isoDate(row.delivered_at),
    };
  }
}
