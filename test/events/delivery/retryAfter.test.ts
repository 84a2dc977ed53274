// A receiver's Retry-After is honoured by the dispatcher: a notification answered 429 or 503 with
// Retry-After (seconds, or an HTTP-date) is sent again no sooner than that, and then at once. Each
// dispatcher has a clock the test sets, and a fresh one is started for each moment, so the origin pause a
// worker keeps in memory (originThrottle.ts) plays no part: only the notification's own next attempt does.
// Whether it was sent is the receiver's count.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { generateWebhookSecret, Keyring } from '../../../src/crypto/index.ts';
import { DeliveryWorker } from '../../../src/events/delivery/deliveryWorker.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { TenantService } from '../../../src/tenants/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../../support/databases.ts';
import { insertInstance } from '../../support/storeRows.ts';
import { waitFor, WebhookReceiver } from '../../support/webhookReceiver.ts';

const keyring = new Keyring(Buffer.alloc(32, 5));

for (const dialect of testDialects()) {
  describe(`Retry-After on ${dialect}`, () => {
    let database: TestDatabase;
    let store: Store;

    before(async () => {
      database = await createTestDatabase(dialect);
      store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
      await new TenantService(store.db).createOrganization({ name: 'retry-after', userEmail: 'retry-after@example.com' });
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    async function instanceFor(callbackUrl: string): Promise<number> {
      const row = await insertInstance(store.db, {
        callback_url: callbackUrl,
        secret_configuration: keyring.encrypt('{}'),
        webhook_secret_encrypted: keyring.encrypt(generateWebhookSecret()),
      });
      return row.id;
    }

    async function enqueue(instanceId: number, dueAt: number): Promise<string> {
      const id = crypto.randomUUID();
      const { organization_id } = await store.db.selectFrom('instances').select('organization_id').where('id', '=', instanceId).executeTakeFirstOrThrow();
      await store.db
        .insertInto('notifications')
        .values({
          id, instance_id: instanceId, organization_id, object_type: 'changed-messages', payload: JSON.stringify({ id }),
          status: 'NEW', next_attempt_at: dueAt, lease_owner: null, lease_until: null, last_status_code: null, last_error: null, created_at: dueAt, delivered_at: null,
        })
        .execute();
      return id;
    }

    /** A dispatcher whose clock stands still at `at`; the retry schedule's jitter is none. */
    function dispatcherAt(at: number): DeliveryWorker {
      const worker = new DeliveryWorker({
        db: store.db, keyring, logger: pino({ level: 'silent' }), allowPrivateCallbacks: true, idleWaitMs: 20,
        now: () => at, random: () => 0.5,
      });
      worker.start();
      return worker;
    }

    const row = async (id: string) => store.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const sentTo = (receiver: WebhookReceiver, id: string) => receiver.deliveries.filter((d) => d.headers['webhook-id'] === id).length;

    const cases: { name: string; status: number; header: (now: number) => string; waitMs: number }[] = [
      { name: '429 with Retry-After: 300', status: 429, header: () => '300', waitMs: 300_000 },
      { name: '503 with Retry-After as an HTTP-date ten minutes on', status: 503, header: (now) => new Date(now + 600_000).toUTCString(), waitMs: 600_000 },
    ];
    for (const { name, status, header, waitMs } of cases) {
      test(`${name}: not sent again a second before, sent at once when it is due`, async () => {
        const receiver = await new WebhookReceiver().start();
        const elsewhere = await new WebhookReceiver().start();
        let worker: DeliveryWorker | undefined;
        const stop = async () => {
          await worker?.stop();
          worker = undefined;
        };
        try {
          const instanceId = await instanceFor(receiver.url);
          const otherInstanceId = await instanceFor(elsewhere.url);
          // A whole second, so an HTTP-date (whole seconds) lands exactly on it plus the wait.
          const start = Math.ceil(Date.now() / 1000) * 1000;
          receiver.misbehave({ status, retryAfter: header(start) });
          const id = await enqueue(instanceId, start);

          worker = dispatcherAt(start);
          await waitFor(async () => (await row(id)).attempt_count === 1, 'the first attempt booked');
          await stop();
          assert.equal(receiver.requests, 1);
          const booked = await row(id);
          assert.equal(booked.status, 'RETRYING');

          // A second before: another origin's notification is sent (the worker did claim), this one is not.
          worker = dispatcherAt(start + waitMs - 1000);
          const marker = await enqueue(otherInstanceId, start);
          await waitFor(() => sentTo(elsewhere, marker) === 1, 'the other origin served');
          await stop();
          assert.equal(receiver.requests, 1, 'sent again before the Retry-After had passed');
          assert.equal((await row(id)).attempt_count, 1);

          // When it is due: sent at once, and delivered.
          worker = dispatcherAt(start + waitMs);
          await waitFor(() => sentTo(receiver, id) === 1, 'sent when due');
          await waitFor(async () => (await row(id)).status === 'DELIVERED', 'booked');
          await stop();
          assert.equal(receiver.requests, 2, 'the refused attempt, then one more');
          const attempts = await store.db.selectFrom('delivery_attempts').select(['outcome', 'status_code']).where('notification_id', '=', id).orderBy('id').execute();
          assert.deepEqual(attempts, [
            { outcome: 'retry', status_code: status },
            { outcome: 'done', status_code: 200 },
          ]);
          assert.equal(Number(booked.next_attempt_at), start + waitMs, 'booked due again exactly when the receiver asked');
        } finally {
          await stop();
          await receiver.close();
          await elsewhere.close();
        }
      });
    }
  });
}
