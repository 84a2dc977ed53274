// Two live dispatchers never send the same notification: one whose queue waited for a slow receiver
// longer than its lease re-checks the lease before sending, and a stopping dispatcher hands back what it
// has not started instead of sending its whole queue. Time is the dispatchers' injected clocks and the
// receiver holds requests until the test lets them go, so what happens does not depend on the machine's speed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startGoogleEmulator, type GoogleEmulator } from '../../../emulators/google/index.ts';
import { createServices, type Services } from '../../../src/cli/services.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { DeliveryWorker } from '../../../src/events/delivery/deliveryWorker.ts';
import { waitFor, WebhookReceiver } from '../../support/webhookReceiver.ts';

/** The dispatchers' lease (their timeout is shorter, so this is the lease they use). */
const LEASE_MS = 60_000;

let emulator: GoogleEmulator;
let services: Services;
let receiver: WebhookReceiver;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-lease-'));
let instanceId = 0;
let organizationId = 0;

before(async () => {
  emulator = await startGoogleEmulator({ port: 0 });
  services = await createServices(loadConfig({ CHANGEHOOK_DATA_DIR: dataDir, CHANGEHOOK_GOOGLE_BASE_URL: emulator.baseUrl, CHANGEHOOK_SANDBOX: '1', LOG_LEVEL: 'silent' }));
  receiver = await new WebhookReceiver().start();
  const tenant = await services.tenants.createOrganization({ name: 'lease', userEmail: 'lease@localhost' });
  organizationId = tenant.organizationId;
  emulator.control.createMailbox('lease@example.com');
  const { code } = await approveConsent(services.elements.oauthUrl(services.elements.get('gmail'), { apiKey: SANDBOX_CLIENT_ID, callbackUrl: 'https://app.example.com/cb' }), 'lease@example.com');
  const instance = await services.instances.create({ organizationId, userId: tenant.userId }, {
    element: { key: 'gmail' },
    providerData: { code },
    name: 'lease',
    configuration: { 'oauth.api.key': SANDBOX_CLIENT_ID, 'oauth.api.secret': SANDBOX_CLIENT_SECRET, 'oauth.callback.url': 'https://app.example.com/cb', 'event.notification.callback.url': receiver.url },
  });
  instanceId = instance.id;
});

after(async () => {
  await services.hubs.close();
  await services.store.close();
  await emulator.close();
  await receiver.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function enqueue(ids: string[]): Promise<number> {
  const now = Date.now();
  await services.store.db
    .insertInto('notifications')
    .values(ids.map((id) => ({
      id, instance_id: instanceId, organization_id: organizationId, object_type: 'changed-messages', payload: `{"id":"${id}"}`,
      status: 'NEW' as const, next_attempt_at: now, lease_owner: null, lease_until: null, last_status_code: null, last_error: null, created_at: now, delivered_at: null,
    })))
    .execute();
  return now;
}

const rows = (ids: string[]) => services.store.db.selectFrom('notifications').selectAll().where('id', 'in', ids).orderBy('id').execute();
const sent = () => receiver.deliveries.map((d) => String(d.headers['webhook-id']));

/** A promise the test resolves by hand: a request held by the receiver until then. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

function dispatcher(clock: { offset: number }, takeovers?: { count: number }): DeliveryWorker {
  // One request at a time to the receiver: everything else this worker claimed waits in its queue.
  return new DeliveryWorker({
    db: services.store.db, keyring: services.keyring, logger: pino({ level: 'silent' }),
    allowPrivateCallbacks: true, perOriginConcurrency: 1, concurrency: 30, leaseMs: LEASE_MS, timeoutMs: 10_000, idleWaitMs: 20,
    now: () => Date.now() + clock.offset,
    observer: {
      attempted: () => undefined,
      leaseTakenOver: () => {
        if (takeovers) takeovers.count += 1;
      },
    },
  });
}

test('a queue that outlives its lease is not sent twice when another dispatcher takes it over', async () => {
  const clockA = { offset: 0 };
  const first = dispatcher(clockA);
  let second: DeliveryWorker | undefined;
  const hold0 = gate();
  const hold1 = gate();
  const queued = Array.from({ length: 8 }, (_, i) => `queue-${i + 1}`);
  try {
    // A's first send occupies the origin's one slot, held by the receiver.
    receiver.misbehave({ holdUntil: hold0.promise });
    await enqueue(['queue-0']);
    first.start();
    await waitFor(() => receiver.held === 1, 'the first send held by the receiver');
    // Meanwhile A claims the rest: they wait in its queue for the slot, their leases not renewed.
    await enqueue(queued);
    first.nudge();
    await waitFor(async () => (await rows(queued)).every((row) => row.lease_owner === first.owner), 'the queue claimed by A');

    // Half a lease passes for A; its next send renews that one lease for a whole lease from now, and is held too.
    clockA.offset = LEASE_MS / 2;
    receiver.misbehave({ holdUntil: hold1.promise });
    hold0.open();
    await waitFor(() => receiver.requests === 2 && receiver.held === 1, 'the next of the queue sent by A and held');

    // To B, a lease and a quarter later, the queue's leases ran out; the one in flight is A's still.
    const takeovers = { count: 0 };
    second = dispatcher({ offset: (LEASE_MS * 5) / 4 }, takeovers);
    second.start();
    await waitFor(() => receiver.deliveries.length === 1 + (queued.length - 1), 'the first, and the rest of the queue sent by B');
    assert.equal(takeovers.count, queued.length - 1, 'B took over every queued notification but the one A was sending');
    await second.stop();
    second = undefined;

    // A goes on through its queue: each lease is B's now, so nothing more is sent. A last notification,
    // claimed by A behind the queue (the slot serves in order), marks that A went through all of it.
    hold1.open();
    await enqueue(['queue-last']);
    first.nudge();
    await waitFor(() => sent().includes('queue-last'), "the notification behind A's queue");
  } finally {
    receiver.behave();
    hold0.open();
    hold1.open();
    await second?.stop();
    await first.stop();
  }
  const all = ['queue-0', ...queued, 'queue-last'];
  assert.deepEqual([...sent()].sort(), [...all].sort(), 'each notification sent once');
  assert.equal(receiver.requests, all.length, 'and no other request');
  assert.ok((await rows(all)).every((row) => row.status === 'DELIVERED' && row.lease_owner === null));
});

test('stopping hands back the notifications it has not started', async () => {
  const before = receiver.deliveries.length;
  const ids = Array.from({ length: 10 }, (_, i) => `stopping-${i}`);
  const hold = gate();
  receiver.misbehave({ holdUntil: hold.promise });
  const enqueuedAt = await enqueue(ids);
  const worker = dispatcher({ offset: 0 });
  worker.start();
  try {
    await waitFor(async () => receiver.held === 1 && (await rows(ids)).every((row) => row.lease_owner === worker.owner), 'one sent and held, the others claimed and queued');
  } catch (error) {
    hold.open();
    await worker.stop();
    throw error;
  }

  // Stopping while one is in flight: that one finishes, the queue is handed back unsent.
  const stopped = worker.stop();
  hold.open();
  await stopped;

  const delivered = receiver.deliveries.slice(before).map((d) => String(d.headers['webhook-id']));
  assert.equal(delivered.length, 1, `only the send in flight reached the receiver, got ${delivered.join(', ')}`);
  const handedBack = (await rows(ids)).filter((row) => row.id !== delivered[0]);
  assert.equal(handedBack.length, ids.length - 1);
  for (const row of handedBack) {
    assert.equal(row.status, 'NEW', row.id);
    assert.equal(row.attempt_count, 0, `${row.id}: a hand-back is not an attempt`);
    assert.equal(row.lease_owner, null, `${row.id}: no lease is left behind`);
    assert.equal(Number(row.next_attempt_at), enqueuedAt, `${row.id}: due as before`);
  }
  const attempts = await services.store.db.selectFrom('delivery_attempts').select('notification_id').where('notification_id', 'in', ids).execute();
  assert.deepEqual(attempts.map((a) => a.notification_id), delivered, 'the one sent is the one attempt');
});
