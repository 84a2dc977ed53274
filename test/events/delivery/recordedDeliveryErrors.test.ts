// What a failed delivery records — the notification's last_error (the events API's lastError), its
// delivery attempts, and the dispatcher's log — never names the address the callback host resolved
// to: tenants read the first two, and that address would map our internal DNS for them. DNS is played
// by the test (dns.lookup replaced for two names), the dispatcher runs on both dialects.

import assert from 'node:assert/strict';
import dns from 'node:dns';
import net from 'node:net';
import { after, before, describe, mock, test } from 'node:test';
import pino from 'pino';
import { generateWebhookSecret, Keyring } from '../../../src/crypto/index.ts';
import { DeliveryWorker } from '../../../src/events/delivery/deliveryWorker.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { TenantService } from '../../../src/tenants/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../../support/databases.ts';
import { insertInstance } from '../../support/storeRows.ts';
import { waitFor } from '../../support/webhookReceiver.ts';

const keyring = new Keyring(Buffer.alloc(32, 5));
/** Answers for the names the test resolves; a private address never connected to, and loopback. */
const answers: Record<string, string> = { 'internal.example.test': '10.11.12.13', 'closed.example.test': '127.0.0.1' };

type Lookup = (hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => void;
const realLookup = dns.lookup as unknown as Lookup;

/** A port on loopback where nothing listens. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

before(() => {
  mock.method(dns, 'lookup', (hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    const address = answers[hostname];
    if (address === undefined) return realLookup(hostname, options, callback);
    if (options.all) return callback(null, [{ address, family: 4 }]);
    callback(null, address, 4);
  });
});
after(() => mock.restoreAll());

for (const dialect of testDialects()) {
  describe(`what a failed delivery records on ${dialect}`, () => {
    let database: TestDatabase;
    let store: Store;

    before(async () => {
      database = await createTestDatabase(dialect);
      store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
      await new TenantService(store.db).createOrganization({ name: 'recorded errors', userEmail: 'errors@example.com' });
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    /** Sends one notification to `callbackUrl` and returns what its failed attempt recorded. */
    async function failedDelivery(callbackUrl: string, allowPrivateCallbacks: boolean): Promise<{ lastError: string; attemptError: string; log: string }> {
      const instance = await insertInstance(store.db, {
        callback_url: callbackUrl,
        secret_configuration: keyring.encrypt('{}'),
        webhook_secret_encrypted: keyring.encrypt(generateWebhookSecret()),
      });
      const id = `${dialect}-${instance.id}`;
      const now = Date.now();
      await store.db
        .insertInto('notifications')
        .values({
          id, instance_id: instance.id, organization_id: instance.organization_id, object_type: 'changed-messages', payload: JSON.stringify({ id }),
          status: 'NEW', next_attempt_at: now, lease_owner: null, lease_until: null, last_status_code: null, last_error: null, created_at: now, delivered_at: null,
        })
        .execute();
      const logLines: string[] = [];
      const logger = pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) });
      const worker = new DeliveryWorker({ db: store.db, keyring, logger, allowPrivateCallbacks, idleWaitMs: 20 });
      worker.start();
      try {
        const row = await waitFor(async () => {
          const current = await store.db.selectFrom('notifications').select(['attempt_count', 'last_error']).where('id', '=', id).executeTakeFirstOrThrow();
          return current.attempt_count >= 1 && current.last_error !== null ? current : undefined;
        }, 'the failed attempt booked');
        const attempt = await store.db.selectFrom('delivery_attempts').select('error').where('notification_id', '=', id).executeTakeFirstOrThrow();
        return { lastError: row.last_error!, attemptError: attempt.error ?? '', log: logLines.join('') };
      } finally {
        await worker.stop();
      }
    }

    test('a host resolving to a private address is refused without naming the address', async () => {
      const recorded = await failedDelivery('http://internal.example.test:8080/hook', false);
      assert.match(recorded.lastError, /private or loopback/);
      assert.equal(recorded.attemptError, recorded.lastError);
      for (const text of [recorded.lastError, recorded.attemptError, recorded.log]) assert.doesNotMatch(text, /10\.11\.12\.13/);
      assert.match(recorded.log, /delivery attempt failed/, 'the failure is still logged');
    });

    test('a refused connection to a host name keeps its code but not the address it resolved to', async () => {
      const port = await closedPort();
      const recorded = await failedDelivery(`http://closed.example.test:${port}/hook`, true);
      assert.match(recorded.lastError, /^ECONNREFUSED: /);
      for (const text of [recorded.lastError, recorded.attemptError, recorded.log]) assert.doesNotMatch(text, /127\.0\.0\.1/);
    });
  });
}
