import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';

test('defaults as documented', () => {
  const config = loadConfig({});
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.sandbox, false);
  assert.equal(config.minRefreshIntervalMinutes, 1);
  assert.equal(config.allowPrivateCallbacks, false);
  assert.equal(config.pollingFailureLimit, 100);
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
  ];
  for (const [env, message] of cases) assert.throws(() => loadConfig(env), message, JSON.stringify(env));
});
