// Fault injection, each kind: status with Google's default body, custom bodies, Retry-After, latency,
// dropped connections; matching by HTTP verb, Gmail method id, substring and regex; N uses; over
// the HTTP control API as well as in process.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { request } from 'undici';
import type { GoogleEmulator } from '../../emulators/google/index.ts';
import { googleError, http, postForm, signIn, startEmulator, waitFor } from './helpers.ts';

let emulator: GoogleEmulator;
/** What the emulator was asked to wait: its sleep records instead of waiting, so no test measures time. */
const sleeps: number[] = [];
let token: string;
let api: string;
const EMAIL = 'faults@example.com';

before(async () => {
  emulator = await startEmulator({
    quotaUnitsPerSecond: 1_000_000,
    latencySleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  token = (await signIn(emulator.baseUrl, EMAIL)).access_token;
  api = `${emulator.baseUrl}/gmail/v1/users/me`;
});

after(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.control.clearFaults();
  sleeps.length = 0;
});

describe('fault kinds', () => {
  test('status for N requests, with Google\'s default body and Retry-After, then back to normal', async () => {
    emulator.control.injectFault({ pathPattern: '/profile', status: 503, retryAfterSeconds: 7, times: 2 });
    const before = emulator.control.quota(EMAIL).unitsUsed;
    for (let i = 0; i < 2; i++) {
      const answer = await http('GET', `${api}/profile`, { token });
      assert.equal(answer.status, 503);
      assert.equal(answer.headers['retry-after'], '7');
      const error = googleError(answer);
      assert.equal(error.reason, 'backendError');
      assert.equal(error.status, 'UNAVAILABLE');
    }
    assert.equal((await http('GET', `${api}/profile`, { token })).status, 200);
    assert.equal(emulator.control.quota(EMAIL).unitsUsed, before + 1, 'faulted calls are not charged');
    assert.deepEqual(emulator.control.listFaults(), []);
  });

  test('default bodies per status and reason', async () => {
    const cases: [number, string | undefined, string, string][] = [
      [500, undefined, 'backendError', 'INTERNAL'],
      [429, undefined, 'rateLimitExceeded', 'RESOURCE_EXHAUSTED'],
      [403, 'userRateLimitExceeded', 'userRateLimitExceeded', 'PERMISSION_DENIED'],
      [401, undefined, 'authError', 'UNAUTHENTICATED'],
      [404, undefined, 'notFound', 'NOT_FOUND'],
    ];
    for (const [status, reason, expectedReason, statusName] of cases) {
      emulator.control.injectFault({ pathPattern: '/labels', status, ...(reason !== undefined ? { reason } : {}), times: 1 });
      const answer = await http('GET', `${api}/labels`, { token });
      const error = googleError(answer);
      assert.equal(error.code, status);
      assert.equal(error.reason, expectedReason);
      assert.equal(error.status, statusName);
      if (expectedReason === 'userRateLimitExceeded') assert.equal(error.domain, 'usageLimits');
    }
  });

  test('custom bodies: JSON as given, HTML as HTML', async () => {
    emulator.control.injectFault({ pathPattern: '/profile', status: 400, body: { error: { code: 400, message: 'custom' } }, times: 1 });
    const json = await http('GET', `${api}/profile`, { token });
    assert.deepEqual(json.json, { error: { code: 400, message: 'custom' } });
    emulator.control.injectFault({ pathPattern: '/profile', status: 502, body: '<html><body>502. That’s an error.</body></html>', times: 1 });
    const html = await http('GET', `${api}/profile`, { token });
    assert.equal(html.status, 502);
    assert.match(String(html.headers['content-type']), /text\/html/);
  });

  test('latency delays the answer, which is otherwise normal', async () => {
    emulator.control.injectFault({ pathPattern: '/profile', latencyMs: 150, times: 1 });
    const answer = await http('GET', `${api}/profile`, { token });
    assert.equal(answer.status, 200);
    assert.deepEqual(sleeps, [150], 'the request waited out the injected latency, once');
    assert.equal((await http('GET', `${api}/profile`, { token })).status, 200);
    assert.deepEqual(sleeps, [150], 'the fault was used up');
  });

  test('dropConnection closes the socket without an answer', async () => {
    emulator.control.injectFault({ pathPattern: '/history', dropConnection: true, times: 1 });
    await assert.rejects(request(`${api}/history?startHistoryId=1`, { headers: { authorization: `Bearer ${token}` } }), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'UND_ERR_SOCKET');
      return true;
    });
    assert.equal((await http('GET', `${api}/profile`, { token })).status, 200, 'the server is fine afterwards');
    await waitFor(() => (emulator.control.quota(EMAIL).inFlight === 0 ? true : undefined), 'the dropped call to free its slot');
  });

  test('faults on OAuth endpoints answer in the OAuth dialect', async () => {
    emulator.control.injectFault({ pathPattern: '/token', status: 500, times: 1 });
    const answer = await postForm(`${emulator.baseUrl}/token`, { grant_type: 'refresh_token', refresh_token: 'x' });
    assert.equal(answer.status, 500);
    assert.equal((answer.json as { error: string }).error, 'internal_failure');
  });
});

describe('fault matching', () => {
  test('by HTTP verb, by Gmail method id (with or without gmail.), by substring and by regex', async () => {
    emulator.control.injectFault({ method: 'POST', pathPattern: '/labels', status: 500, times: 1 });
    assert.equal((await http('GET', `${api}/labels`, { token })).status, 200, 'GET not matched');
    assert.equal((await http('POST', `${api}/labels`, { token, json: { name: 'Verb' } })).status, 500);

    emulator.control.injectFault({ method: 'users.messages.list', pathPattern: '', status: 503, times: 1 });
    assert.equal((await http('GET', `${api}/profile`, { token })).status, 200);
    assert.equal((await http('GET', `${api}/messages`, { token })).status, 503);

    emulator.control.injectFault({ method: 'gmail.users.getProfile', pathPattern: '/gmail/', status: 503, times: 1 });
    assert.equal((await http('GET', `${api}/profile`, { token })).status, 503);

    emulator.control.injectFault({ pathPattern: /\/messages\?.*q=urgent/, status: 500, times: 1 });
    assert.equal((await http('GET', `${api}/messages?q=calm`, { token })).status, 200);
    assert.equal((await http('GET', `${api}/messages?q=urgent`, { token })).status, 500);
  });

  test('over the HTTP control API: add, list, remove, clear; bad specs are 400', async () => {
    const control = `${emulator.baseUrl}/__emulator/faults`;
    const added = await http('POST', control, { json: { pathRegex: 'history\\?startHistoryId=\\d+$', status: 500, times: 3 } });
    assert.equal(added.status, 201);
    const id = (added.json as { id: string }).id;
    const listed = (await http('GET', control)).json as { faults: { id: string; remaining: number }[] };
    assert.deepEqual(listed.faults.map((f) => [f.id, f.remaining]), [[id, 3]]);
    const profile = (await http('GET', `${api}/profile`, { token })).json as { historyId: string };
    assert.equal((await http('GET', `${api}/history?startHistoryId=${profile.historyId}`, { token })).status, 500);
    assert.equal(((await http('GET', control)).json as { faults: { remaining: number }[] }).faults[0]?.remaining, 2);
    assert.equal((await http('DELETE', `${control}/${id}`)).status, 204);
    assert.equal((await http('DELETE', `${control}/${id}`)).status, 404);
    assert.equal((await http('GET', `${api}/history?startHistoryId=${profile.historyId}`, { token })).status, 200);

    await http('POST', control, { json: { pathPattern: '/profile', status: 500, times: 5 } });
    assert.equal((await http('DELETE', control)).status, 204);
    assert.equal((await http('GET', `${api}/profile`, { token })).status, 200);

    for (const bad of [{ pathPattern: '/x', status: 500, times: 0 }, { status: 500, times: 1 }, { pathPattern: '/x', times: 1 }, { pathPattern: '/x', status: 99, times: 1 }, { pathRegex: '(', status: 500, times: 1 }]) {
      const answer = await http('POST', control, { json: bad });
      assert.equal(answer.status, 400, JSON.stringify(bad));
      assert.equal(typeof (answer.json as { error: string }).error, 'string');
    }
  });
});
