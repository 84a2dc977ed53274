// Releasing successful polls in bulk: one statement books any number of polls and hands back their
// leases, only for the rows the releasing worker still holds (a row taken over by another worker, or
// already free, is left alone), keeps the stored cursor when a poll has none to store, and leaves a
// schedule paused while its poll ran paused (as a failed poll's booking does). Renewal
// extends only the renewing worker's leases. Both on SQLite and PostgreSQL.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { pollSchedules, releaseSucceededPolls, renewPollLeases, type Database, type PollRelease, type PollScheduleRow } from '../../src/store/index.ts';
import { testDialects } from '../support/databases.ts';
import { withInstanceStore } from '../support/storeRows.ts';

const T = 1_700_000_000_000;

interface SeededSchedule {
  resource: string;
  owner: string | null;
  cursor?: string | null;
  lastError?: string | null;
  failures?: number;
}

/** Inserts schedules with distinct times, returning their ids in order. */
async function seedSchedules(db: Kysely<Database>, instanceId: number, schedules: SeededSchedule[]): Promise<number[]> {
  const rows = await db
    .insertInto('poll_schedules')
    .values(
      schedules.map((schedule, index) => ({
        instance_id: instanceId,
        resource: schedule.resource,
        next_run_at: T - 1000 - index,
        lease_owner: schedule.owner,
        lease_until: schedule.owner === null ? null : T + 60_000 + index,
        cursor: schedule.cursor ?? null,
        baseline_at: T - 100_000,
        config_fingerprint: 'x',
        last_poll_at: T - 50_000 - index,
        last_success_at: T - 60_000 - index,
        last_error: schedule.lastError ?? null,
        consecutive_failures: schedule.failures ?? 0,
        created_at: T - 200_000,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

async function scheduleRows(db: Kysely<Database>): Promise<Map<number, PollScheduleRow>> {
  const rows = await db.selectFrom('poll_schedules').selectAll().orderBy('id').execute();
  return new Map(rows.map((row) => [row.id, row]));
}

/** The store's db with a plugin counting every statement executed through it. */
function countingQueries(db: Kysely<Database>): { db: Kysely<Database>; queries(): number } {
  let count = 0;
  const counted = db.withPlugin({
    transformQuery: (args) => {
      count += 1;
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
  return { db: counted, queries: () => count };
}

function releaseOf(id: number, offset: number, cursor: string | null): PollRelease {
  return { id, next_run_at: T + 900_000 + offset, last_poll_at: T + offset, last_success_at: T + 10 + offset, cursor };
}

for (const dialect of testDialects()) {
  describe(`releasing succeeded polls on ${dialect}`, () => {
    test('books the polls and frees the leases only of the rows the owner still holds', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const [newCursor, keptCursor, failing, heldByB, free] = await seedSchedules(store.db, instanceId, [
          { resource: 'new-cursor', owner: 'A', cursor: 'old-1' },
          { resource: 'kept-cursor', owner: 'A', cursor: 'keep-me' },
          { resource: 'was-failing', owner: 'A', cursor: 'old-3', lastError: 'provider said no', failures: 3 },
          { resource: 'held-by-b', owner: 'B', cursor: 'b-cursor' },
          { resource: 'free', owner: null, cursor: 'free-cursor', lastError: 'earlier failure', failures: 2 },
        ]);
        const before = await scheduleRows(store.db);
        const releases = [
          releaseOf(newCursor, 1, 'new-1'),
          releaseOf(keptCursor, 2, null),
          releaseOf(failing, 3, 'new-3'),
          releaseOf(heldByB, 4, 'stolen'),
          releaseOf(free, 5, 'stolen'),
        ];

        const released = await releaseSucceededPolls(store.db, 'A', releases);

        assert.equal(released, 3);
        const after = await scheduleRows(store.db);
        const booked = (id: number, release: PollRelease, cursor: string | null): PollScheduleRow => ({
          ...(before.get(id) as PollScheduleRow),
          next_run_at: release.next_run_at,
          last_poll_at: release.last_poll_at,
          last_success_at: release.last_success_at,
          cursor,
          last_error: null,
          consecutive_failures: 0,
          lease_owner: null,
          lease_until: null,
        });
        assert.deepEqual(after.get(newCursor), booked(newCursor, releases[0], 'new-1'));
        assert.deepEqual(after.get(keptCursor), booked(keptCursor, releases[1], 'keep-me'), 'a release without a cursor keeps the stored one');
        assert.deepEqual(after.get(failing), booked(failing, releases[2], 'new-3'), 'a success clears the error and the failure count');
        assert.deepEqual(after.get(heldByB), before.get(heldByB), "another owner's row is untouched");
        assert.deepEqual(after.get(free), before.get(free), 'a free row is untouched');
      }));

    test('a poll whose interval was shortened while it ran is next due by the new interval', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const [id] = await seedSchedules(store.db, instanceId, [{ resource: 'changed-messages', owner: 'A', cursor: 'c' }]);
        // The release was computed from the interval the poll started with (15 minutes); a PATCH made it 1.
        await store.db.updateTable('instances').set({ refresh_interval_minutes: 1 }).where('id', '=', instanceId).execute();
        await releaseSucceededPolls(store.db, 'A', [releaseOf(id!, 0, null)]);
        const row = (await scheduleRows(store.db)).get(id!)!;
        assert.equal(row.next_run_at, T + 60_000);
        await store.db.updateTable('poll_schedules').set({ lease_owner: 'A' }).where('id', '=', id!).execute();
        await store.db.updateTable('instances').set({ refresh_interval_minutes: 60 }).where('id', '=', instanceId).execute();
        await releaseSucceededPolls(store.db, 'A', [releaseOf(id!, 0, null)]);
        assert.equal((await scheduleRows(store.db)).get(id!)!.next_run_at, T + 900_000, 'a longer interval waits for the next poll');
      }));

    test('a schedule paused while its poll ran stays paused, whether the poll succeeded or failed', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const [succeeded, failed] = await seedSchedules(store.db, instanceId, [
          { resource: 'succeeded', owner: 'A', cursor: 'c' },
          { resource: 'failed', owner: 'A', cursor: 'c' },
        ]);
        // The instance was disabled while both polls ran.
        for (const id of [succeeded!, failed!]) await pollSchedules.pause(store.db, id);
        await releaseSucceededPolls(store.db, 'A', [releaseOf(succeeded!, 0, 'c2')]);
        await pollSchedules.recordPollFailure(store.db, { id: failed!, owner: 'A', startedAt: T, message: 'provider said no', consecutiveFailures: 1, nextRunAt: T + 60_000 });
        const rows = await scheduleRows(store.db);
        for (const id of [succeeded!, failed!]) {
          const row = rows.get(id)!;
          assert.equal(row.next_run_at, pollSchedules.PAUSED_AT, `${row.resource} stays paused`);
          assert.equal(row.lease_owner, null, `${row.resource} is released`);
          assert.equal(row.last_poll_at, T, `${row.resource}'s poll is booked`);
        }
        assert.equal(rows.get(succeeded!)!.cursor, 'c2', 'the cursor the poll reached is kept');
      }));

    test('is one statement whatever the batch size, and none for an empty batch', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const ids = await seedSchedules(
          store.db,
          instanceId,
          Array.from({ length: 301 }, (_, index) => ({ resource: `r${index}`, owner: 'A' })),
        );

        const single = countingQueries(store.db);
        assert.equal(await releaseSucceededPolls(single.db, 'A', [releaseOf(ids[0], 0, 'c0')]), 1);
        assert.equal(single.queries(), 1);

        const many = countingQueries(store.db);
        const batch = ids.slice(1).map((id, index) => releaseOf(id, index, index % 2 === 0 ? `c${index}` : null));
        assert.equal(await releaseSucceededPolls(many.db, 'A', batch), 300);
        assert.equal(many.queries(), 1);
        const stillHeld = await store.db.selectFrom('poll_schedules').select('id').where('lease_owner', 'is not', null).execute();
        assert.deepEqual(stillHeld, []);

        const empty = countingQueries(store.db);
        assert.equal(await releaseSucceededPolls(empty.db, 'A', []), 0);
        assert.equal(empty.queries(), 0);
      }));

    test('renewing leases extends only the named rows the owner still holds', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const [first, second, heldByB, free, notNamed] = await seedSchedules(store.db, instanceId, [
          { resource: 'a-1', owner: 'A' },
          { resource: 'a-2', owner: 'A' },
          { resource: 'held-by-b', owner: 'B' },
          { resource: 'free', owner: null },
          { resource: 'a-not-named', owner: 'A' },
        ]);
        const before = await scheduleRows(store.db);

        assert.equal(await renewPollLeases(store.db, 'A', [], T + 999_000), 0);
        assert.equal(await renewPollLeases(store.db, 'A', [first, second, heldByB, free], T + 999_000), 2);

        const after = await scheduleRows(store.db);
        assert.deepEqual(after.get(first), { ...before.get(first), lease_until: T + 999_000 });
        assert.deepEqual(after.get(second), { ...before.get(second), lease_until: T + 999_000 });
        assert.deepEqual(after.get(heldByB), before.get(heldByB));
        assert.deepEqual(after.get(free), before.get(free));
        assert.deepEqual(after.get(notNamed), before.get(notNamed), 'a lease the owner no longer tracks runs out');
      }));
  });
}
