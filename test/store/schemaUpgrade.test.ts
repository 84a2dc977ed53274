// Upgrading keeps everything. A database in the previous release's schema (migrations up to
// 002_polling_and_delivery) holding real data in every table — an instance authenticated through
// OAuth, its poll schedules and cursor, fingerprints, events, a delivered notification with its
// attempt and one still being retried — is upgraded by the current `changehook migrate`. Then the API
// answers exactly what it answered before, the upgraded schema is the one a fresh database gets, the
// notification that was being retried is delivered, and the next change is captured from the kept
// cursor (no new baseline, no repeat of what was delivered, sequence numbers continue).
//
// The data is made by the product itself (on a current database) and copied, column by column, into a
// database migrated only to 002: so the rows are what Changehook writes, not what a test imagines.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Migrator, sql } from 'kysely';
import { startServer, type RunningServer } from '../../src/cli/serve.ts';
import { loadConfig } from '../../src/config/index.ts';
import { migrationProvider } from '../../src/store/migrations/index.ts';
import { databaseEnv, runCli } from '../support/cliProcess.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/databases.ts';
import { describeSchema, openPlainDatabase, type PlainDatabase } from '../support/schemaSnapshot.ts';
import { apiCall, createInstance, startTestApp, TEST_MASTER_KEY, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const PREVIOUS_RELEASE = '002_polling_and_delivery';

/** The tables of the previous release's schema, parents before children (foreign keys). */
const TABLES_AT_PREVIOUS_RELEASE = ['organizations', 'users', 'instances', 'poll_schedules', 'object_fingerprints', 'notifications', 'events', 'delivery_attempts'];

/** Everything the API says about one instance: the instance, its events with their notifications and attempts, its webhook secret. */
async function apiView(app: Pick<TestApp, 'api' | 'auth'>, instanceId: number) {
  const instance = await apiCall(app, 'GET', `/instances/${instanceId}`);
  const events = await apiCall(app, 'GET', `/instances/${instanceId}/events?pageSize=500`);
  const secret = await apiCall(app, 'GET', `/instances/${instanceId}/webhook-secret`);
  const list = await apiCall(app, 'GET', '/instances');
  for (const response of [instance, events, secret, list]) assert.equal(response.status, 200, JSON.stringify(response.body));
  const details = [];
  for (const event of events.body as { id: string }[]) {
    const detail = await apiCall(app, 'GET', `/instances/${instanceId}/events/${event.id}`);
    assert.equal(detail.status, 200);
    details.push(detail.body);
  }
  return { instance: instance.body, instances: list.body, events: events.body, details, webhookSecret: secret.body };
}

/** Copies every row of the previous release's tables, in their columns only, from a current database. */
async function copyRows(from: PlainDatabase, to: PlainDatabase, dialect: string): Promise<void> {
  const tables = (await to.introspection.getTables()).filter((table) => TABLES_AT_PREVIOUS_RELEASE.includes(table.name));
  assert.deepEqual(tables.map((t) => t.name).sort(), [...TABLES_AT_PREVIOUS_RELEASE].sort(), 'the previous release has these tables');
  for (const name of TABLES_AT_PREVIOUS_RELEASE) {
    const table = tables.find((t) => t.name === name)!;
    const columns = table.columns.map((c) => c.name);
    const rows = await from.selectFrom(name).select(columns).execute();
    assert.ok(rows.length > 0, `the product wrote rows into ${name}`);
    await to.insertInto(name).values(rows).execute();
    const serial = table.columns.find((c) => c.isAutoIncrementing);
    if (dialect === 'postgres' && serial) {
      // Rows copied with their ids leave the sequence behind; the previous release's own rows would not.
      await sql`select setval(pg_get_serial_sequence(${name}, ${serial.name}), (select max(${sql.ref(serial.name)}) from ${sql.table(name)}))`.execute(to);
    }
  }
}

for (const dialect of testDialects()) {
  describe(`upgrading a ${PREVIOUS_RELEASE} database with data on ${dialect}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    test('nothing is lost: the API answers as before, pending deliveries go out, and polling resumes from the kept cursor', async () => {
      // The product at work on a current database: an instance, a delivered change, a change whose
      // delivery the receiver keeps refusing.
      const app = await startTestApp(dialect, { CHANGEHOOK_SANDBOX: '1' });
      cleanups.push(() => app.close());
      const receiver = await new WebhookReceiver().start();
      cleanups.push(() => receiver.close());
      const mailbox = 'upgrade@example.com';
      const instance = await createInstance(app, mailbox, {
        configuration: {
          'event.notification.callback.url': receiver.url,
          'event.notification.signature.key': 'upgrade-signature-key',
          'event.poller.refresh_interval': '0.0167',
          'event.poller.configuration': {
            'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' },
            messages: { url: '/hubs/general/messages', idField: 'id' },
          },
        },
        tags: ['upgrade'],
      });
      await waitFor(async () => {
        const shown = await apiCall(app, 'GET', `/instances/${instance.id}`);
        return shown.body.eventsPolling.resources.every((r: { baselineDate: string | null }) => r.baselineDate);
      }, 'baselines');
      const delivered = await app.emulator.control.deliverMessage(mailbox, { from: 'alice@example.com', subject: 'before the upgrade', text: 'one' });
      await waitFor(() => receiver.events().some((e) => e.objectType === 'changed-messages' && e.objectId === delivered.id), 'the first change delivered');
      receiver.misbehave(...Array.from({ length: 1000 }, () => ({ status: 500 })));
      const pending = await app.emulator.control.deliverMessage(mailbox, { from: 'bob@example.com', subject: 'delivery pending', text: 'two' });
      await waitFor(async () => {
        const { body } = await apiCall(app, 'GET', `/instances/${instance.id}/events?status=RETRYING`);
        return (body as { objectId: string }[]).some((e) => e.objectId === pending.id);
      }, 'the second change waiting for a retry');
      await app.server.close();

      // The previous release's database, with the product's rows.
      const previous = await createTestDatabase(dialect);
      cleanups.push(() => previous.drop());
      const source = openPlainDatabase(app.database);
      const target = openPlainDatabase(previous);
      try {
        const { error } = await new Migrator({ db: target, provider: migrationProvider(dialect) }).migrateTo(PREVIOUS_RELEASE);
        assert.ifError(error);
        await copyRows(source, target, dialect);
      } finally {
        await source.destroy();
        await target.destroy();
      }
      if (dialect === 'sqlite') fs.copyFileSync(path.join(app.database.dataDir, 'master.key'), path.join(previous.dataDir, 'master.key'));

      // The view of the current database, from the product itself, to compare the upgrade with.
      const current = await startOn(app.database, 'api', app.emulator.baseUrl);
      const expected = await apiView({ api: `${current.url}/elements/api-v2`, auth: app.auth }, instance.id);
      await current.close();

      const upgraded = await runCli(['migrate'], databaseEnv(previous));
      assert.equal(upgraded.code, 0, upgraded.stderr);
      assert.match(upgraded.stdout, /database is up to date/);
      const fresh = await createTestDatabase(dialect);
      cleanups.push(() => fresh.drop());
      assert.equal((await runCli(['migrate'], databaseEnv(fresh))).code, 0);
      assert.deepEqual(await describeSchema(previous), await describeSchema(fresh), 'the upgraded schema is the one a fresh database gets');

      const api = await startOn(previous, 'api', app.emulator.baseUrl);
      try {
        assert.deepEqual(await apiView({ api: `${api.url}/elements/api-v2`, auth: app.auth }, instance.id), expected);
      } finally {
        await api.close();
      }

      // Back to work on the upgraded database.
      receiver.behave();
      const server = await startOn(previous, 'serve', app.emulator.baseUrl);
      cleanups.push(() => server.close());
      await waitFor(() => receiver.events().some((e) => e.objectType === 'changed-messages' && e.objectId === pending.id), 'the pending delivery after the upgrade');
      const after = await app.emulator.control.deliverMessage(mailbox, { from: 'carol@example.com', subject: 'after the upgrade', text: 'three' });
      await waitFor(() => receiver.events().some((e) => e.objectType === 'changed-messages' && e.objectId === after.id), 'a change after the upgrade');
      const changes = receiver.events().filter((e) => e.objectType === 'changed-messages');
      assert.deepEqual(
        changes.map((e) => e.objectId),
        [delivered.id, pending.id, after.id],
        'each change delivered once, in order',
      );
      const sequences = receiver.events().map((e) => e.sequence);
      assert.equal(new Set(sequences).size, sequences.length, 'sequence numbers are not reused');
      assert.ok(changes[2]!.sequence > changes[1]!.sequence, 'sequence numbers continue');
    });
  });
}

function startOn(database: TestDatabase, role: 'api' | 'serve', googleBaseUrl: string): Promise<RunningServer> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    CHANGEHOOK_DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl, CHANGEHOOK_MASTER_KEY: TEST_MASTER_KEY } : {}),
    CHANGEHOOK_GOOGLE_BASE_URL: googleBaseUrl,
    CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS: 'true',
    LOG_LEVEL: 'silent',
  });
  return startServer(config, role);
}
