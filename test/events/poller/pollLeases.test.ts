// The poll worker's lease book: successful polls are released in batches (one statement per flush,
// on a timer or as soon as a batch is full, and on stop), every lease the worker holds is renewed by
// one statement on an interval, and a failed write is reported without stopping later writes. Both on
// SQLite and PostgreSQL.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { PollLeaseBook, type PollLeaseBookOptions } from '../../../src/events/poller/pollLeases.ts';
import type { Database, PollRelease, PollScheduleRow } from '../../../src/store/index.ts';
import { testDialects } from '../../support/databases.ts';
import { withInstanceStore } from '../../support/storeRows.ts';
import { waitFor } from '../../support/webhookReceiver.ts';

const T = 1_700_000_000_000;
const OWNER = 'book-owner';
/** Long enough that a timer flush never happens during a test. */
const NEVER_MS = 600_000;

/** Inserts one schedule per owner (null: free), leased until T + 60 s; returns their ids in order. */
async function seedSchedules(db: Kysely<Database>, instanceId: number, owners: (string | null)[]): Promise<number[]> {
  const rows = await db
    .insertInto('poll_schedules')
    .values(
      owners.map((owner, index) => ({
        instance_id: instanceId,
        resource: `r${index}`,
        next_run_at: T - 1000,
        lease_owner: owner,
        lease_until: owner === null ? null : T + 60_000,
        cursor: `stored-${index}`,
        config_fingerprint: 'x',
        created_at: T - 200_000,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

async function rowsById(db: Kysely<Database>, ids: number[]): Promise<PollScheduleRow[]> {
  return db.selectFrom('poll_schedules').selectAll().where('id', 'in', ids).orderBy('id').execute();
}

/** Whether every row was released by the book (no lease, booked next run). */
async function released(db: Kysely<Database>, ids: number[]): Promise<boolean> {
  const rows = await rowsById(db, ids);
  return rows.length === ids.length && rows.every((row) => row.lease_owner === null && row.next_run_at === T + 900_000);
}

function releaseOf(id: number): PollRelease {
  return { id, next_run_at: T + 900_000, last_poll_at: T, last_success_at: T, cursor: `new-${id}` };
}

/** The store's db with a plugin counting the statements run through it, and failing them on demand. */
function instrumented(db: Kysely<Database>): { db: Kysely<Database>; queries(): number; failing: { next: number } } {
  let count = 0;
  const failing = { next: 0 };
  const wrapped = db.withPlugin({
    transformQuery: (args) => {
      count += 1;
      if (failing.next > 0) {
        failing.next -= 1;
        throw new Error('database unavailable');
      }
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
  return { db: wrapped, queries: () => count, failing };
}

function bookOn(db: Kysely<Database>, options: Partial<PollLeaseBookOptions> = {}): { book: PollLeaseBook; errors: [unknown, string][] } {
  const errors: [unknown, string][] = [];
  const book = new PollLeaseBook({
    db,
    owner: OWNER,
    leaseMs: 60_000,
    now: () => T,
    onError: (error, what) => {
      errors.push([error, what]);
    },
    flushDelayMs: NEVER_MS,
    ...options,
  });
  return { book, errors };
}

for (const dialect of testDialects()) {
  describe(`the poll lease book on ${dialect}`, () => {
    test('queued releases wait for flush(), which writes them all in one statement', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const ids = await seedSchedules(store.db, instanceId, [OWNER, OWNER, OWNER]);
        const before = await rowsById(store.db, ids);
        const counted = instrumented(store.db);
        const { book, errors } = bookOn(counted.db);
        try {
          for (const id of ids) book.release(releaseOf(id));
          // A round trip on the uncounted db gives an eager write every chance to run first.
          assert.deepEqual(await rowsById(store.db, ids), before, 'nothing written before the flush');
          assert.equal(counted.queries(), 0);

          await book.flush();

          assert.equal(counted.queries(), 1);
          const rows = await rowsById(store.db, ids);
          assert.deepEqual(
            rows.map((row) => [row.lease_owner, row.lease_until, row.next_run_at, row.cursor]),
            ids.map((id) => [null, null, T + 900_000, `new-${id}`]),
          );
          assert.deepEqual(errors, []);
        } finally {
          await book.stop();
        }
      }));

    test('a full batch is written without waiting for a flush', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const ids = await seedSchedules(store.db, instanceId, [OWNER, OWNER, OWNER]);
        const counted = instrumented(store.db);
        const { book, errors } = bookOn(counted.db, { maxBatch: 3 });
        try {
          book.release(releaseOf(ids[0]));
          book.release(releaseOf(ids[1]));
          assert.equal(await released(store.db, ids.slice(0, 2)), false, 'a batch below maxBatch waits');
          assert.equal(counted.queries(), 0);

          book.release(releaseOf(ids[2]));

          await waitFor(() => released(store.db, ids), 'the full batch written', 10_000);
          assert.equal(counted.queries(), 1);
          assert.deepEqual(errors, []);
        } finally {
          await book.stop();
        }
      }));

    test('stop() writes the pending releases', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const ids = await seedSchedules(store.db, instanceId, [OWNER, OWNER]);
        const { book, errors } = bookOn(store.db);
        try {
          for (const id of ids) book.release(releaseOf(id));
          assert.equal(await released(store.db, ids), false);

          await book.stop();

          assert.equal(await released(store.db, ids), true);
          assert.deepEqual(errors, []);
        } finally {
          // Should stop() leave the flush timer behind, it must not keep the test process alive.
          await book.flush();
        }
      }));

    test("renewal moves the owner's leases to now + leaseMs and leaves other owners' alone", () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const [mine, alsoMine, others, free, forgotten] = await seedSchedules(store.db, instanceId, [OWNER, OWNER, 'other-owner', null, OWNER]);
        const before = await rowsById(store.db, [others, free, forgotten]);
        let clock = T + 500_000;
        const { book, errors } = bookOn(store.db, { leaseMs: 3000, now: () => clock });
        // `forgotten` was held, then let go (its release went another way, or failed): not renewed.
        book.hold([mine, alsoMine, others, forgotten]);
        book.letGo(forgotten);
        book.start();
        try {
          await waitFor(async () => {
            const rows = await rowsById(store.db, [mine, alsoMine]);
            return rows.every((row) => row.lease_until === T + 503_000);
          }, 'the first renewal', 10_000);
          assert.deepEqual(await rowsById(store.db, [others, free, forgotten]), before);

          // Each renewal reads the clock anew.
          clock = T + 700_000;
          await waitFor(async () => {
            const rows = await rowsById(store.db, [mine, alsoMine]);
            return rows.every((row) => row.lease_until === T + 703_000);
          }, 'a renewal at the new time', 10_000);
          assert.deepEqual(await rowsById(store.db, [others, free, forgotten]), before);
          assert.deepEqual(errors, []);
        } finally {
          await book.stop();
        }
      }));

    test('a failed write is reported with what failed, and later writes still happen', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const [lost, later] = await seedSchedules(store.db, instanceId, [OWNER, OWNER]);
        const broken = instrumented(store.db);
        const { book, errors } = bookOn(broken.db);
        try {
          broken.failing.next = 1;
          book.release(releaseOf(lost));
          await book.flush();

          assert.equal(errors.length, 1);
          const [error, what] = errors[0];
          assert.equal(what, 'releasing polls');
          assert.ok(error instanceof Error && error.message === 'database unavailable', `unexpected error: ${String(error)}`);
          // The failed release left the lease in place: it expires and the poll is repeated.
          const [stillHeld] = await rowsById(store.db, [lost]);
          assert.equal(stillHeld.lease_owner, OWNER);

          book.release(releaseOf(later));
          await book.flush();

          assert.equal(await released(store.db, [later]), true);
          assert.equal(errors.length, 1);
        } finally {
          await book.stop();
        }
      }));

    test('a row whose release failed is no longer renewed, so its lease runs out', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const [lost, kept] = await seedSchedules(store.db, instanceId, [OWNER, OWNER]);
        const [lostBefore] = await rowsById(store.db, [lost]);
        const broken = instrumented(store.db);
        const { book, errors } = bookOn(broken.db, { leaseMs: 3000, now: () => T + 500_000 });
        book.hold([lost, kept]);
        try {
          broken.failing.next = 1;
          book.release(releaseOf(lost));
          await book.flush();
          assert.equal(errors.length, 1);
          book.start();
          await waitFor(async () => {
            const [row] = await rowsById(store.db, [kept]);
            return row.lease_until === T + 503_000;
          }, 'the renewal of the row still in hand', 10_000);
          assert.deepEqual(await rowsById(store.db, [lost]), [lostBefore]);
        } finally {
          await book.stop();
        }
      }));

    test('a failed renewal is reported, and the next renewal still happens', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const [mine] = await seedSchedules(store.db, instanceId, [OWNER]);
        const broken = instrumented(store.db);
        broken.failing.next = 1;
        const { book, errors } = bookOn(broken.db, { leaseMs: 3000, now: () => T + 500_000 });
        book.hold([mine]);
        book.start();
        try {
          await waitFor(async () => {
            const [row] = await rowsById(store.db, [mine]);
            return row.lease_until === T + 503_000;
          }, 'a renewal after the failed one', 10_000);
          assert.equal(errors.length, 1);
          assert.equal(errors[0][1], 'renewing poll leases');
          assert.ok(broken.queries() >= 2);
        } finally {
          await book.stop();
        }
      }));
  });
}
