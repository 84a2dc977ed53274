// Limits as Gmail enforces them: quota units per user in a one-second moving window, concurrent
// requests per user, access-token lifetime (also expiring while a call is in flight).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GoogleEmulator } from '../../emulators/google/index.ts';
import { googleError, http, signIn, startEmulator, waitFor } from './helpers.ts';

describe('quota window', () => {
  let emulator: GoogleEmulator;

  before(async () => {
    emulator = await startEmulator({ quotaUnitsPerSecond: 12 });
  });

  after(async () => {
    await emulator.close();
  });

  test('calls are charged per method; over the window: 429 userRateLimitExceeded with Retry-After', async () => {
    const email = 'quota@example.com';
    const { access_token: token } = await signIn(emulator.baseUrl, email);
    const other = await signIn(emulator.baseUrl, 'quota-other@example.com');
    const api = `${emulator.baseUrl}/gmail/v1/users/me`;
    assert.equal((await http('GET', `${api}/messages`, { token })).status, 200);
    assert.equal((await http('GET', `${api}/messages`, { token })).status, 200);
    const refused = await http('GET', `${api}/messages`, { token });
    assert.equal(refused.status, 429);
    const error = googleError(refused);
    assert.equal(error.reason, 'userRateLimitExceeded');
    assert.equal(error.domain, 'usageLimits');
    assert.equal(error.status, 'RESOURCE_EXHAUSTED');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    // A cheaper call still fits in what is left of the window.
    assert.equal((await http('GET', `${api}/profile`, { token })).status, 200);
    // Quota is per user.
    assert.equal((await http('GET', `${api}/messages`, { token: other.access_token })).status, 200);

    const report = emulator.control.quota(email);
    assert.equal(report.requests['gmail.users.messages.list'], 2);
    assert.equal(report.units['gmail.users.messages.list'], 10);
    assert.equal(report.requests['gmail.users.getProfile'], 1);
    assert.equal(report.unitsUsed, 11);
    assert.equal(report.rateLimited, 1);
    assert.equal(report.limitUnitsPerSecond, 12);

    const overHttp = await http('GET', `${emulator.baseUrl}/__emulator/quota/${email}`);
    assert.deepEqual(overHttp.json, JSON.parse(JSON.stringify(emulator.control.quota(email))));

    // The window moves: once the first charges are a second old, the call goes through.
    await waitFor(async () => ((await http('GET', `${api}/messages`, { token })).status === 200 ? true : undefined), 'the quota window to move', 3000);
  });
});

describe('concurrency and token lifetime', () => {
  let emulator: GoogleEmulator;

  before(async () => {
    emulator = await startEmulator({ maxConcurrentRequestsPerUser: 2, quotaUnitsPerSecond: 1_000_000 });
  });

  after(async () => {
    await emulator.close();
  });

  test('more concurrent requests than allowed: 429 rateLimitExceeded, slots freed afterwards', async () => {
    const email = 'concurrent@example.com';
    const { access_token: token } = await signIn(emulator.baseUrl, email);
    const api = `${emulator.baseUrl}/gmail/v1/users/me`;
    // Latency holds the first two calls open, so the third meets two requests in flight.
    emulator.control.injectFault({ pathPattern: '/profile', latencyMs: 300, times: 2 });
    const slow = [http('GET', `${api}/profile`, { token }), http('GET', `${api}/profile`, { token })];
    await waitFor(() => (emulator.control.quota(email).inFlight === 2 ? true : undefined), 'two calls in flight');
    const refused = await http('GET', `${api}/labels`, { token });
    assert.equal(refused.status, 429);
    const error = googleError(refused);
    assert.equal(error.reason, 'rateLimitExceeded');
    assert.match(error.message, /concurrent/);
    for (const answer of await Promise.all(slow)) assert.equal(answer.status, 200);
    await waitFor(() => (emulator.control.quota(email).inFlight === 0 ? true : undefined), 'slots to be released');
    assert.equal((await http('GET', `${api}/labels`, { token })).status, 200);
    assert.equal(emulator.control.quota(email).concurrencyRejected, 1);
  });

  test('a token that expires while its call is in flight: 401 authError', async () => {
    const email = 'midcall@example.com';
    const { access_token: token } = await signIn(emulator.baseUrl, email);
    emulator.control.injectFault({ pathPattern: '/gmail/v1/users/me/history', latencyMs: 200, times: 1 });
    const profile = (await http('GET', `${emulator.baseUrl}/gmail/v1/users/me/profile`, { token })).json as { historyId: string };
    const pending = http('GET', `${emulator.baseUrl}/gmail/v1/users/me/history?startHistoryId=${profile.historyId}`, { token });
    await waitFor(() => (emulator.control.quota(email).inFlight === 1 ? true : undefined), 'the call to be in flight');
    emulator.control.expireAccessTokens(email);
    const answer = await pending;
    assert.equal(answer.status, 401);
    assert.equal(googleError(answer).reason, 'authError');
  });
});

describe('access token lifetime', () => {
  let emulator: GoogleEmulator;

  before(async () => {
    emulator = await startEmulator({ accessTokenTtlSeconds: 1 });
  });

  after(async () => {
    await emulator.close();
  });

  test('tokens expire after the configured lifetime; the refresh token keeps working', async () => {
    const tokens = await signIn(emulator.baseUrl, 'ttl@example.com');
    assert.equal(tokens.expires_in, 1);
    const profile = `${emulator.baseUrl}/gmail/v1/users/me/profile`;
    assert.equal((await http('GET', profile, { token: tokens.access_token })).status, 200);
    const expired = await waitFor(async () => {
      const answer = await http('GET', profile, { token: tokens.access_token });
      return answer.status === 401 ? answer : undefined;
    }, 'the access token to expire', 3000);
    assert.equal(googleError(expired).reason, 'authError');
    const refreshed = await http('POST', `${emulator.baseUrl}/token`, {
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: 'sandbox-client-id.apps.googleusercontent.com', client_secret: 'sandbox-client-secret' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(refreshed.status, 200);
    assert.equal((await http('GET', profile, { token: (refreshed.json as { access_token: string }).access_token })).status, 200);
  });
});
