// Changing the master key, as an operator does, on both dialects: data sealed under the old key still
// opens when the old key is listed in CHANGEHOOK_PREVIOUS_MASTER_KEYS (and not without it), and
// `changehook keys rotate` re-seals everything under the new key, after which the old one is no longer
// needed. "Opens" is judged from outside: the webhook secret the API shows, a hub call with the
// instance's token (the stored Google token decrypted), and deliveries whose both signatures verify.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { startGoogleEmulator, type GoogleEmulator } from '../../emulators/google/index.ts';
import { startServer, type Role, type RunningServer } from '../../src/cli/serve.ts';
import { loadConfig } from '../../src/config/index.ts';
import { generateMasterKey, keyIdOf } from '../../src/crypto/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/databases.ts';
import { apiCall, createInstance, type TestApp } from '../support/testApp.ts';
import { verifyDelivery, waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const ORG_SECRET = 'rotation-organization-secret-0123456789';
const USER_SECRET = 'rotation-user-secret-0123456789';
const SIGNATURE_KEY = 'rotation-signature-key';
const MAILBOX = 'rotation@example.com';

const base64 = (key: Buffer) => key.toString('base64');

for (const dialect of testDialects()) {
  describe(`master key rotation on ${dialect}`, () => {
    let database: TestDatabase;
    let emulator: GoogleEmulator;
    let receiver: WebhookReceiver;
    let server: RunningServer | undefined;
    const oldKey = generateMasterKey();
    const newKey = generateMasterKey();

    before(async () => {
      database = await createTestDatabase(dialect);
      emulator = await startGoogleEmulator({ port: 0 });
      receiver = await new WebhookReceiver().start();
    });
    after(async () => {
      await server?.close();
      await receiver.close();
      await emulator.close();
      await database.drop();
    });

    function environment(keys: { current: Buffer; previous?: Buffer[] }): Record<string, string> {
      return {
        CHANGEHOOK_DATA_DIR: database.dataDir,
        ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
        CHANGEHOOK_MASTER_KEY: base64(keys.current),
        ...(keys.previous ? { CHANGEHOOK_PREVIOUS_MASTER_KEYS: keys.previous.map(base64).join(',') } : {}),
        CHANGEHOOK_GOOGLE_BASE_URL: emulator.baseUrl,
        CHANGEHOOK_ORG_SECRET: ORG_SECRET,
        CHANGEHOOK_USER_SECRET: USER_SECRET,
        CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS: 'true',
        CHANGEHOOK_SANDBOX: '1',
        LOG_LEVEL: 'silent',
      };
    }

    /** The product on the test's database with these keys (the previous process stopped first). */
    async function start(keys: { current: Buffer; previous?: Buffer[] }, role: Role = 'serve'): Promise<TestApp> {
      await server?.close();
      server = undefined;
      server = await startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', ...environment(keys) }), role);
      const url = server.url!;
      const running = server;
      return {
        url, api: `${url}/elements/api-v2`, emulator, server: running, database, config: running.services.config,
        auth: `User ${USER_SECRET}, Organization ${ORG_SECRET}`, orgSecret: ORG_SECRET, userSecret: USER_SECRET,
        close: () => running.close(),
      };
    }

    /** What only the right keys open: the webhook secret, a hub call, and a new message delivered and verified. */
    async function opensEverything(app: TestApp, instance: { id: number; token: string }, webhookSecret: string, subject: string): Promise<void> {
      const shown = await apiCall(app, 'GET', `/instances/${instance.id}/webhook-secret`);
      assert.equal(shown.status, 200, JSON.stringify(shown.body));
      assert.equal(shown.body.secret, webhookSecret);
      const hub = await apiCall({ api: app.api, auth: `${app.auth}, Element ${instance.token}` }, 'GET', '/hubs/general/messages?pageSize=1');
      assert.equal(hub.status, 200, `a hub call with the instance's stored Google token: ${JSON.stringify(hub.body)}`);
      const message = await app.emulator.control.deliverMessage(MAILBOX, { subject });
      const delivery = await waitFor(() => receiver.deliveries.find((d) => (d.json.message.events as { objectId: string }[]).some((e) => e.objectId === message.id)), `the delivery of "${subject}"`);
      verifyDelivery(delivery, webhookSecret, SIGNATURE_KEY);
    }

    async function sealedUnder(): Promise<Set<string>> {
      const rows = await server!.services.store.db
        .selectFrom('instances')
        .select(['token_encrypted', 'secret_configuration', 'access_token_encrypted', 'refresh_token_encrypted', 'webhook_secret_encrypted'])
        .execute();
      return new Set(rows.flatMap((row) => Object.values(row)).filter((v): v is string => typeof v === 'string').map((sealed) => sealed.split('.')[1]!));
    }

    test('old data opens with the old key listed as previous, and keys rotate re-seals it under the new one', async () => {
      // Under the old key: an instance with every kind of secret.
      let app = await start({ current: oldKey });
      const instance = await createInstance(app, MAILBOX, {
        configuration: { 'event.notification.callback.url': receiver.url, 'event.notification.signature.key': SIGNATURE_KEY, 'event.poller.refresh_interval': '0.0167' },
      });
      await waitFor(async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources[0]?.baselineDate, 'baseline');
      const webhookSecret = (await apiCall(app, 'GET', `/instances/${instance.id}/webhook-secret`)).body.secret as string;
      await opensEverything(app, instance, webhookSecret, 'under the old key');
      assert.deepEqual(await sealedUnder(), new Set([keyIdOf(oldKey)]));

      // The new key alone cannot open it: the old key is needed until the rotation. (The API only, so
      // no worker records failed polls meanwhile.)
      app = await start({ current: newKey }, 'api');
      const refused = await apiCall(app, 'GET', `/instances/${instance.id}/webhook-secret`);
      assert.notEqual(refused.status, 200);
      assert.ok(!JSON.stringify(refused.body).includes(webhookSecret));

      // The new key, the old one listed as previous: everything opens.
      app = await start({ current: newKey, previous: [oldKey] });
      await opensEverything(app, instance, webhookSecret, 'new key, old key as previous');
      await server!.close();
      server = undefined;

      // `changehook keys rotate` with the same environment re-seals every secret under the new key.
      const rotated = await promisify(execFile)(process.execPath, [path.resolve('bin/changehook.mjs'), 'keys', 'rotate'], {
        env: { ...process.env, ...environment({ current: newKey, previous: [oldKey] }) },
        timeout: 60_000,
      });
      const [, values] = /re-encrypted (\d+) secrets of (\d+) instances under key (\w+)/.exec(rotated.stdout) ?? [];
      assert.ok(Number(values) >= 5, rotated.stdout);
      assert.match(rotated.stdout, new RegExp(`under key ${keyIdOf(newKey)}`));

      // From now on the old key is not needed.
      app = await start({ current: newKey });
      assert.deepEqual(await sealedUnder(), new Set([keyIdOf(newKey)]));
      await opensEverything(app, instance, webhookSecret, 'new key alone, after the rotation');
    });
  });
}
