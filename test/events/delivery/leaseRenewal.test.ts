// Two live dispatchers never send the same notification: one that waited for a slow receiver longer
// than its lease re-checks the lease before sending, and a stopping dispatcher hands back what it has
// not started instead of sending its whole queue.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startGoogleEmulator, type GoogleEmulator } from '../../../emulators/google/index.ts';
import { createServices, type Services } from '../../../src/cli/services.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { DeliveryWorker } from '../../../src/events/delivery/deliveryWorker.ts';
import { waitFor } from '../../support/webhookReceiver.ts';

let emulator: GoogleEmulator;
let services: Services;
let receiver: http.Server;
let receiverUrl = '';
const received: string[] = [];
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-lease-'));
let instanceId = 0;
let organizationId = 0;

before(async () => {
  emulator = await startGoogleEmulator({ port: 0 });
  services = await createServices(loadConfig({ CHANGEHOOK_DATA_DIR: dataDir, CHANGEHOOK_GOOGLE_BASE_URL: emulator.baseUrl, CHANGEHOOK_SANDBOX: '1', LOG_LEVEL: 'silent' }));
  // A slow receiver: every answer takes 300 ms.
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['webhook-id']));
      setTimeout(() => res.end('{}'), 300);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const tenant = await services.tenants.createOrganization({ name: 'lease', userEmail: 'lease@localhost' });
  organizationId = tenant.organizationId;
  emulator.control.createMailbox('lease@example.com');
  const { code } = await approveConsent(services.elements.oauthUrl(services.elements.get('gmail'), { apiKey: SANDBOX_CLIENT_ID, callbackUrl: 'https://app.example.com/cb' }), 'lease@example.com');
  const instance = await services.instances.create({ organizationId, userId: tenant.userId }, {
    element: { key: 'gmail' },
    providerData: { code },
    name: 'lease',
    configuration: { 'oauth.api.key': SANDBOX_CLIENT_ID, 'oauth.api.secret': SANDBOX_CLIENT_SECRET, 'oauth.callback.url': 'https://app.example.com/cb', 'event.notification.callback.url': receiverUrl },
  });
  instanceId = instance.id;
});

after(async () => {
  await services.hubs.close();
  await services.store.close();
  await emulator.close();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function enqueue(count: number, prefix: string): Promise<string[]> {
  const now = Date.now();
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await services.store.db
    .insertInto('notifications')
    .values(ids.map((id) => ({
      id, instance_id: instanceId, organization_id: organizationId, object_type: 'changed-messages', payload: `{"id":"${id}"}`,
      status: 'NEW' as const, next_attempt_at: now, lease_owner: null, lease_until: null, last_status_code: null, last_error: null, created_at: now, delivered_at: null,
    })))
    .execute();
  return ids;
}

function dispatcher(leaseMs: number): DeliveryWorker {
  // One request at a time to the receiver: everything else this worker claimed waits in its queue.
  return new DeliveryWorker({
    db: services.store.db, dialect: services.store.dialect, keyring: services.keyring, logger: pino({ level: 'silent' }),
    // A generous timeout: an attempt that timed out would be retried, a legitimate second send.
    allowPrivateCallbacks: true, perOriginConcurrency: 1, concurrency: 30, leaseMs, timeoutMs: 1500, idleWaitMs: 20,
  });
}

test('a queue that outlives its lease is not sent twice when another dispatcher takes it over', async () => {
  const ids = await enqueue(24, 'queued');
  // The lease is at least twice the timeout: 3 s. 24 × 300 ms of sending: the first worker's queued
  // leases run out while it waits.
  const first = dispatcher(1000);
  first.start();
  await waitFor(() => received.length >= 1, 'the first delivery');
  const second = dispatcher(1000);
  second.start();
  await waitFor(async () => (await services.store.db.selectFrom('notifications').select('id').where('status', '!=', 'DELIVERED').where('id', 'in', ids).execute()).length === 0, 'all delivered', 30_000);
  await Promise.all([first.stop(), second.stop()]);
  const attempts = await services.store.db.selectFrom('delivery_attempts').select(['notification_id', 'outcome']).where('notification_id', 'in', ids).execute();
  assert.deepEqual(attempts.filter((a) => a.outcome !== 'done'), [], 'no attempt failed (a failed one is retried: a legitimate second send)');
  const sent = received.filter((id) => ids.includes(id));
  assert.equal(sent.length, ids.length, `each notification sent once, got ${sent.length} sends of ${ids.length}`);
  assert.deepEqual(new Set(sent), new Set(ids));
});

test('stopping hands back the notifications it has not started', async () => {
  const ids = await enqueue(10, 'stopping');
  const worker = dispatcher(60_000);
  worker.start();
  await waitFor(() => received.some((id) => ids.includes(id)), 'the first delivery');
  await worker.stop();
  const rows = await services.store.db.selectFrom('notifications').select(['id', 'status', 'lease_owner']).where('id', 'in', ids).execute();
  const pending = rows.filter((r) => r.status !== 'DELIVERED');
  assert.ok(pending.length >= 5, `most of the queue was handed back, ${pending.length} left`);
  assert.ok(rows.every((r) => r.lease_owner === null), 'no lease is left behind');
});
