// Lease takeovers: a claim reports who held each row's lease before, so a worker can tell taking over a
// dead worker's expired lease from claiming free work (or its own expired lease), on both dialects.
// The workers count and log a takeover; the other claim rules (live leases, work not due) still hold.

import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { after, afterEach, before, describe, test } from 'node:test';
import { Keyring } from '../../src/crypto/index.ts';
import { ElementRegistry } from '../../src/elements/index.ts';
import { DeliveryWorker, type DeliveryWorkerObserver } from '../../src/events/delivery/deliveryWorker.ts';
import { PollWorker, type PollResult, type PollWorkerObserver } from '../../src/events/poller/pollWorker.ts';
import { claimDueNotifications, claimDuePolls, openStore, type Database, type Store } from '../../src/store/index.ts';
import { TenantService } from '../../src/tenants/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/databases.ts';
import { insertInstance } from '../support/storeRows.ts';
import { waitFor } from '../support/webhookReceiver.ts';

const LEASE_MS = 60_000;

async function seedInstance(db: Kysely<Database>, values: { callbackUrl?: string | null } = {}): Promise<number> {
  // Events off: a claimed schedule of this instance is brought in line (removed), never polled.
  return (await insertInstance(db, { name: 'lease test', callback_url: values.callbackUrl ?? null })).id;
}

async function seedSchedule(db: Kysely<Database>, instanceId: number, resource: string, lease: { owner: string; until: number } | null, nextRunAt = Date.now() - 1000): Promise<void> {
  await db
    .insertInto('poll_schedules')
    .values({
      instance_id: instanceId,
      resource,
      next_run_at: nextRunAt,
      lease_owner: lease?.owner ?? null,
      lease_until: lease?.until ?? null,
      config_fingerprint: 'x',
      created_at: Date.now(),
    })
    .execute();
}

async function seedNotification(
  db: Kysely<Database>,
  instanceId: number,
  id: string,
  status: 'NEW' | 'RETRYING' | 'DELIVERED',
  lease: { owner: string; until: number } | null,
): Promise<void> {
  const now = Date.now();
  await db
    .insertInto('notifications')
    .values({
      id,
      instance_id: instanceId,
      organization_id: (await db.selectFrom('organizations').select('id').executeTakeFirstOrThrow()).id,
      object_type: 'changed-messages',
      payload: '{}',
      status,
      next_attempt_at: status === 'DELIVERED' ? null : now - 1000,
      lease_owner: lease?.owner ?? null,
      lease_until: lease?.until ?? null,
      created_at: now,
    })
    .execute();
}

for (const dialect of testDialects()) {
  describe(`lease takeovers on ${dialect}`, () => {
    let database: TestDatabase;
    let store: Store;

    before(async () => {
      database = await createTestDatabase(dialect);
      store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
      await new TenantService(store.db).createOrganization({ name: 'lease test', userEmail: 'lease@example.com' });
    });
    afterEach(async () => {
      await store.db.deleteFrom('instances').execute();
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    test('claiming polls reports the owner of each expired lease taken over', async () => {
      const now = Date.now();
      const instanceId = await seedInstance(store.db);
      await seedSchedule(store.db, instanceId, 'free', null);
      await seedSchedule(store.db, instanceId, 'dead', { owner: 'dead-worker', until: now - 5000 });
      await seedSchedule(store.db, instanceId, 'mine', { owner: 'me', until: now - 5000 });
      await seedSchedule(store.db, instanceId, 'live', { owner: 'busy-worker', until: now + LEASE_MS });
      await seedSchedule(store.db, instanceId, 'later', null, now + LEASE_MS);

      const claimed = await claimDuePolls(store.db, { owner: 'me', now, leaseMs: LEASE_MS, limit: 10 });
      const previous = Object.fromEntries(claimed.map((row) => [row.resource, row.previous_lease_owner]));
      assert.deepEqual(previous, { free: null, dead: 'dead-worker', mine: 'me' });
      for (const row of claimed) {
        assert.equal(row.lease_owner, 'me');
        assert.equal(Number(row.lease_until), now + LEASE_MS);
      }
      assert.deepEqual(await claimDuePolls(store.db, { owner: 'other', now, leaseMs: LEASE_MS, limit: 10 }), []);
    });

    test('claiming notifications reports the owner of each expired lease taken over', async () => {
      const now = Date.now();
      const instanceId = await seedInstance(store.db);
      await seedNotification(store.db, instanceId, 'n-free', 'NEW', null);
      await seedNotification(store.db, instanceId, 'n-dead', 'RETRYING', { owner: 'dead-worker', until: now - 5000 });
      await seedNotification(store.db, instanceId, 'n-live', 'NEW', { owner: 'busy-worker', until: now + LEASE_MS });
      await seedNotification(store.db, instanceId, 'n-done', 'DELIVERED', null);

      const claimed = await claimDueNotifications(store.db, { owner: 'me', now, leaseMs: LEASE_MS, limit: 10 });
      const previous = Object.fromEntries(claimed.map((row) => [row.id, row.previous_lease_owner]));
      assert.deepEqual(previous, { 'n-free': null, 'n-dead': 'dead-worker' });
      for (const row of claimed) assert.equal(row.lease_owner, 'me');
    });

    test('the poll worker counts a takeover of an expired lease, not the claim of free work', async () => {
      const now = Date.now();
      const instanceId = await seedInstance(store.db);
      await seedSchedule(store.db, instanceId, 'dead', { owner: 'dead-worker', until: now - 5000 });
      await seedSchedule(store.db, instanceId, 'free', null);
      // What the worker did is recorded and asserted here: an assertion thrown inside the worker would be
      // caught by it (and logged to a silent logger), never failing the test.
      const seen = { takeovers: 0, polled: [] as [string | undefined, PollResult][], captured: 0, hubCalls: 0 };
      const observer: PollWorkerObserver = {
        polled: (kind, result) => {
          seen.polled.push([kind, result]);
        },
        leaseTakenOver: () => {
          seen.takeovers += 1;
        },
        started: () => undefined,
        captured: () => {
          seen.captured += 1;
        },
      };
      const worker = new PollWorker({
        db: store.db,
        hubs: {
          execute: () => {
            seen.hubCalls += 1;
            throw new Error('no poll runs');
          },
        },
        elements: new ElementRegistry({}),
        logger: pino({ level: 'silent' }),
        pollingFailureLimit: 100,
        idleWaitMs: 10,
        observer,
      });
      worker.start();
      try {
        await waitFor(() => seen.polled.length === 2, 'both schedules handled');
      } finally {
        await worker.stop();
      }
      assert.equal(seen.takeovers, 1);
      assert.equal(seen.hubCalls, 0, 'no poll runs');
      assert.equal(seen.captured, 0, 'nothing is captured');
      // Events are off for this instance: neither schedule was polled; bringing them in line removed them.
      assert.deepEqual(seen.polled, [
        [undefined, 'skipped'],
        [undefined, 'skipped'],
      ]);
      const rows = await store.db.selectFrom('poll_schedules').select('id').where('instance_id', '=', instanceId).execute();
      assert.equal(rows.length, 0);
    });

    test('the dispatcher counts a takeover of an expired lease', async () => {
      const now = Date.now();
      // No callback URL: the notification is claimed and set aside without an attempt.
      const instanceId = await seedInstance(store.db, { callbackUrl: null });
      await seedNotification(store.db, instanceId, 'n-dead', 'RETRYING', { owner: 'dead-worker', until: now - 5000 });
      await seedNotification(store.db, instanceId, 'n-free', 'NEW', null);
      // Recorded, then asserted in the test: the dispatcher catches (and silently logs) what its observer throws.
      let takeovers = 0;
      const attempts: string[] = [];
      const observer: DeliveryWorkerObserver = {
        attempted: (outcome) => {
          attempts.push(outcome);
        },
        leaseTakenOver: () => {
          takeovers += 1;
        },
      };
      const worker = new DeliveryWorker({
        db: store.db,
        keyring: new Keyring(Buffer.alloc(32, 1)),
        logger: pino({ level: 'silent' }),
        allowPrivateCallbacks: true,
        idleWaitMs: 10,
        observer,
      });
      worker.start();
      try {
        await waitFor(async () => {
          const waiting = await store.db.selectFrom('notifications').select('id').where('next_attempt_at', 'is', null).where('lease_owner', 'is', null).execute();
          return waiting.length === 2;
        }, 'both notifications set aside');
      } finally {
        await worker.stop();
      }
      assert.equal(takeovers, 1);
      assert.deepEqual(attempts, [], 'no attempt without a callback URL');
      const recorded = await store.db.selectFrom('delivery_attempts').select('id').where('notification_id', 'in', ['n-dead', 'n-free']).execute();
      assert.deepEqual(recorded, [], 'no attempt booked either');
    });
  });
}
