// The poll_schedules table's state changes outside the lease API: a schedule created for a configured
// resource, restarted from a new baseline when its configuration changed, paused and resumed with its
// instance, its waiting run moved when the interval changed, removed with its resource; a failed poll
// booked (health and backoff), and the lease check-and-move the outbox does before committing a poll's
// events.

import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, PollScheduleRow, PollScheduleRowUpdate } from '../schema.ts';

/** next_run_at of a paused schedule: never due. */
export const PAUSED_AT = 253_402_300_799_000;

export function findForInstance(db: Kysely<Database>, instanceId: number): Promise<PollScheduleRow[]> {
  return db.selectFrom('poll_schedules').selectAll().where('instance_id', '=', instanceId).execute();
}

/** A new resource's schedule: no cursor, no baseline yet (its first poll records one). */
export async function createSchedule(
  db: Kysely<Database>,
  schedule: { instanceId: number; resource: string; configFingerprint: string; nextRunAt: number },
  now: number,
): Promise<void> {
  await db
    .insertInto('poll_schedules')
    .values({
      instance_id: schedule.instanceId,
      resource: schedule.resource,
      next_run_at: schedule.nextRunAt,
      lease_owner: null,
      lease_until: null,
      cursor: null,
      baseline_at: null,
      config_fingerprint: schedule.configFingerprint,
      last_poll_at: null,
      last_success_at: null,
      last_error: null,
      created_at: now,
    })
    .execute();
}

/** Removes schedules (their resources are no longer polled). */
export async function deleteSchedules(db: Kysely<Database>, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('poll_schedules').where('id', 'in', ids).execute();
}

/** The resource's configuration changed: cursor, fingerprints and health restart from a new baseline. */
export async function restartFromNewBaseline(db: Kysely<Database>, id: number, configFingerprint: string, nextRunAt: number): Promise<void> {
  await db.deleteFrom('object_fingerprints').where('schedule_id', '=', id).execute();
  await db
    .updateTable('poll_schedules')
    .set({ config_fingerprint: configFingerprint, cursor: null, baseline_at: null, state_snapshot_at: null, next_run_at: nextRunAt, consecutive_failures: 0, last_error: null })
    .where('id', '=', id)
    .execute();
}

/** Never due until resumed; the cursor stays, so resuming leaves no gap. */
export async function pause(db: Kysely<Database>, id: number): Promise<void> {
  await db.updateTable('poll_schedules').set({ next_run_at: PAUSED_AT }).where('id', '=', id).execute();
}

/** Due at `now`, with its failure count cleared (the user asked to try again). */
export async function resume(db: Kysely<Database>, id: number, now: number): Promise<void> {
  await db.updateTable('poll_schedules').set({ next_run_at: now, consecutive_failures: 0 }).where('id', '=', id).execute();
}

/** Moves a waiting run from `from` to `to`; a poll in flight (next_run_at no longer `from`) is left to set its own. */
export async function moveWaitingRun(db: Kysely<Database>, id: number, from: number, to: number): Promise<void> {
  await db.updateTable('poll_schedules').set({ next_run_at: to }).where('id', '=', id).where('next_run_at', '=', from).execute();
}

export interface PollFailure {
  id: number;
  owner: string;
  startedAt: number;
  message: string;
  consecutiveFailures: number;
  nextRunAt: number;
}

/** A next run that leaves a schedule paused meanwhile (its instance disabled while it ran) paused. */
function unlessPaused(nextRunAt: number): RawBuilder<number> {
  return sql<number>`CASE WHEN next_run_at = ${PAUSED_AT} THEN next_run_at ELSE ${nextRunAt} END`;
}

/** Books a failed poll and releases its lease, only while `owner` still holds it. */
export async function recordPollFailure(db: Kysely<Database>, failure: PollFailure): Promise<void> {
  await db
    .updateTable('poll_schedules')
    .set({
      lease_owner: null,
      lease_until: null,
      last_poll_at: failure.startedAt,
      last_error: failure.message.slice(0, 1000),
      consecutive_failures: failure.consecutiveFailures,
      next_run_at: unlessPaused(failure.nextRunAt),
    })
    .where('id', '=', failure.id)
    .where('lease_owner', '=', failure.owner)
    .execute();
}

/** Moves a schedule `owner` still holds (keeping the lease); returns whether the lease was still held. */
export async function updateHeldSchedule(db: Kysely<Database>, id: number, owner: string, changes: PollScheduleRowUpdate): Promise<boolean> {
  const held = await db.updateTable('poll_schedules').set({ ...changes }).where('id', '=', id).where('lease_owner', '=', owner).executeTakeFirst();
  return Number(held.numUpdatedRows) === 1;
}
