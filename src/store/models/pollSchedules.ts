// The poll_schedules table's state changes outside the lease API: a failed poll booked (health and
// backoff), and the lease check-and-move the outbox does before committing a poll's events.

import type { Kysely } from 'kysely';
import type { Database, PollScheduleRowUpdate } from '../schema.ts';

export interface PollFailure {
  id: number;
  owner: string;
  startedAt: number;
  message: string;
  consecutiveFailures: number;
  nextRunAt: number;
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
      next_run_at: failure.nextRunAt,
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
