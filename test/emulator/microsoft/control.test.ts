// The control API over HTTP (/__emulator/), injected faults (status, Retry-After, dropped connection,
// latency), the latency model, and the per-mailbox throttle meter.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { MicrosoftEmulator } from '../../../emulators/microsoft/index.ts';
import { ThrottleMeter } from '../../../emulators/microsoft/throttle.ts';
import { type GraphAnswer, graph, postToken, signIn, startEmulator } from './helpers.ts';

const EMAIL = 'ada@example.com';
let emulator: MicrosoftEmulator;
const delays: number[] = [];

before(async () => {
  emulator = await startEmulator({
    latencySleep: async (ms) => {
      delays.push(ms);
    },
  });
});

after(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.control.reset();
  delays.length = 0;
});

async function control(method: string, path: string, body?: unknown): Promise<Pick<GraphAnswer, 'status' | 'body'>> {
  const response = await fetch(`${emulator.baseUrl}/__emulator${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('control API over HTTP', () => {
  test('mailboxes, delivery, message changes, reset', async () => {
    assert.deepEqual((await control('GET', '/health')).body, { ok: true });
    assert.equal((await control('POST', '/mailboxes', { email: EMAIL })).status, 201);
    const delivered = await control('POST', `/mailboxes/${EMAIL}/messages`, {
      from: 'Bob <bob@example.com>',
      subject: 'over http',
      body: '<p>hi</p>',
      bodyType: 'html',
      receivedDateTime: '2026-02-01T08:00:00Z',
      attachments: [{ name: 'r.bin', contentBase64: Buffer.from([9, 9]).toString('base64') }],
    });
    assert.equal(delivered.status, 201);
    const id = delivered.body.id as string;
    const { accessToken } = await signIn(emulator.baseUrl, EMAIL);
    const message = await graph(emulator.baseUrl, accessToken, 'GET', `/v1.0/me/messages/${id}`);
    assert.equal(message.body.from.emailAddress.name, 'Bob');
    assert.equal(message.body.receivedDateTime, '2026-02-01T08:00:00Z');
    assert.equal(message.body.hasAttachments, true);
    assert.equal(message.body.bodyPreview, 'hi');

    assert.equal((await control('PATCH', `/mailboxes/${EMAIL}/messages/${id}`, { isRead: true })).status, 204);
    assert.equal((await control('POST', `/mailboxes/${EMAIL}/messages/${id}/move`, { folder: 'archive' })).status, 204);
    assert.deepEqual(
      (await control('GET', `/mailboxes/${EMAIL}/messages?folder=archive`)).body.messages.map((m: { isRead: boolean; folder: string }) => [m.folder, m.isRead]),
      [['archive', true]],
    );
    assert.equal((await control('DELETE', `/mailboxes/${EMAIL}/messages/${id}`)).status, 204);
    assert.equal((await control('DELETE', `/mailboxes/${EMAIL}/messages/${id}`)).status, 404);
    assert.equal((await control('POST', '/mailboxes/nobody@example.com/messages', { subject: 'x' })).status, 404);
    assert.equal((await control('POST', '/mailboxes', {})).status, 400);

    assert.equal((await control('POST', '/reset')).status, 204);
    assert.deepEqual((await control('GET', '/mailboxes')).body.mailboxes, []);
    assert.equal((await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me')).status, 401);
  });

  test('tokens, grants, delta and throttle verbs', async () => {
    const { accessToken, refreshToken } = await signIn(emulator.baseUrl, EMAIL);
    assert.equal((await control('PUT', '/tokens/ttl', { seconds: 60 })).status, 204);
    assert.equal((await control('POST', '/tokens/expire', { email: EMAIL })).body.expired, 1);
    assert.equal((await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me')).status, 401);
    assert.ok((await control('POST', '/grants/revoke', { email: EMAIL })).body.revoked >= 1);
    const refresh = await postToken(emulator.baseUrl, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      scope: 'Mail.Read',
      client_id: '00000000-0000-4000-8000-00000000c0de',
      client_secret: 'sandbox-outlook-client-secret',
    });
    assert.equal(refresh.body.error, 'invalid_grant');
    assert.equal((await control('POST', '/delta/expire', { email: EMAIL })).status, 204);
    assert.equal((await control('PUT', '/delta/retention', { seconds: 10 })).status, 204);
    const limits = await control('PUT', '/throttle', { requestsPerWindow: 5 });
    assert.equal(limits.body.limits.requestsPerWindow, 5);
    assert.equal(limits.body.limits.maxConcurrentRequests, 4);
    assert.equal((await control('PUT', '/throttle', { requestsPerWindow: -1 })).status, 400);
    assert.equal((await control('GET', `/throttle/${EMAIL}`)).body.throttled, 0);
  });

  test('the rate limit answers 429 ApplicationThrottled with Retry-After and counts it', async () => {
    const { accessToken } = await signIn(emulator.baseUrl, EMAIL);
    emulator.control.setThrottleLimits({ requestsPerWindow: 2, windowSeconds: 300 });
    assert.equal((await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me')).status, 200);
    assert.equal((await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me')).status, 200);
    const throttled = await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me');
    assert.equal(throttled.status, 429);
    assert.equal(throttled.body.error.code, 'ApplicationThrottled');
    const retryAfter = Number(throttled.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 300, String(retryAfter));
    assert.equal(emulator.control.throttleReport(EMAIL).throttled, 1);
    // Another mailbox has its own budget.
    const other = await signIn(emulator.baseUrl, 'bob@example.com');
    assert.equal((await graph(emulator.baseUrl, other.accessToken, 'GET', '/v1.0/me')).status, 200);
  });
});

describe('faults and latency', () => {
  test('status faults with Graph bodies, counted uses, method and path matching; identity dialect on the token endpoint', async () => {
    const { accessToken } = await signIn(emulator.baseUrl, EMAIL);
    const fault = await control('POST', '/faults', { pathRegex: '/messages$', method: 'GET', status: 503, retryAfterSeconds: 3, times: 2 });
    assert.equal(fault.status, 201);
    assert.equal((await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me')).status, 200);
    const first = await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me/messages');
    assert.equal(first.status, 503);
    assert.equal(first.headers.get('retry-after'), '3');
    assert.equal(first.body.error.code, 'ServiceUnavailable');
    assert.equal((await control('GET', '/faults')).body.faults[0].remaining, 1);
    assert.equal((await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me/messages')).status, 503);
    assert.equal((await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me/messages')).status, 200);

    emulator.control.injectFault({ pathPattern: '/oauth2/v2.0/token', status: 500, times: 1 });
    const token = await postToken(emulator.baseUrl, { grant_type: 'refresh_token' });
    assert.equal(token.status, 500);
    assert.equal(token.body.error, 'temporarily_unavailable');
    assert.match(token.body.error_description as string, /^AADSTS/);
    assert.equal((await control('POST', '/faults', { pathPattern: '/x', times: 1 })).status, 400);
  });

  test('a dropped connection and added latency', async () => {
    const { accessToken } = await signIn(emulator.baseUrl, EMAIL);
    emulator.control.injectFault({ pathPattern: '/v1.0/me', dropConnection: true, times: 1 });
    await assert.rejects(() => graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me'));
    emulator.control.injectFault({ pathPattern: '/v1.0/me', latencyMs: 1234, times: 1 });
    assert.equal((await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me')).status, 200);
    assert.deepEqual(delays, [1234]);
    emulator.control.setLatency({ fixedMs: 80 });
    assert.deepEqual((await control('GET', '/latency')).body, { latency: { fixedMs: 80 } });
    await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me');
    await control('GET', '/health');
    assert.deepEqual(delays, [1234, 80], 'Graph waits, the control API does not');
    assert.equal((await control('PUT', '/latency', { fixedMs: -1 })).status, 400);
  });
});

test('throttle meter: concurrency and a sliding window', () => {
  const meter = new ThrottleMeter({ requestsPerWindow: 3, windowSeconds: 10, maxConcurrentRequests: 2 });
  const a = meter.admit('m', 0);
  const b = meter.admit('m', 0);
  assert.ok(a.allowed && b.allowed);
  const third = meter.admit('m', 0);
  assert.deepEqual(third, { allowed: false, retryAfterSeconds: 1, reason: 'concurrency' });
  if (a.allowed) a.release();
  if (b.allowed) b.release();
  const c = meter.admit('m', 1_000);
  assert.ok(c.allowed);
  if (c.allowed) c.release();
  assert.deepEqual(meter.admit('m', 4_000), { allowed: false, retryAfterSeconds: 6, reason: 'rate' });
  assert.ok(meter.admit('m', 10_000).allowed, 'the first two requests left the window');
  assert.ok(meter.admit('other', 4_000).allowed);
});
