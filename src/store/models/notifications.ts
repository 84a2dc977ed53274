// The notifications table's state changes after a delivery attempt: delivered, a retry scheduled,
// failed for good, or waiting (untimed) on a callback that answered 410 Gone. Each is written only
// while the worker still holds the notification's lease; the lease is handed back with it.

import type { Kysely, Updateable } from 'kysely';
import type { Database } from '../schema.ts';

/** What every booked attempt records, whatever it led to. */
export interface AttemptBooking {
  id: string;
  /** The worker whose lease guards the write. */
  owner: string;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
}

function booked(attempt: AttemptBooking) {
  return { attempt_count: attempt.attemptCount, last_status_code: attempt.lastStatusCode, last_error: attempt.lastError, lease_owner: null, lease_until: null };
}

async function write(db: Kysely<Database>, attempt: AttemptBooking, changes: Updateable<Database['notifications']>): Promise<void> {
  await db.updateTable('notifications').set(changes).where('id', '=', attempt.id).where('lease_owner', '=', attempt.owner).execute();
}

export function markDelivered(db: Kysely<Database>, attempt: AttemptBooking, deliveredAt: number): Promise<void> {
  return write(db, attempt, { ...booked(attempt), status: 'DELIVERED', delivered_at: deliveredAt, next_attempt_at: null });
}

export function scheduleRetry(db: Kysely<Database>, attempt: AttemptBooking, at: number): Promise<void> {
  return write(db, attempt, { ...booked(attempt), status: 'RETRYING', next_attempt_at: at });
}

export function markFailed(db: Kysely<Database>, attempt: AttemptBooking): Promise<void> {
  return write(db, attempt, { ...booked(attempt), status: 'FAILED', next_attempt_at: null });
}

/** The callback answered 410 Gone: retrying, untimed, until the callback URL changes. */
export function waitForNewCallback(db: Kysely<Database>, attempt: AttemptBooking): Promise<void> {
  return write(db, attempt, { ...booked(attempt), status: 'RETRYING', next_attempt_at: null });
}

/** Ids of an instance's notifications that failed for good. */
export async function findFailedIds(db: Kysely<Database>, instanceId: number): Promise<string[]> {
  const rows = await db.selectFrom('notifications').select('id').where('instance_id', '=', instanceId).where('status', '=', 'FAILED').execute();
  return rows.map((row) => row.id);
}

/** Sends these notifications of an instance again at `now` with a fresh retry schedule (any lease released). */
export async function requeue(db: Kysely<Database>, instanceId: number, ids: readonly string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('notifications')
    .set({ status: 'RETRYING', attempt_count: 0, next_attempt_at: now, lease_owner: null, lease_until: null })
    .where('instance_id', '=', instanceId)
    .where('id', 'in', ids)
    .execute();
}

/** The callback URL changed: the undelivered notifications waiting (untimed) on a gone callback are due now. */
export async function bringForwardWaitingOnCallback(db: Kysely<Database>, instanceId: number, now: number): Promise<void> {
  await db
    .updateTable('notifications')
    .set({ next_attempt_at: now })
    .where('instance_id', '=', instanceId)
    .where('status', 'in', ['NEW', 'RETRYING'])
    .where('next_attempt_at', 'is', null)
    .execute();
}
