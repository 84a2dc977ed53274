// Claiming due work with a lease — the one dialect-specific spot of the store. On PostgreSQL many
// workers claim concurrently: `FOR UPDATE SKIP LOCKED` lets each take different rows without waiting.
// On SQLite there is a single writer, so the UPDATE … WHERE id IN (SELECT …) is already atomic.
// A claimed row carries lease_owner/lease_until; a killed worker's lease simply expires.

import { sql, type Kysely } from 'kysely';
import type { Database, NotificationRow, PollScheduleRow } from './schema.ts';
import type { StoreDialect } from './migrations/columns.ts';

export interface ClaimOptions {
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
}

export async function claimDuePolls(db: Kysely<Database>, dialect: StoreDialect, options: ClaimOptions): Promise<PollScheduleRow[]> {
  const { owner, now, leaseMs, limit } = options;
  const lockClause = dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const result = await sql<PollScheduleRow>`
    UPDATE poll_schedules SET lease_owner = ${owner}, lease_until = ${now + leaseMs}
    WHERE id IN (
      SELECT id FROM poll_schedules
      WHERE next_run_at <= ${now} AND (lease_until IS NULL OR lease_until < ${now})
      ORDER BY next_run_at
      LIMIT ${limit}
      ${lockClause}
    )
    RETURNING *`.execute(db);
  return result.rows;
}

export async function claimDueNotifications(db: Kysely<Database>, dialect: StoreDialect, options: ClaimOptions): Promise<NotificationRow[]> {
  const { owner, now, leaseMs, limit } = options;
  const lockClause = dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const result = await sql<NotificationRow>`
    UPDATE notifications SET lease_owner = ${owner}, lease_until = ${now + leaseMs}
    WHERE id IN (
      SELECT id FROM notifications
      WHERE status IN ('NEW', 'RETRYING') AND next_attempt_at IS NOT NULL AND next_attempt_at <= ${now}
        AND (lease_until IS NULL OR lease_until < ${now})
      ORDER BY next_attempt_at
      LIMIT ${limit}
      ${lockClause}
    )
    RETURNING *`.execute(db);
  return result.rows;
}

/** Only for a single-process store (SQLite) at start-up: every lease belongs to a dead process. */
export async function releaseAllLeases(db: Kysely<Database>): Promise<void> {
  await db.updateTable('poll_schedules').set({ lease_owner: null, lease_until: null }).where('lease_owner', 'is not', null).execute();
  await db.updateTable('notifications').set({ lease_owner: null, lease_until: null }).where('lease_owner', 'is not', null).execute();
}
