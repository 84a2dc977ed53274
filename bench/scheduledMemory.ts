// Memory with many scheduled instances: the whole product (API, poller, dispatcher) in this process
// over an SQLite store holding N instances, each with its changed-messages schedule on a 15-minute
// interval. A share of them falls due during the measurement — by default what the steady state of that
// interval brings (--seconds / 15 min: 0.56 % in 5 s, 111 polls/s at 100 000), or --due-share — and
// those are claimed, their instances loaded, their Google tokens decrypted and their mailboxes polled in
// the emulator (its own process); the rest are scheduled over the next 15 minutes.
// Reports RSS once the workers have run --seconds and every due instance was polled, and how many polls
// the emulator served (counted outside the product); run it with --instances 0 for the baseline.
// Target (DESIGN.md §6): 100 000 scheduled instances in <= 300 MB RSS.
//
// Run: npx tsx bench/scheduledMemory.ts [--instances 100000] [--seconds 5] [--due-share 0.02]

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
import { authorize, type Grant } from './support/capacitySeed.ts';
import { startChildEmulator } from './support/childEmulator.ts';
import { report } from './support/report.ts';

const { values } = parseArgs({
  options: { instances: { type: 'string', default: '100000' }, 'due-share': { type: 'string' }, seconds: { type: 'string', default: '5' } },
});
const INSTANCES = Number(values.instances);
const SECONDS = Number(values.seconds);
/** The schedules' interval: in steady state, SECONDS / INTERVAL of the instances fall due in SECONDS. */
const INTERVAL_SECONDS = 15 * 60;
const DUE_SHARE = values['due-share'] === undefined ? SECONDS / INTERVAL_SECONDS : Number(values['due-share']);
if (!(DUE_SHARE >= 0 && DUE_SHARE <= 1 && SECONDS > 0)) throw new Error('--due-share must be between 0 and 1, --seconds positive');
const DUE = Math.round(INSTANCES * DUE_SHARE);
/** Due instances share these many mailboxes (each poll is still its own claim, instance, token and call). */
const MAILBOXES = Math.min(DUE, 50);

const emulator = await startChildEmulator();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-memory-'));
const config = loadConfig({ PORT: '0', CHANGEHOOK_DATA_DIR: dataDir, CHANGEHOOK_GOOGLE_BASE_URL: emulator.baseUrl, LOG_LEVEL: 'silent' });

// Seeding is the harness, in its own store handle, before the product starts.
let seededAt = 0;
{
  const keyring = loadKeyring(config);
  const store = await openStore(config);
  const tenant = await new TenantService(store.db).createOrganization({ name: 'memory', userEmail: 'memory@localhost' });
  const poller = { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } };
  const grants: Grant[] = [];
  for (let i = 0; i < MAILBOXES; i += 1) grants.push(await authorize(emulator, `memory${i}@example.com`));
  const sealedGrants = grants.map((grant) => ({ grant, access: keyring.encrypt(grant.accessToken), refresh: keyring.encrypt(grant.refreshToken) }));
  const now = Date.now();
  seededAt = now;
  const sealed = {
    configuration: JSON.stringify({ 'oauth.api.key': 'client', 'oauth.callback.url': 'https://x.example.com/cb', 'event.notification.enabled': 'true' }),
    secret: keyring.encrypt(JSON.stringify({ 'oauth.api.secret': 'secret' })),
    access: keyring.encrypt('access-token'),
    refresh: keyring.encrypt('refresh-token'),
    webhook: keyring.encrypt(generateWebhookSecret()),
  };
  // The first DUE instances fall due one after another over the next --seconds, with real tokens of an
  // authorized mailbox; the others are scheduled over the next 15 minutes (never before the measurement
  // ends) and never call Google.
  const isDue = (index: number) => index < DUE;
  for (let start = 0; start < INSTANCES; start += 500) {
    const indexes = Array.from({ length: Math.min(500, INSTANCES - start) }, (_, i) => start + i);
    const rows = indexes.map((index) => {
      const token = generateSecret();
      const mailbox = isDue(index) ? sealedGrants[index % MAILBOXES]! : undefined;
      return {
        organization_id: tenant.organizationId, user_id: tenant.userId, element_key: 'gmail', name: 'memory', token_hash: hashSecret(token),
        token_encrypted: keyring.encrypt(token), tags: '[]', configuration: sealed.configuration, secret_configuration: sealed.secret,
        access_token_encrypted: mailbox?.access ?? sealed.access, refresh_token_encrypted: mailbox?.refresh ?? sealed.refresh,
        access_token_expires_at: mailbox?.grant.expiresAt ?? now + 3_600_000, granted_scope: null,
        provider_account: mailbox?.grant.email ?? null, valid: 1, invalid_reason: null, disabled: 0, events_enabled: 1, callback_url: 'https://hooks.example.com/in',
        refresh_interval_minutes: INTERVAL_SECONDS / 60, poller_configuration: JSON.stringify(poller), webhook_secret_encrypted: sealed.webhook,
        refresh_lease_owner: null, refresh_lease_until: null, created_at: now, updated_at: now,
      };
    });
    const inserted = await store.db.insertInto('instances').values(rows).returning('id').execute();
    await store.db
      .insertInto('poll_schedules')
      .values(inserted.map(({ id }, i) => {
        const index = indexes[i]!;
        const mailbox = isDue(index) ? sealedGrants[index % MAILBOXES]! : undefined;
        return {
          instance_id: id, resource: 'changed-messages',
          next_run_at: mailbox ? now + Math.floor((index / DUE) * SECONDS * 1000) : now + 120_000 + Math.floor(Math.random() * INTERVAL_SECONDS * 1000),
          lease_owner: null, lease_until: null, cursor: mailbox?.grant.historyId ?? '1', baseline_at: now, config_fingerprint: resourceConfigFingerprint(poller['changed-messages']),
          last_poll_at: now, last_success_at: now, last_error: null, created_at: now,
        };
      }))
      .execute();
  }
  await store.close();
}

const historyCalls = async () => ((await emulator.control('GET', '/calls')) as { calls: Record<string, number> }).calls['gmail.users.history.list'] ?? 0;
const callsBefore = await historyCalls();
const baseline = process.memoryUsage().rss;
const server = await startServer(config, 'serve');
const startedAt = performance.now();
await new Promise((r) => setTimeout(r, SECONDS * 1000));
// At least --seconds, and until every due instance was polled (or a minute).
while ((await historyCalls()) - callsBefore < DUE && performance.now() - startedAt < 60_000) await new Promise((r) => setTimeout(r, 100));
const measuredAfterS = (performance.now() - startedAt) / 1000;
global.gc?.();
const { rss, heapUsed } = process.memoryUsage();
const served = (await historyCalls()) - callsBefore;
const { db } = server.services.store;
const schedules = await db.selectFrom('poll_schedules').select(['last_poll_at', 'last_error']).execute();
const scheduled = schedules.length;
const polled = schedules.filter((s) => Number(s.last_poll_at) > seededAt).length;
const failed = schedules.filter((s) => s.last_error !== null).length;
await server.close();
await emulator.close();
fs.rmSync(dataDir, { recursive: true, force: true });

const mb = (bytes: number) => Math.round(bytes / 1e6);
report(
  `memory-${INSTANCES}`,
  [
    { figure: 'scheduled instances', value: String(scheduled) },
    { figure: `due during the measurement (${(DUE_SHARE * 100).toFixed(2)} %, over ${MAILBOXES} mailboxes)`, value: String(DUE) },
    { figure: 'polls the emulator served (history.list)', value: String(served), target: `>= ${DUE}`, met: served >= DUE },
    { figure: 'schedules polled / failed, as the product booked them', value: `${polled} / ${failed}` },
    { figure: 'RSS before the product started (harness, modules)', value: `${mb(baseline)} MB` },
    { figure: `RSS with the product serving, claiming and polling (after ${measuredAfterS.toFixed(1)} s)`, value: `${mb(rss)} MB`, ...(INSTANCES >= 100_000 ? { target: '<= 300 MB', met: mb(rss) <= 300 } : {}) },
    { figure: 'V8 heap used then, after a full GC', value: `${mb(heapUsed)} MB` },
  ],
  { instances: INSTANCES, due: DUE, dueShare: DUE_SHARE, mailboxes: MAILBOXES, historyCallsServed: served, polled, failed, measuredAfterSeconds: measuredAfterS, rssBytes: rss, heapUsedBytes: heapUsed, baselineRssBytes: baseline },
);
