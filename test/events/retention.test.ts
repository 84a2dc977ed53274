// Event retention, on both dialects: a pass of the pruner deletes exactly the settled (DELIVERED,
// FAILED) notifications created before now − retention, with their events and delivery attempts, in
// as many batches as it takes; undelivered notifications (NEW, RETRYING, waiting on a 410'd callback)
// and recent ones stay untouched whatever their age. The periodic loop prunes, logs counts and feeds
// the metric; two pruners at once on one database delete every old row exactly once, and on
// PostgreSQL a pass skips the rows another pruner holds locked instead of waiting for them.

import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import pino from 'pino';
import pg from 'pg';
import { after, before, beforeEach, describe, test } from 'node:test';
import { EventPruner } from '../../src/events/retention/eventPruner.ts';
import { Metrics } from '../../src/observability/index.ts';
import { openStore, type Database, type NotificationStatus, type PrunedRows, type Store } from '../../src/store/index.ts';
import { TenantService } from '../../src/tenants/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/databases.ts';
import { waitFor } from '../support/webhookReceiver.ts';
import { insertInstance } from '../support/storeRows.ts';

const DAY = 24 * 60 * 60 * 1000;
const RETENTION = 30 * DAY;
/** The pruner's clock in these tests: far from the real one, so nothing depends on when the test runs. */
const NOW = Date.UTC(2031, 0, 31, 12);
const EVENTS_PER_NOTIFICATION = 3;
const ATTEMPTS_PER_NOTIFICATION = 2;

const silent = pino({ level: 'silent' });

async function seedInstance(db: Kysely<Database>): Promise<{ instanceId: number; organizationId: number }> {
  const row = await insertInstance(db, { callback_url: 'https://receiver.example.com/hook', created_at: NOW - 100 * DAY, updated_at: NOW - 100 * DAY });
  return { instanceId: row.id, organizationId: row.organization_id };
}

interface Seed {
  id: string;
  status: NotificationStatus;
  createdAt: number;
  /** RETRYING with null = waiting on a callback that answered 410 Gone. */
  nextAttemptAt?: number | null;
}

/** A notification as the outbox and the dispatcher leave it: its events, and its attempts so far. */
async function seedNotification(db: Kysely<Database>, owner: { instanceId: number; organizationId: number }, seed: Seed): Promise<void> {
  const settled = seed.status === 'DELIVERED' || seed.status === 'FAILED';
  await db
    .insertInto('notifications')
    .values({
      id: seed.id,
      instance_id: owner.instanceId,
      organization_id: owner.organizationId,
      object_type: 'changed-messages',
      payload: JSON.stringify({ id: seed.id }),
      status: seed.status,
      attempt_count: ATTEMPTS_PER_NOTIFICATION,
      next_attempt_at: seed.nextAttemptAt !== undefined ? seed.nextAttemptAt : settled ? null : seed.createdAt + DAY,
      lease_owner: null,
      lease_until: null,
      last_status_code: seed.status === 'DELIVERED' ? 200 : 500,
      last_error: seed.status === 'DELIVERED' ? null : 'HTTP 500',
      created_at: seed.createdAt,
      delivered_at: seed.status === 'DELIVERED' ? seed.createdAt + 60_000 : null,
    })
    .execute();
  await db
    .insertInto('events')
    .values(
      Array.from({ length: EVENTS_PER_NOTIFICATION }, (_, i) => ({
        id: `${seed.id}/event-${i}`,
        instance_id: owner.instanceId,
        organization_id: owner.organizationId,
        object_type: 'changed-messages',
        object_id: `message-${seed.id}-${i}`,
        event_type: 'CREATED',
        sequence: i + 1,
        record: JSON.stringify({ id: `message-${seed.id}-${i}`, snippet: 'hello' }),
        occurred_at: seed.createdAt - 1000,
        poll_at: seed.createdAt,
        notification_id: seed.id,
        created_at: seed.createdAt,
      })),
    )
    .execute();
  await db
    .insertInto('delivery_attempts')
    .values(
      Array.from({ length: ATTEMPTS_PER_NOTIFICATION }, (_, i) => ({
        notification_id: seed.id,
        attempted_at: seed.createdAt + i * 60_000,
        duration_ms: 12,
        status_code: i === ATTEMPTS_PER_NOTIFICATION - 1 && seed.status === 'DELIVERED' ? 200 : 500,
        outcome: i === ATTEMPTS_PER_NOTIFICATION - 1 && seed.status === 'DELIVERED' ? 'done' : 'retry',
        response_excerpt: 'ok',
        error: null,
      })),
    )
    .execute();
}

/** Every row of the three tables, keyed for comparison. */
async function snapshot(db: Kysely<Database>) {
  const notifications = await db.selectFrom('notifications').selectAll().orderBy('id').execute();
  const events = await db.selectFrom('events').selectAll().orderBy('id').execute();
  const attempts = await db.selectFrom('delivery_attempts').selectAll().orderBy('id').execute();
  return { notifications, events, attempts };
}

function idsOf(rows: readonly { id: string }[]): string[] {
  return rows.map((row) => row.id).sort();
}

function byNotification<T extends { notification_id: string }>(rows: readonly T[], keep: ReadonlySet<string>): T[] {
  return rows.filter((row) => keep.has(row.notification_id));
}

for (const dialect of testDialects()) {
  describe(`event retention on ${dialect}`, () => {
    let database: TestDatabase;
    let store: Store;
    let owner: { instanceId: number; organizationId: number };

    before(async () => {
      database = await createTestDatabase(dialect);
      store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
      await new TenantService(store.db).createOrganization({ name: 'retention test', userEmail: 'retention@example.com' });
      owner = await seedInstance(store.db);
    });
    beforeEach(async () => {
      await store.db.deleteFrom('events').execute();
      await store.db.deleteFrom('delivery_attempts').execute();
      await store.db.deleteFrom('notifications').execute();
    });
    after(async () => {
      await store?.close();
      await database?.drop();
    });

    const pruner = (options: { now?: () => number; batchSize?: number; observer?: { pruned(rows: PrunedRows): void } } = {}) =>
      new EventPruner({ db: store.db, logger: silent, retentionMs: RETENTION, now: () => NOW, pauseMs: 0, ...options });

    test('deletes old delivered and failed notifications with their events and attempts, and nothing else', async () => {
      const seeds: Seed[] = [
        { id: 'old-delivered-a', status: 'DELIVERED', createdAt: NOW - 40 * DAY },
        { id: 'old-delivered-b', status: 'DELIVERED', createdAt: NOW - RETENTION - 1 },
        { id: 'old-failed', status: 'FAILED', createdAt: NOW - 35 * DAY },
        { id: 'old-new', status: 'NEW', createdAt: NOW - 40 * DAY },
        { id: 'old-retrying', status: 'RETRYING', createdAt: NOW - 40 * DAY },
        { id: 'old-waiting-on-gone-callback', status: 'RETRYING', createdAt: NOW - 90 * DAY, nextAttemptAt: null },
        { id: 'recent-delivered', status: 'DELIVERED', createdAt: NOW - 29 * DAY },
        { id: 'boundary-delivered', status: 'DELIVERED', createdAt: NOW - RETENTION },
        { id: 'recent-failed', status: 'FAILED', createdAt: NOW - DAY },
      ];
      for (const seed of seeds) await seedNotification(store.db, owner, seed);
      const old = new Set(['old-delivered-a', 'old-delivered-b', 'old-failed']);
      const kept = new Set(seeds.map((seed) => seed.id).filter((id) => !old.has(id)));
      const before = await snapshot(store.db);

      const pruned = await pruner().pruneOnce();

      assert.deepEqual(pruned, { notifications: 3, events: 3 * EVENTS_PER_NOTIFICATION, attempts: 3 * ATTEMPTS_PER_NOTIFICATION });
      const afterPrune = await snapshot(store.db);
      assert.deepEqual(idsOf(afterPrune.notifications), [...kept].sort());
      // What is kept is intact, row for row; what is gone left no orphans.
      assert.deepEqual(afterPrune.notifications, before.notifications.filter((row) => kept.has(row.id)));
      assert.deepEqual(afterPrune.events, byNotification(before.events, kept));
      assert.deepEqual(afterPrune.attempts, byNotification(before.attempts, kept));
      assert.equal(afterPrune.events.length, kept.size * EVENTS_PER_NOTIFICATION);
      assert.equal(afterPrune.attempts.length, kept.size * ATTEMPTS_PER_NOTIFICATION);

      assert.deepEqual(await pruner().pruneOnce(), { notifications: 0, events: 0, attempts: 0 }, 'a second pass finds nothing');

      // Two days later the delivered notification of 29 days ago (and the one on the boundary) are old too.
      const later = await pruner({ now: () => NOW + 2 * DAY }).pruneOnce();
      assert.equal(later.notifications, 2);
      assert.deepEqual(idsOf((await snapshot(store.db)).notifications), ['old-new', 'old-retrying', 'old-waiting-on-gone-callback', 'recent-failed']);
    });

    test('a pass runs batch after batch until nothing old is left', async () => {
      const oldCount = 7;
      for (let i = 0; i < oldCount; i += 1) {
        await seedNotification(store.db, owner, { id: `old-${i}`, status: i % 3 === 0 ? 'FAILED' : 'DELIVERED', createdAt: NOW - 31 * DAY - i * DAY });
      }
      await seedNotification(store.db, owner, { id: 'old-retrying', status: 'RETRYING', createdAt: NOW - 60 * DAY });
      await seedNotification(store.db, owner, { id: 'recent', status: 'DELIVERED', createdAt: NOW - DAY });
      const batches: PrunedRows[] = [];

      const pruned = await pruner({ batchSize: 2, observer: { pruned: (rows) => batches.push(rows) } }).pruneOnce();

      assert.deepEqual(pruned, { notifications: oldCount, events: oldCount * EVENTS_PER_NOTIFICATION, attempts: oldCount * ATTEMPTS_PER_NOTIFICATION });
      assert.deepEqual(
        batches.map((rows) => rows.notifications),
        [2, 2, 2, 1],
        'four batches of at most two notifications',
      );
      const left = await snapshot(store.db);
      assert.deepEqual(idsOf(left.notifications), ['old-retrying', 'recent']);
      assert.equal(left.events.length, 2 * EVENTS_PER_NOTIFICATION);
      assert.equal(left.attempts.length, 2 * ATTEMPTS_PER_NOTIFICATION);
    });

    test('two pruners at once delete every old row exactly once', async () => {
      const oldCount = 24;
      for (let i = 0; i < oldCount; i += 1) await seedNotification(store.db, owner, { id: `old-${i}`, status: 'DELIVERED', createdAt: NOW - 40 * DAY });
      await seedNotification(store.db, owner, { id: 'old-new', status: 'NEW', createdAt: NOW - 40 * DAY });

      const results = await Promise.all([pruner({ batchSize: 3 }).pruneOnce(), pruner({ batchSize: 3 }).pruneOnce()]);

      const sum = (kind: keyof PrunedRows) => results.reduce((total, rows) => total + rows[kind], 0);
      assert.equal(sum('notifications'), oldCount);
      assert.equal(sum('events'), oldCount * EVENTS_PER_NOTIFICATION);
      assert.equal(sum('attempts'), oldCount * ATTEMPTS_PER_NOTIFICATION);
      const left = await snapshot(store.db);
      assert.deepEqual(idsOf(left.notifications), ['old-new']);
      assert.equal(left.events.length, EVENTS_PER_NOTIFICATION);
      assert.equal(left.attempts.length, ATTEMPTS_PER_NOTIFICATION);
    });

    if (dialect === 'postgres') {
      test('a pass skips the rows another pruner holds instead of waiting for them', async () => {
        for (let i = 0; i < 5; i += 1) await seedNotification(store.db, owner, { id: `old-${i}`, status: 'DELIVERED', createdAt: NOW - 40 * DAY });
        await seedNotification(store.db, owner, { id: 'old-held', status: 'DELIVERED', createdAt: NOW - 40 * DAY });
        // Another pruner in the middle of its batch: it holds the row lock until it commits.
        const holder = new pg.Client({ connectionString: database.databaseUrl });
        const probe = new pg.Client({ connectionString: database.databaseUrl });
        await holder.connect();
        await probe.connect();
        try {
          await holder.query('BEGIN');
          await holder.query(`SELECT id FROM notifications WHERE id = 'old-held' FOR UPDATE`);
          let finished = false;
          const pass = pruner({ batchSize: 2 })
            .pruneOnce()
            .finally(() => {
              finished = true;
            });
          const outcome = await waitFor(async () => {
            if (finished) return 'finished';
            const waiting = await probe.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
            return waiting.rows[0]!.n > 0 ? 'waiting for a lock' : undefined;
          }, 'the pass to finish or to wait for a lock');
          await holder.query('ROLLBACK');
          const pruned = await pass;
          assert.equal(outcome, 'finished');
          assert.equal(pruned.notifications, 5);
          assert.deepEqual(idsOf((await snapshot(store.db)).notifications), ['old-held']);
          assert.equal((await pruner().pruneOnce()).notifications, 1, 'released, the next pass takes it');
        } finally {
          await holder.end();
          await probe.end();
        }
      });
    }

    test('started, it prunes on its own, logs the counts, feeds the metric, and stops', async () => {
      for (const id of ['old-a', 'old-b']) await seedNotification(store.db, owner, { id, status: 'DELIVERED', createdAt: NOW - 40 * DAY });
      await seedNotification(store.db, owner, { id: 'old-retrying', status: 'RETRYING', createdAt: NOW - 40 * DAY });
      const lines: Record<string, unknown>[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
      const metrics = new Metrics({ processMetrics: false });
      const periodic = new EventPruner({
        db: store.db,
        logger,
        retentionMs: RETENTION,
        now: () => NOW,
        firstPassAfterMs: 0,
        intervalMs: 60_000,
        observer: metrics.eventPruner,
      });

      periodic.start();
      try {
        await waitFor(() => lines.some((line) => line.msg === 'pruned settled notifications older than the retention'), 'a pass that pruned');
      } finally {
        await periodic.stop();
      }

      assert.deepEqual(idsOf((await snapshot(store.db)).notifications), ['old-retrying']);
      const line = lines.find((l) => l.msg === 'pruned settled notifications older than the retention')!;
      assert.equal(line.notifications, 2);
      assert.equal(line.events, 2 * EVENTS_PER_NOTIFICATION);
      assert.equal(line.attempts, 2 * ATTEMPTS_PER_NOTIFICATION);
      assert.ok(!JSON.stringify(line).includes('old-a'), 'counts only, no ids');
      const scraped = await metrics.scrape();
      assert.match(scraped, /^changehook_pruned_total\{kind="notifications"\} 2$/m);
      assert.match(scraped, new RegExp(`^changehook_pruned_total\\{kind="events"\\} ${2 * EVENTS_PER_NOTIFICATION}$`, 'm'));
      assert.match(scraped, new RegExp(`^changehook_pruned_total\\{kind="attempts"\\} ${2 * ATTEMPTS_PER_NOTIFICATION}$`, 'm'));
    });
  });
}
