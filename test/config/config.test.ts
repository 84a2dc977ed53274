import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

test('defaults as documented', () => {
  const config = loadConfig({});
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.sandbox, false);
  assert.equal(config.minRefreshIntervalMinutes, 1);
  assert.equal(config.allowPrivateCallbacks, false);
  assert.equal(config.pollingFailureLimit, 100);
  assert.equal(config.eventRetentionMs, 30 * 24 * 60 * 60 * 1000);
  assert.equal(config.pollConcurrency, 512);
  assert.equal(config.providerConnections, 512);
});

test('polls in flight and provider connections per process are configurable', () => {
  const config = loadConfig({ CHANGEHOOK_POLL_CONCURRENCY: '2000', CHANGEHOOK_PROVIDER_CONNECTIONS: '1024' });
  assert.equal(config.pollConcurrency, 2000);
  assert.equal(config.providerConnections, 1024);
});

test('CHANGEHOOK_EVENT_RETENTION_DAYS sets the retention in days', () => {
  assert.equal(loadConfig({ CHANGEHOOK_EVENT_RETENTION_DAYS: '7' }).eventRetentionMs, 7 * 24 * 60 * 60 * 1000);
});

test('delivery concurrency: 8 per callback origin and 32 in all by default; the total is at least the per-origin value', () => {
  const defaults = loadConfig({});
  assert.equal(defaults.deliveryConcurrencyPerOrigin, 8);
  assert.equal(defaults.deliveryConcurrency, 32);
  const set = loadConfig({ CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN: '16', CHANGEHOOK_DELIVERY_CONCURRENCY: '64' });
  assert.equal(set.deliveryConcurrencyPerOrigin, 16);
  assert.equal(set.deliveryConcurrency, 64);
  // A per-origin value above the default total raises the total's default with it.
  assert.equal(loadConfig({ CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN: '48' }).deliveryConcurrency, 48);
  assert.equal(loadConfig({ CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN: '4', CHANGEHOOK_DELIVERY_CONCURRENCY: '4' }).deliveryConcurrency, 4);
  assert.throws(
    () => loadConfig({ CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN: '16', CHANGEHOOK_DELIVERY_CONCURRENCY: '8' }),
    (error: Error) => error instanceof ConfigError && /CHANGEHOOK_DELIVERY_CONCURRENCY \(8\)/.test(error.message) && /CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN \(16\)/.test(error.message),
  );
  assert.throws(() => loadConfig({ CHANGEHOOK_DELIVERY_CONCURRENCY: '4' }), /CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN/);
});

test('sandbox from the flag or the variable lowers the interval floor and allows loopback callbacks', () => {
  for (const config of [loadConfig({}, ['--sandbox']), loadConfig({ CHANGEHOOK_SANDBOX: '1' })]) {
    assert.equal(config.sandbox, true);
    assert.equal(config.allowPrivateCallbacks, true);
    assert.ok(config.minRefreshIntervalMinutes < 0.02);
  }
});

test('a wrong variable is named in the error', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'eighty' }, /PORT/],
    [{ CHANGEHOOK_SANDBOX: 'maybe' }, /CHANGEHOOK_SANDBOX/],
    [{ CHANGEHOOK_MASTER_KEY: 'short' }, /CHANGEHOOK_MASTER_KEY/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ DATABASE_URL: 'postgres://127.0.0.1/x' }, /CHANGEHOOK_MASTER_KEY is required/],
    [{ CHANGEHOOK_GOOGLE_BASE_URL: 'not a url' }, /CHANGEHOOK_GOOGLE_BASE_URL/],
    [{ CHANGEHOOK_ORG_SECRET: 'short' }, /CHANGEHOOK_ORG_SECRET/],
    [{ CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS: 'sometimes' }, /CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS/],
    [{ CHANGEHOOK_POLLING_FAILURE_LIMIT: '0' }, /CHANGEHOOK_POLLING_FAILURE_LIMIT/],
    [{ CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN: '0' }, /CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN must be a positive integer/],
    [{ CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN: '2.5' }, /CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN must be a positive integer/],
    [{ CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN: 'many' }, /CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN must be a positive integer/],
    [{ CHANGEHOOK_DELIVERY_CONCURRENCY: '-1' }, /CHANGEHOOK_DELIVERY_CONCURRENCY must be a positive integer/],
    [{ CHANGEHOOK_DELIVERY_CONCURRENCY: 'lots' }, /CHANGEHOOK_DELIVERY_CONCURRENCY must be a positive integer/],
    [{ CHANGEHOOK_EVENT_RETENTION_DAYS: '0' }, /CHANGEHOOK_EVENT_RETENTION_DAYS/],
    [{ CHANGEHOOK_EVENT_RETENTION_DAYS: '1.5' }, /CHANGEHOOK_EVENT_RETENTION_DAYS/],
    [{ CHANGEHOOK_EVENT_RETENTION_DAYS: 'month' }, /CHANGEHOOK_EVENT_RETENTION_DAYS/],
    [{ CHANGEHOOK_POLL_CONCURRENCY: '0' }, /CHANGEHOOK_POLL_CONCURRENCY must be a positive integer/],
    [{ CHANGEHOOK_POLL_CONCURRENCY: 'lots' }, /CHANGEHOOK_POLL_CONCURRENCY must be a positive integer/],
    [{ CHANGEHOOK_PROVIDER_CONNECTIONS: '-5' }, /CHANGEHOOK_PROVIDER_CONNECTIONS must be a positive integer/],
  ];
  for (const [env, message] of cases) assert.throws(() => loadConfig(env), message, JSON.stringify(env));
});

test('secrets can come from files named by <NAME>_FILE (Docker and compose secrets)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-config-'));
  try {
    const key = Buffer.alloc(32, 9);
    const old = Buffer.alloc(32, 3);
    const write = (name: string, content: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content, { mode: 0o600 });
      return file;
    };
    const config = loadConfig({
      CHANGEHOOK_MASTER_KEY_FILE: write('master_key', `${key.toString('base64')}\n`),
      CHANGEHOOK_PREVIOUS_MASTER_KEYS_FILE: write('previous_keys', `${old.toString('base64')}\n`),
      DATABASE_URL_FILE: write('database_url', 'postgres://changehook:pw@db:5432/changehook\n'),
      CHANGEHOOK_ORG_SECRET_FILE: write('org_secret', 'organization-secret-from-a-file'),
      CHANGEHOOK_USER_SECRET_FILE: write('user_secret', 'user-secret-from-a-file-0123'),
    });
    assert.deepEqual(config.masterKey, key);
    assert.deepEqual(config.previousMasterKeys, [old]);
    assert.equal(config.databaseUrl, 'postgres://changehook:pw@db:5432/changehook');
    assert.equal(config.orgSecret, 'organization-secret-from-a-file');
    assert.equal(config.userSecret, 'user-secret-from-a-file-0123');

    const cases: [Record<string, string>, RegExp][] = [
      [{ CHANGEHOOK_MASTER_KEY_FILE: write('short_key', 'c2hvcnQ=\n') }, /^CHANGEHOOK_MASTER_KEY_FILE must be 32 bytes encoded in base64/],
      [{ CHANGEHOOK_MASTER_KEY_FILE: path.join(dir, 'missing') }, /^CHANGEHOOK_MASTER_KEY_FILE names .*missing, which cannot be read \(ENOENT\)/],
      [{ CHANGEHOOK_MASTER_KEY_FILE: write('empty', '\n') }, /^CHANGEHOOK_MASTER_KEY_FILE names .*empty, which is empty/],
      [{ CHANGEHOOK_MASTER_KEY_FILE: path.join(dir, 'master_key'), CHANGEHOOK_MASTER_KEY: key.toString('base64') }, /^set CHANGEHOOK_MASTER_KEY or CHANGEHOOK_MASTER_KEY_FILE, not both/],
      [{ DATABASE_URL_FILE: write('bad_url', 'mysql://x') }, /^DATABASE_URL_FILE must use postgres: or postgresql:/],
      [{ CHANGEHOOK_ORG_SECRET_FILE: write('short_secret', 'short') }, /^CHANGEHOOK_ORG_SECRET_FILE must be at least 16 characters/],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => loadConfig(env), (error: Error) => error instanceof ConfigError && message.test(error.message), JSON.stringify(env));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
