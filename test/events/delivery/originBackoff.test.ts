// A slow or overloaded receiver, with real HTTP receivers on loopback and the dispatcher on both
// dialects: at most the configured number of requests reach one origin at once, and a 429 with
// Retry-After pauses that origin — nothing more is sent to it until the pause ends (on a clock the test
// moves), other origins keep receiving, and what was due meanwhile is handed back unsent and uncounted,
// then delivered exactly once.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { generateWebhookSecret, Keyring } from '../../../src/crypto/index.ts';
import { DeliveryWorker, type DeliveryWorkerOptions } from '../../../src/events/delivery/deliveryWorker.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { TenantService } from '../../../src/tenants/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../../support/databases.ts';
import { waitFor, WebhookReceiver } from '../../support/webhookReceiver.ts';

const keyring = new Keyring(Buffer.alloc(32, 3));

/** Answers every request after `holdMs`, recording how many it held at once. */
class HoldingReceiver {
  inFlight = 0;
  maxInFlight = 0;
  readonly webhookIds: string[] = [];
  url = '';
  private readonly server = http.createServer((req, res) => {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        this.inFlight -= 1;
        this.webhookIds.push(String(req.headers['webhook-id']));
        res.end('{}');
      }, this.holdMs);
    });
  });

  constructor(private readonly holdMs: number) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

for (const dialect of testDialects()) {
  describe(`delivery to a slow receiver on ${dialect}`, () => {
    let database: TestDatabase;
    let store: Store;
    let organizationId = 0;
    let userId = 0;

    before(async () => {
      database = await createTestDatabase(dialect);
      store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
      const tenant = await new TenantService(store.db).createOrganization({ name: 'slow receiver', userEmail: 'slow@example.com' });
      organizationId = tenant.organizationId;
      userId = tenant.userId;
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    async function instanceFor(callbackUrl: string): Promise<number> {
      const now = Date.now();
      const row = await store.db
        .insertInto('instances')
        .values({
          organization_id: organizationId,
          user_id: userId,
          element_key: 'gmail',
          name: 'slow receiver',
          token_hash: crypto.randomBytes(16).toString('hex'),
          token_encrypted: 'unused',
          tags: '[]',
          configuration: '{}',
          secret_configuration: keyring.encrypt('{}'),
          valid: 1,
          disabled: 0,
          events_enabled: 0,
          callback_url: callbackUrl,
          webhook_secret_encrypted: keyring.encrypt(generateWebhookSecret()),
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    }

    async function enqueue(instanceId: number, prefix: string, count: number): Promise<string[]> {
      const now = Date.now();
      const ids = Array.from({ length: count }, (_, i) => `${prefix}-${dialect}-${i}`);
      await store.db
        .insertInto('notifications')
        .values(ids.map((id) => ({
          id, instance_id: instanceId, organization_id: organizationId, object_type: 'changed-messages', payload: JSON.stringify({ id }),
          status: 'NEW' as const, next_attempt_at: now, lease_owner: null, lease_until: null, last_status_code: null, last_error: null, created_at: now, delivered_at: null,
        })))
        .execute();
      return ids;
    }

    const rows = (ids: string[]) => store.db.selectFrom('notifications').selectAll().where('id', 'in', ids).orderBy('id').execute();
    const attemptsOf = (ids: string[]) => store.db.selectFrom('delivery_attempts').select(['notification_id', 'outcome']).where('notification_id', 'in', ids).orderBy('id').execute();

    function dispatcher(options: Partial<DeliveryWorkerOptions>): DeliveryWorker {
      return new DeliveryWorker({
        db: store.db, keyring, logger: pino({ level: 'silent' }), allowPrivateCallbacks: true, idleWaitMs: 20, ...options,
      });
    }

    test('no more than the per-origin limit of requests reach one origin at once, and all arrive', async () => {
      const limit = 5;
      const receiver = await new HoldingReceiver(150).start();
      const instanceId = await instanceFor(receiver.url);
      const ids = await enqueue(instanceId, 'held', limit * 3);
      // Room for all of them at once in the worker: only the per-origin limit holds them back.
      const worker = dispatcher({ perOriginConcurrency: limit, concurrency: 32 });
      worker.start();
      try {
        await waitFor(() => receiver.webhookIds.length >= ids.length, 'every notification received');
        await waitFor(async () => (await rows(ids)).every((row) => row.status === 'DELIVERED'), 'every notification booked');
      } finally {
        await worker.stop();
        await receiver.close();
      }
      assert.equal(receiver.maxInFlight, limit, `at most ${limit} at once, and the limit was used`);
      assert.deepEqual([...receiver.webhookIds].sort(), [...ids].sort(), 'each received once');
    });

    test('a 429 with Retry-After pauses its origin: nothing more is sent to it until then, other origins go on', async () => {
      const paused = await new WebhookReceiver().start();
      const other = await new WebhookReceiver().start();
      paused.misbehave({ status: 429, retryAfter: '120' });
      // The query stands for a secret some receivers put in their URL: it must not reach the logs.
      const pausedInstance = await instanceFor(`${paused.url}?token=receivers-own-secret`);
      const otherInstance = await instanceFor(other.url);
      let offset = 0;
      const now = () => Date.now() + offset;
      const logLines: string[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(line) });
      const pauseWarnings = () => logLines.map((line) => JSON.parse(line) as { level: number; msg: string; origin?: string }).filter((line) => line.level === 40 && /paused/.test(line.msg));
      const received = (receiver: WebhookReceiver) => receiver.deliveries.map((d) => String(d.headers['webhook-id']));
      const handedBack = async (ids: string[]) => (await rows(ids)).every((row) => row.lease_owner === null && Number(row.next_attempt_at) > now());

      const worker = dispatcher({ perOriginConcurrency: 4, concurrency: 32, now, logger });
      const startedAt = now();
      const [first] = await enqueue(pausedInstance, 'first', 1);
      worker.start();
      try {
        await waitFor(async () => (await rows([first!]))[0]!.attempt_count === 1, 'the 429 booked');
        assert.equal(paused.requests, 1);

        // Due while the origin is paused: more for it, and some for another origin.
        const queued = await enqueue(pausedInstance, 'queued', 6);
        const others = await enqueue(otherInstance, 'other', 6);
        worker.nudge();
        await waitFor(() => others.every((id) => received(other).includes(id)), 'the other origin served');
        // Stops early if one was sent after all.
        await waitFor(async () => paused.requests > 1 || (await handedBack(queued)), 'the paused origin\'s notifications handed back');
        assert.equal(paused.requests, 1, 'nothing more sent to the paused origin');
        for (const row of await rows(queued)) {
          assert.equal(row.status, 'NEW');
          assert.equal(row.attempt_count, 0, 'a hand-back is not an attempt');
          assert.ok(Number(row.next_attempt_at) >= startedAt + 120_000 && Number(row.next_attempt_at) <= now() + 120_000, 'due again when the pause ends');
        }
        assert.deepEqual(await attemptsOf(queued), [], 'nor is it recorded as one');

        // A minute on, still paused: made due by hand (as a redelivery would), they are handed back again.
        offset += 60_000;
        await store.db.updateTable('notifications').set({ next_attempt_at: now() }).where('id', 'in', queued).execute();
        const later = await enqueue(otherInstance, 'later', 3);
        worker.nudge();
        await waitFor(() => later.every((id) => received(other).includes(id)), 'the other origin still served');
        await waitFor(async () => paused.requests > 1 || (await handedBack(queued)), 'handed back again');
        assert.equal(paused.requests, 1, 'still nothing more sent to the paused origin');

        // Past the Retry-After: everything reaches the receiver.
        offset += 61_000;
        worker.nudge();
        const all = [first!, ...queued];
        await waitFor(() => all.every((id) => received(paused).includes(id)), 'delivered after the pause');
        await waitFor(async () => (await rows(all)).every((row) => row.status === 'DELIVERED'), 'booked as delivered');
      } finally {
        await worker.stop();
        await paused.close();
        await other.close();
      }

      const queuedIds = received(paused).filter((id) => id !== first);
      assert.equal(queuedIds.length, 6);
      assert.deepEqual([...received(paused)].sort(), [...new Set(received(paused))].sort(), 'each delivered exactly once');
      assert.equal(paused.requests, 8, 'the 429, then one request per notification');
      const attempts = await attemptsOf([first!, ...queuedIds]);
      assert.deepEqual(attempts.filter((a) => a.notification_id === first).map((a) => a.outcome), ['retry', 'done']);
      for (const id of queuedIds) assert.deepEqual(attempts.filter((a) => a.notification_id === id).map((a) => a.outcome), ['done'], id);

      const warnings = pauseWarnings();
      assert.equal(warnings.length, 1, 'one warning for the one pause');
      assert.equal(warnings[0]!.origin, new URL(paused.url).origin);
      assert.ok(!logLines.some((line) => line.includes('receivers-own-secret') || line.includes('/hooks')), 'the log names the origin, not the URL');
    });
  });
}
