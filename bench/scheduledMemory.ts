// Memory with many scheduled instances: the whole product (API, poller, dispatcher) in this process
// over an SQLite store holding N instances, each with its changed-messages schedule spread over a
// 15-minute interval (none due during the measurement, so no Google calls are made). Reports RSS after
// the workers have claimed for a while; run it with --instances 0 for the baseline.
// Target (DESIGN.md §6): 100 000 scheduled instances in <= 300 MB RSS.
//
// Run: npx tsx bench/scheduledMemory.ts [--instances 100000] [--seconds 5]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../src/cli/serve.ts';
import { loadConfig } from '../src/config/index.ts';
import { generateSecret, generateWebhookSecret, hashSecret, loadKeyring } from '../src/crypto/index.ts';
import { resourceConfigFingerprint } from '../src/events/poller/scheduleSync.ts';
import { openStore } from '../src/store/index.ts';
import { TenantService } from '../src/tenants/index.ts';
import { report } from './support/report.ts';

const { values } = parseArgs({ options: { instances: { type: 'string', default: '100000' }, seconds: { type: 'string', default: '5' } } });
const INSTANCES = Number(values.instances);
const SECONDS = Number(values.seconds);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-memory-'));
const config = loadConfig({ PORT: '0', CHANGEHOOK_DATA_DIR: dataDir, CHANGEHOOK_GOOGLE_BASE_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'silent' });

// Seeding is the harness, in its own store handle, before the product starts.
{
  const keyring = loadKeyring(config);
  const store = await openStore(config);
  const tenant = await new TenantService(store.db).createOrganization({ name: 'memory', userEmail: 'memory@localhost' });
  const poller = { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } };
  const now = Date.now();
  const sealed = {
    configuration: JSON.stringify({ 'oauth.api.key': 'client', 'oauth.callback.url': 'https://x.example.com/cb', 'event.notification.enabled': 'true' }),
    secret: keyring.encrypt(JSON.stringify({ 'oauth.api.secret': 'secret' })),
    access: keyring.encrypt('access-token'),
    refresh: keyring.encrypt('refresh-token'),
    webhook: keyring.encrypt(generateWebhookSecret()),
  };
  for (let start = 0; start < INSTANCES; start += 500) {
    const rows = Array.from({ length: Math.min(500, INSTANCES - start) }, () => {
      const token = generateSecret();
      return {
        organization_id: tenant.organizationId, user_id: tenant.userId, element_key: 'gmail', name: 'memory', token_hash: hashSecret(token),
        token_encrypted: keyring.encrypt(token), tags: '[]', configuration: sealed.configuration, secret_configuration: sealed.secret,
        access_token_encrypted: sealed.access, refresh_token_encrypted: sealed.refresh, access_token_expires_at: now + 3_600_000, granted_scope: null,
        provider_account: null, valid: 1, invalid_reason: null, disabled: 0, events_enabled: 1, callback_url: 'https://hooks.example.com/in',
        refresh_interval_minutes: 15, poller_configuration: JSON.stringify(poller), webhook_secret_encrypted: sealed.webhook,
        refresh_lease_owner: null, refresh_lease_until: null, created_at: now, updated_at: now,
      };
    });
    const inserted = await store.db.insertInto('instances').values(rows).returning('id').execute();
    await store.db
      .insertInto('poll_schedules')
      .values(inserted.map(({ id }) => ({
        instance_id: id, resource: 'changed-messages', next_run_at: now + 120_000 + Math.floor(Math.random() * 15 * 60_000),
        lease_owner: null, lease_until: null, cursor: '1', baseline_at: now, config_fingerprint: resourceConfigFingerprint(poller['changed-messages']),
        last_poll_at: now, last_success_at: now, last_error: null, created_at: now,
      })))
      .execute();
  }
  await store.close();
}

const baseline = process.memoryUsage().rss;
const server = await startServer(config, 'serve');
await new Promise((r) => setTimeout(r, SECONDS * 1000));
global.gc?.();
const rss = process.memoryUsage().rss;
const scheduled = await server.services.store.db.selectFrom('poll_schedules').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
await server.close();
fs.rmSync(dataDir, { recursive: true, force: true });

const mb = (bytes: number) => Math.round(bytes / 1e6);
report(
  `memory-${INSTANCES}`,
  [
    { figure: 'scheduled instances', value: String(scheduled.n) },
    { figure: 'RSS before the product started (harness, modules)', value: `${mb(baseline)} MB` },
    { figure: 'RSS with the product serving and claiming', value: `${mb(rss)} MB`, ...(INSTANCES >= 100_000 ? { target: '<= 300 MB', met: mb(rss) <= 300 } : {}) },
  ],
  { instances: INSTANCES, rssBytes: rss, baselineRssBytes: baseline },
);
