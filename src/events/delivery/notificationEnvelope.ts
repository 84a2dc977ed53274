// The Cloud Elements notification envelope (DESIGN.md §2), built from plain event data. The body is
// serialized once here: signatures cover those exact bytes, so nothing may re-serialize it on the way out.
//
// Dates Cloud Elements documents (the envelope's `createdDate`, an event's `date`) are written as its
// platform writes them: UTC to the second, `yyyy-MM-dd'T'HH:mm:ss'Z'` (see ceDate). `raw` carries the
// records of this notification's events only, `raw[objectType][i]` being the record of `events[i]`:
// Cloud Elements repeats a poll's whole vendor payload in every notification of that poll, which would
// make a poll of n changes cost n²/10 records on the wire; receivers (and the chaos verdict) pair by index.

import { deterministicUuid } from '../deterministicId.ts';
import type { EventType, ProviderRecord } from '../eventTypes.ts';

export const MAX_EVENTS_PER_NOTIFICATION = 10;

export interface NotificationInstance {
  readonly id: number;
  readonly name: string;
  readonly elementKey: string;
  readonly hubKey: string;
  readonly tags: readonly string[];
  /** Cloud Elements: the account (an organization's customer) the instance belongs to. */
  readonly accountId: number;
  /** Cloud Elements: the organization. */
  readonly companyId: number;
  readonly userId: number;
  /** The envelope's `user`: the owner's e-mail or name, as Cloud Elements sent it. */
  readonly user: string;
}

export interface NotificationEvent {
  /** Deterministic event id (eventIdFor). */
  readonly id: string;
  /** Per-instance, increasing: lets receivers order and spot gaps. */
  readonly sequence: number;
  readonly instanceId: number;
  readonly objectType: string;
  readonly objectId: string;
  readonly eventType: EventType;
  /** When the change happened, as far as the detection knows it; else the poll date (DetectedChange.date). */
  readonly date: Date;
  readonly record: ProviderRecord;
}

export interface EnvelopeEvent {
  readonly eventType: EventType;
  readonly objectId: string;
  readonly objectType: string;
  readonly hubKey: string;
  readonly elementKey: string;
  readonly date: string;
  readonly pollDate: string;
  readonly id: string;
  readonly sequence: number;
}

export interface EnvelopeRaw {
  readonly objectType: string;
  readonly pollDate: number;
  /** `raw[objectType]` holds the provider records, one per event. */
  readonly [objectType: string]: readonly ProviderRecord[] | string | number;
}

export interface NotificationBody {
  readonly id: string;
  readonly topic: string;
  readonly action: 'create';
  readonly severity: 'medium';
  readonly createdDate: string;
  readonly user: string;
  readonly message: {
    readonly eventId: string;
    readonly elementKey: string;
    readonly instanceId: number;
    readonly instance_id: number;
    readonly instanceName: string;
    readonly instanceTags: readonly string[];
    readonly accountId: number;
    readonly companyId: number;
    readonly userId: number;
    readonly raw: EnvelopeRaw;
    readonly events: readonly EnvelopeEvent[];
  };
}

export interface BuiltNotification {
  readonly id: string;
  readonly body: NotificationBody;
  /** `JSON.stringify(body)`, the exact bytes to sign and send. */
  readonly payload: string;
}

export interface BuildNotificationInput {
  readonly instance: NotificationInstance;
  /** 1..10 events of this instance and one objectType (see chunkEvents). */
  readonly events: readonly NotificationEvent[];
  readonly pollDate: Date;
  /** When the notification was first created (stored), so a rebuild gives the same bytes. */
  readonly createdDate: Date;
}

/** The notification id: derived from its events' ids, whatever their order, so a rebuild keeps it. */
export function notificationIdFor(eventIds: readonly string[]): string {
  return deterministicUuid('changehook.notification', [...eventIds].sort());
}

/**
 * A date as the Cloud Elements platform writes it, `yyyy-MM-dd'T'HH:mm:ss'Z'` (UTC, whole seconds):
 * e.g. an event's `"date": "2016-06-01T04:09:10Z"` in its formula trigger documentation and a formula's
 * `"createdDate": "2015-09-15T18:06:58Z"`. Clients parse that pattern; milliseconds would not match it.
 */
export function ceDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `instance-<id>-<elementKey>-events`. */
export function notificationTopic(instanceId: number, elementKey: string): string {
  return `instance-${instanceId}-${elementKey}-events`;
}

/**
 * The envelope for one batch. `message.eventId` is the notification id: in Cloud Elements one "event"
 * message carried the whole batch; each entry of `events` has its own `id` and `sequence`.
 */
export function buildNotification(input: BuildNotificationInput): BuiltNotification {
  const { instance, events } = input;
  const first = events[0];
  if (first === undefined) throw new RangeError('a notification needs at least one event');
  if (events.length > MAX_EVENTS_PER_NOTIFICATION) {
    throw new RangeError(`a notification carries at most ${MAX_EVENTS_PER_NOTIFICATION} events, got ${events.length}`);
  }
  const objectType = first.objectType;
  for (const event of events) {
    if (event.instanceId !== instance.id) throw new RangeError(`event ${event.id} belongs to instance ${event.instanceId}, not ${instance.id}`);
    if (event.objectType !== objectType) throw new RangeError(`event ${event.id} is a ${event.objectType}, not a ${objectType}`);
  }
  const id = notificationIdFor(events.map((event) => event.id));
  const pollDateIso = input.pollDate.toISOString();
  // Records first, then the fixed keys, as Cloud Elements laid it out.
  const raw: EnvelopeRaw = {
    [objectType]: events.map((event) => event.record),
    objectType,
    pollDate: input.pollDate.getTime(),
  };
  const body: NotificationBody = {
    id,
    topic: notificationTopic(instance.id, instance.elementKey),
    action: 'create',
    severity: 'medium',
    createdDate: ceDate(input.createdDate),
    user: instance.user,
    message: {
      eventId: id,
      elementKey: instance.elementKey,
      instanceId: instance.id,
      instance_id: instance.id,
      instanceName: instance.name,
      instanceTags: [...instance.tags],
      accountId: instance.accountId,
      companyId: instance.companyId,
      userId: instance.userId,
      raw,
      events: events.map((event) => ({
        eventType: event.eventType,
        objectId: event.objectId,
        objectType: event.objectType,
        hubKey: instance.hubKey,
        elementKey: instance.elementKey,
        date: ceDate(event.date),
        pollDate: pollDateIso,
        id: event.id,
        sequence: event.sequence,
      })),
    },
  };
  return { id, body, payload: JSON.stringify(body) };
}

/**
 * Groups events by (instance, objectType) in order of first appearance and cuts each group into chunks of
 * at most `size`: one notification per chunk.
 */
export function chunkEvents<T extends { readonly instanceId: number; readonly objectType: string }>(
  events: readonly T[],
  size: number = MAX_EVENTS_PER_NOTIFICATION,
): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const groups = new Map<string, T[]>();
  for (const event of events) {
    const key = JSON.stringify([event.instanceId, event.objectType]);
    const group = groups.get(key);
    if (group) group.push(event);
    else groups.set(key, [event]);
  }
  const chunks: T[][] = [];
  for (const group of groups.values()) {
    for (let start = 0; start < group.length; start += size) chunks.push(group.slice(start, start + size));
  }
  return chunks;
}
