// The transactional outbox. One poll's outcome — its events, the notifications carrying them, the new
// cursor and the new fingerprints — commits in ONE transaction, and only while the poller still holds
// its lease. A crash before the commit repeats the poll from the old cursor; event ids are
// deterministic, so the repeat finds the events it already wrote instead of emitting them twice.
// This module owns the commit: the lease check, the events and notifications, the instance's sequence;
// the fingerprint rows it writes are fingerprints.ts's.

import type { Kysely, Transaction } from 'kysely';
import { instances, pollSchedules, type Database, type InstanceRow } from '../../store/index.ts';
import { buildNotification, chunkEvents, type NotificationInstance, type NotificationEvent } from '../delivery/index.ts';
import { eventIdFor } from '../deterministicId.ts';
import type { DetectedChange } from '../eventTypes.ts';
import { writeFingerprints, type FingerprintWrite } from './fingerprints.ts';
import { insertChunks } from './insertChunks.ts';

/** The poller lost its lease (it ran longer than the lease and another worker took over). */
export class LeaseLost extends Error {}

/** What one committed poll page wrote: for metrics and the log line that names the event ids. */
export interface CommittedCapture {
  instanceId: number;
  resource: string;
  /** Every change detected, including repeats of changes already written (their events exist). */
  changes: readonly DetectedChange[];
  /** The events and notifications newly written. */
  eventIds: readonly string[];
  notificationIds: readonly string[];
}

/** Told after a commit that carried changes; must be cheap and must not throw. */
export type CaptureListener = (capture: CommittedCapture) => void;

export interface PollCommit {
  instance: InstanceRow;
  ownerEmail: string;
  hubKey: string;
  scheduleId: number;
  leaseOwner: string;
  resource: string;
  changes: readonly DetectedChange[];
  pollDate: Date;
  /** The schedule's new state (cursor, baseline, health), committed with the events. */
  schedule: {
    cursor?: string | null;
    baseline_at?: number | null;
    last_success_at?: number;
    last_error?: string | null;
    consecutive_failures?: number;
    state_snapshot_at?: number | null;
  };
  fingerprints?: FingerprintWrite;
  onCommitted?: CaptureListener;
}

interface WrittenEvents {
  events: number;
  notifications: number;
  eventIds: readonly string[];
  notificationIds: readonly string[];
}

const NOTHING_WRITTEN: WrittenEvents = { events: 0, notifications: 0, eventIds: [], notificationIds: [] };

/**
 * Who the envelope names. Cloud Elements has three levels: the company (`companyId`, our organization),
 * its accounts (`accountId`: "an account typically represents your customer", each with its own users and
 * instances) and users. Changehook has no account level: a migrating organization's per-customer account
 * users become Changehook users, so the instance owner's user id is the account id — distinct per
 * customer as Cloud Elements' was, rather than a second copy of the organization id.
 */
export function notificationInstance(instance: InstanceRow, ownerEmail: string, hubKey: string): NotificationInstance {
  return {
    id: instance.id,
    name: instance.name,
    elementKey: instance.element_key,
    hubKey,
    tags: JSON.parse(instance.tags) as string[],
    accountId: instance.user_id,
    companyId: instance.organization_id,
    userId: instance.user_id,
    user: ownerEmail,
  };
}

export async function commitPoll(db: Kysely<Database>, commit: PollCommit): Promise<{ events: number; notifications: number }> {
  if (commit.changes.length === 0 && !commit.fingerprints) {
    // An idle poll only moves the schedule: one statement, no transaction needed.
    await holdLeaseAndUpdate(db, commit);
    return { events: 0, notifications: 0 };
  }
  const written = await db.transaction().execute(async (trx) => {
    // Taking the schedule row first both checks the lease and (on PostgreSQL) locks it until commit.
    await holdLeaseAndUpdate(trx, commit);
    const written = await writeEvents(trx, commit);
    if (commit.fingerprints) await writeFingerprints(trx, commit.scheduleId, commit.fingerprints);
    return written;
  });
  if (commit.changes.length > 0) {
    commit.onCommitted?.({ instanceId: commit.instance.id, resource: commit.resource, changes: commit.changes, eventIds: written.eventIds, notificationIds: written.notificationIds });
  }
  return { events: written.events, notifications: written.notifications };
}

async function holdLeaseAndUpdate(db: Kysely<Database>, commit: PollCommit): Promise<void> {
  const held = await pollSchedules.updateHeldSchedule(db, commit.scheduleId, commit.leaseOwner, commit.schedule);
  if (!held) throw new LeaseLost(`lost the lease of schedule ${commit.scheduleId}`);
}

async function writeEvents(trx: Transaction<Database>, commit: PollCommit): Promise<WrittenEvents> {
  const { instance, resource } = commit;
  const candidates = commit.changes.map((change) => ({ change, id: eventIdFor(instance.id, resource, change.objectId, change.version) }));
  if (candidates.length === 0) return NOTHING_WRITTEN;
  const known = new Set<string>();
  for (const part of insertChunks(candidates.map((c) => c.id))) {
    const rows = await trx.selectFrom('events').select('id').where('id', 'in', part).execute();
    for (const row of rows) known.add(row.id);
  }
  const seen = new Set<string>();
  const fresh = candidates.filter((c) => !known.has(c.id) && !seen.has(c.id) && seen.add(c.id));
  if (fresh.length === 0) return NOTHING_WRITTEN;

  // The per-instance sequence: an UPDATE … RETURNING serializes concurrent writers on the instance row.
  const sequence = await instances.bumpEventSequence(trx, instance.id, fresh.length);
  if (sequence === undefined) throw new LeaseLost(`instance ${instance.id} was deleted during the poll`);
  const firstSequence = sequence - fresh.length + 1;

  const now = Date.now();
  const events: NotificationEvent[] = fresh.map(({ change, id }, index) => ({
    id,
    sequence: firstSequence + index,
    instanceId: instance.id,
    objectType: resource,
    objectId: change.objectId,
    eventType: change.eventType,
    date: change.date,
    record: change.record,
  }));
  const target = notificationInstance(instance, commit.ownerEmail, commit.hubKey);
  const notificationIds: string[] = [];
  for (const group of chunkEvents(events)) {
    const built = buildNotification({ instance: target, events: group, pollDate: commit.pollDate, createdDate: new Date(now) });
    await trx
      .insertInto('notifications')
      .values({
        id: built.id,
        instance_id: instance.id,
        organization_id: instance.organization_id,
        object_type: resource,
        payload: built.payload,
        status: 'NEW',
        next_attempt_at: now,
        lease_owner: null,
        lease_until: null,
        last_status_code: null,
        last_error: null,
        created_at: now,
        delivered_at: null,
      })
      .execute();
    notificationIds.push(built.id);
    for (const part of insertChunks(group)) {
      await trx
        .insertInto('events')
        .values(
          part.map((event) => ({
            id: event.id,
            instance_id: instance.id,
            organization_id: instance.organization_id,
            object_type: resource,
            object_id: event.objectId,
            event_type: event.eventType,
            sequence: event.sequence,
            record: JSON.stringify(event.record),
            occurred_at: event.date.getTime(),
            poll_at: commit.pollDate.getTime(),
            notification_id: built.id,
            created_at: now,
          })),
        )
        .execute();
    }
  }
  return { events: events.length, notifications: notificationIds.length, eventIds: events.map((event) => event.id), notificationIds };
}
