// The lease API: claiming due poll schedules and notifications, renewing, releasing and noticing a
// taken-over lease — the one dialect-specific spot of the store. Callers never name the dialect: the
// store knows it (storeDialect.ts). On PostgreSQL many
// workers claim concurrently: `FOR UPDATE SKIP LOCKED` lets each take different rows without waiting.
// On SQLite there is a single writer, so the UPDATE … WHERE id IN (SELECT …) is already atomic.
// A claimed row carries lease_owner/lease_until; a killed worker's lease simply expires.
//
// The due rows are picked in a MATERIALIZED common table expression, read once before the UPDATE, so
// each claimed row can also report who held its lease before (RETURNING shows only new values, and
// SQLite's RETURNING cannot name another table): a non-null previous owner is an expired lease taken
// over, because a released lease has no owner.

import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, NotificationRow, PollScheduleRow, PollScheduleRowUpdate } from './schema.ts';
import { PAUSED_AT } from './models/pollSchedules.ts';
import { dialectOf } from './storeDialect.ts';

export interface ClaimOptions {
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
}

/** A claimed row, with the owner of the expired lease it replaced (null when the row was free). */
export type Claimed<Row> = Row & { previous_lease_owner: string | null };

/** Whether a claimed row's lease was taken over from another worker (its lease had expired). */
export function wasTakenOver(row: { previous_lease_owner: string | null }, owner: string): boolean {
  return row.previous_lease_owner !== null && row.previous_lease_owner !== owner;
}

export function claimDuePolls(db: Kysely<Database>, options: ClaimOptions): Promise<Claimed<PollScheduleRow>[]> {
  return claimDue<PollScheduleRow>(db, options, {
    table: 'poll_schedules',
    dueAt: 'next_run_at',
    due: sql`next_run_at <= ${options.now}`,
  });
}

export function claimDueNotifications(db: Kysely<Database>, options: ClaimOptions): Promise<Claimed<NotificationRow>[]> {
  return claimDue<NotificationRow>(db, options, {
    table: 'notifications',
    dueAt: 'next_attempt_at',
    due: sql`status IN ('NEW', 'RETRYING') AND next_attempt_at IS NOT NULL AND next_attempt_at <= ${options.now}`,
  });
}

async function claimDue<Row>(
  db: Kysely<Database>,
  { owner, now, leaseMs, limit }: ClaimOptions,
  work: { table: 'poll_schedules' | 'notifications'; dueAt: string; due: RawBuilder<unknown> },
): Promise<Claimed<Row>[]> {
  const table = sql.table(work.table);
  const lockClause = dialectOf(db) === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const result = await sql<Claimed<Row>>`
    WITH due AS MATERIALIZED (
      SELECT id, lease_owner AS previous_lease_owner FROM ${table}
      WHERE ${work.due} AND (lease_until IS NULL OR lease_until < ${now})
      ORDER BY ${sql.ref(work.dueAt)}
      LIMIT ${limit}
      ${lockClause}
    )
    UPDATE ${table} SET lease_owner = ${owner}, lease_until = ${now + leaseMs}
    WHERE id IN (SELECT id FROM due)
    RETURNING *, (SELECT previous_lease_owner FROM due WHERE due.id = ${table}.id) AS previous_lease_owner`.execute(db);
  return result.rows;
}

/** Extends the poll leases `owner` still holds on these schedules to `until`: one statement for all of them. */
export async function renewPollLeases(db: Kysely<Database>, owner: string, ids: readonly number[], until: number): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db.updateTable('poll_schedules').set({ lease_until: until }).where('lease_owner', '=', owner).where('id', 'in', ids).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Releases a poll schedule `owner` still holds, with the changes to book (e.g. its next run). */
export async function releasePoll(db: Kysely<Database>, id: number, owner: string, changes: PollScheduleRowUpdate): Promise<void> {
  await db.updateTable('poll_schedules').set({ ...changes, lease_owner: null, lease_until: null }).where('id', '=', id).where('lease_owner', '=', owner).execute();
}

/**
 * Extends `owner`'s lease on one notification to `until`, only while it is still unexpired at `now`
 * (a lease already run out may have passed to another worker). Returns whether it was renewed.
 */
export async function renewNotificationLease(db: Kysely<Database>, id: string, owner: string, now: number, until: number): Promise<boolean> {
  const renewed = await db
    .updateTable('notifications')
    .set({ lease_until: until })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('lease_until', '>=', now)
    .executeTakeFirst();
  return Number(renewed.numUpdatedRows) === 1;
}

/** Hands a notification `owner` holds back, unsent: due again at `nextAttemptAt` (null: untimed). */
export async function releaseNotification(db: Kysely<Database>, id: string, owner: string, nextAttemptAt: number | null): Promise<void> {
  await db.updateTable('notifications').set({ next_attempt_at: nextAttemptAt, lease_owner: null, lease_until: null }).where('id', '=', id).where('lease_owner', '=', owner).execute();
}

/** A poll that succeeded: its next run, and the cursor to keep (null: leave the stored one). */
export interface PollRelease {
  id: number;
  next_run_at: number;
  last_poll_at: number;
  last_success_at: number;
  cursor: string | null;
}

/**
 * Books many successful polls and hands back their leases in ONE statement, only for rows `owner` still
 * holds (a row whose lease was taken over is left to its new owner). The rows travel as one JSON
 * parameter, so the SQL text — and SQLite's prepared statement — is the same for any batch size.
 */
export async function releaseSucceededPolls(db: Kysely<Database>, owner: string, releases: readonly PollRelease[]): Promise<number> {
  if (releases.length === 0) return 0;
  const dialect = dialectOf(db);
  const rows = sql`${JSON.stringify(releases)}`;
  const from =
    dialect === 'postgres'
      ? sql`jsonb_to_recordset(${rows}::jsonb) AS v(id bigint, next_run_at bigint, last_poll_at bigint, last_success_at bigint, cursor text)`
      : sql`(SELECT value ->> '$.id' AS id, value ->> '$.next_run_at' AS next_run_at, value ->> '$.last_poll_at' AS last_poll_at,
               value ->> '$.last_success_at' AS last_success_at, value ->> '$.cursor' AS cursor FROM json_each(${rows})) AS v`;
  // The interval may have been shortened while the poll ran (a PATCH does not wait for it): the next run
  // is then no later than the poll's start plus the instance's current interval. A schedule paused while
  // the poll ran (its instance disabled or invalid) stays paused.
  const least = dialect === 'postgres' ? sql`LEAST` : sql`MIN`;
  const result = await sql`
    UPDATE poll_schedules SET
      next_run_at = CASE WHEN poll_schedules.next_run_at = ${PAUSED_AT} THEN poll_schedules.next_run_at
        ELSE ${least}(v.next_run_at, COALESCE(CAST(v.last_poll_at + instances.refresh_interval_minutes * 60000 AS bigint), v.next_run_at)) END,
      last_poll_at = v.last_poll_at, last_success_at = v.last_success_at,
      cursor = COALESCE(v.cursor, poll_schedules.cursor), last_error = NULL, consecutive_failures = 0, lease_owner = NULL, lease_until = NULL
    FROM ${from}, instances
    WHERE poll_schedules.id = v.id AND instances.id = poll_schedules.instance_id AND poll_schedules.lease_owner = ${owner}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * At start-up, hands back the leases of dead processes. SQLite has one writer process, so leases left
 * in the file were held by a process that died (a crash or SIGKILL): they are released now instead of
 * waiting for them to expire. On PostgreSQL other live workers may hold leases: nothing is released.
 */
export async function releaseLeasesOfDeadProcesses(db: Kysely<Database>): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  await db.updateTable('poll_schedules').set({ lease_owner: null, lease_until: null }).where('lease_owner', 'is not', null).execute();
  await db.updateTable('notifications').set({ lease_owner: null, lease_until: null }).where('lease_owner', 'is not', null).execute();
}

/**
 * Takes the token refresh lease on an instance row for `owner` until `until`, when no unexpired lease
 * is held (an expired one is taken over). Returns whether it was taken.
 */
export async function claimRefreshLease(db: Kysely<Database>, instanceId: number, owner: string, now: number, until: number): Promise<boolean> {
  const leased = await db
    .updateTable('instances')
    .set({ refresh_lease_owner: owner, refresh_lease_until: until })
    .where('id', '=', instanceId)
    .where((eb) => eb.or([eb('refresh_lease_until', 'is', null), eb('refresh_lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(leased.numUpdatedRows) === 1;
}

/** Hands back the token refresh lease, if `owner` still holds it. */
export async function releaseRefreshLease(db: Kysely<Database>, instanceId: number, owner: string): Promise<void> {
  await db.updateTable('instances').set({ refresh_lease_owner: null, refresh_lease_until: null }).where('id', '=', instanceId).where('refresh_lease_owner', '=', owner).execute();
}
