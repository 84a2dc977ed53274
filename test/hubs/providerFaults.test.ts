// The provider-call layer under every fault the emulator injects: rate limits (429 with Retry-After,
// 403 rateLimitExceeded), outages (500/503), answers later than the timeout, dropped connections,
// tokens expiring or revoked mid-use, and Google's refusals, as our callers then see them.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RetryEvent } from '../../src/hubs/index.ts';
import { deliver, startHubFixture, type HubFixture } from './hubFixture.ts';

const FAST_RETRIES = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 2000 };

describe('provider faults', () => {
  let f: HubFixture;
  const control = () => f.app.emulator.control;

  before(async () => {
    f = await startHubFixture('faults@example.com');
    await deliver(f, 2, { subject: 'fault fodder' });
  });
  beforeEach(() => {
    control().clearFaults();
  });
  after(async () => {
    await f?.close();
  });

  it('retries a 429 after its Retry-After and succeeds', async () => {
    const retries: RetryEvent[] = [];
    const { execute } = f.inProcess({ provider: { retry: FAST_RETRIES, onRetry: (event) => retries.push(event) } });
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', status: 429, reason: 'userRateLimitExceeded', retryAfterSeconds: 1, times: 1 });
    const response = await execute({ method: 'GET', path: '/labels' });
    assert.equal(response.status, 200);
    assert.equal(retries.length, 1);
    assert.ok(retries[0]!.delayMs >= 1000, `waited ${retries[0]!.delayMs} ms, Retry-After was 1 s`);
    assert.match(retries[0]!.reason, /429 userRateLimitExceeded/);
  });

  it('gives up at once when Retry-After exceeds the cap: 429 with Retry-After and Google\'s message', async () => {
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', status: 429, reason: 'rateLimitExceeded', message: 'Quota exceeded for quota metric', retryAfterSeconds: 120, times: 5 });
    const response = await f.hub('GET', '/labels');
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '120');
    assert.match(response.body.message, /Quota exceeded for quota metric/);
    assert.equal(control().listFaults()[0]?.remaining, 4, 'one attempt only');
  });

  it('retries 403 rateLimitExceeded and userRateLimitExceeded (over HTTP, default settings)', async () => {
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', status: 403, reason: 'rateLimitExceeded', times: 1 });
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', status: 403, reason: 'userRateLimitExceeded', times: 1 });
    const response = await f.hub('GET', '/labels');
    assert.equal(response.status, 200);
    assert.equal(control().listFaults().length, 0);
  });

  it('answers 429 when rate limits persist beyond the retries', async () => {
    const { execute } = f.inProcess({ provider: { retry: FAST_RETRIES } });
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', status: 403, reason: 'userRateLimitExceeded', message: 'User-rate limit exceeded.', times: 10 });
    await assert.rejects(execute({ method: 'GET', path: '/labels' }), (error: Error & { statusCode?: number }) => {
      assert.equal(error.statusCode, 429);
      assert.match(error.message, /User-rate limit exceeded\./);
      assert.match(error.message, /gave up after 4 attempts/);
      return true;
    });
  });

  it('retries 500 and 503 and succeeds; a persistent 503 becomes 502 with Google\'s message', async () => {
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', status: 500, times: 1 });
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', status: 503, times: 1 });
    assert.equal((await f.hub('GET', '/labels')).status, 200);
    assert.equal(control().listFaults().length, 0);

    const { execute } = f.inProcess({ provider: { retry: FAST_RETRIES } });
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', status: 503, times: 10 });
    await assert.rejects(execute({ method: 'GET', path: '/labels' }), (error: Error & { statusCode?: number }) => {
      assert.equal(error.statusCode, 502);
      assert.match(error.message, /The service is currently unavailable\./);
      return true;
    });
    assert.equal(control().listFaults()[0]?.remaining, 6, 'the first attempt and 3 retries');
  });

  it('does not repeat a send after an ambiguous failure, but does after a rate limit', async () => {
    control().injectFault({ method: 'users.messages.send', pathPattern: '/messages/send', status: 503, times: 2 });
    const failed = await f.hub('POST', '/messages', { to: 'x@example.com', subject: 'once', body: 'only once' });
    assert.equal(failed.status, 502);
    assert.equal(control().listFaults()[0]?.remaining, 1, 'a send that may have gone out is not sent again');
    control().clearFaults();
    control().injectFault({ method: 'users.messages.send', pathPattern: '/messages/send', status: 429, times: 1 });
    const sent = await f.hub('POST', '/messages', { to: 'x@example.com', subject: 'after a 429', body: 'refused, then sent' });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
  });

  it('times out a slow answer, retries, and answers 504 when every attempt is late', async () => {
    const { execute } = f.inProcess({ provider: { timeoutMs: 150, retry: { ...FAST_RETRIES, maxRetries: 1 } } });
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', latencyMs: 1000, times: 1 });
    assert.equal((await execute({ method: 'GET', path: '/labels' })).status, 200);
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', latencyMs: 1000, times: 2 });
    await assert.rejects(execute({ method: 'GET', path: '/labels' }), (error: Error & { statusCode?: number }) => {
      assert.equal(error.statusCode, 504);
      assert.match(error.message, /did not answer in time/);
      return true;
    });
  });

  it('retries a dropped connection, also inside a batch', async () => {
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', dropConnection: true, times: 1 });
    assert.equal((await f.hub('GET', '/labels')).status, 200);
    control().injectFault({ method: 'users.messages.get', pathPattern: '/messages/', dropConnection: true, times: 1 });
    const listed = await f.hub('GET', '/messages');
    assert.equal(listed.status, 200);
    assert.ok(listed.body.length >= 2);
    assert.equal(control().listFaults().length, 0);

    const { execute } = f.inProcess({ provider: { retry: { ...FAST_RETRIES, maxRetries: 1 } } });
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', dropConnection: true, times: 2 });
    await assert.rejects(execute({ method: 'GET', path: '/labels' }), { statusCode: 502 });
  });

  it('retries rate-limited parts of a batch and keeps the rest', async () => {
    // (Parts answered with Retry-After are shown by the 60-message change feed test.)
    control().injectFault({ method: 'users.messages.get', pathPattern: '/messages/', status: 429, times: 1 });
    control().injectFault({ method: 'users.messages.get', pathPattern: '/messages/', status: 403, reason: 'rateLimitExceeded', times: 1 });
    const listed = await f.hub('GET', '/messages');
    assert.equal(listed.status, 200);
    const ids = new Set(listed.body.map((message: { id: string }) => message.id));
    const plain = await f.hub('GET', '/messages');
    assert.deepEqual(ids, new Set(plain.body.map((message: { id: string }) => message.id)));
  });

  it("maps Google's refusals: notFound 404, invalidArgument 400, insufficientPermissions 403", async () => {
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', status: 403, reason: 'insufficientPermissions', message: 'Request had insufficient authentication scopes.', times: 1 });
    const forbidden = await f.hub('GET', '/labels');
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.body.message, /insufficient authentication scopes/);
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', status: 400, reason: 'invalidArgument', message: 'Invalid pageToken', times: 1 });
    const invalid = await f.hub('GET', '/labels');
    assert.equal(invalid.status, 400);
    assert.match(invalid.body.message, /Invalid pageToken/);
    const missing = await f.hub('GET', '/labels/Label_404');
    assert.equal(missing.status, 404);
    assert.match(missing.body.message, /not found/i);
  });

  it('keeps to the per-account concurrency limit', async () => {
    control().setQuotaLimits({ maxConcurrentRequests: 2 });
    try {
      const { execute } = f.inProcess({ provider: { maxConcurrentPerAccount: 2, retry: FAST_RETRIES } });
      control().resetQuota(f.email);
      control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', latencyMs: 50, times: 8 });
      const responses = await Promise.all(Array.from({ length: 8 }, () => execute({ method: 'GET', path: '/labels' })));
      assert.ok(responses.every((response) => response.status === 200));
      assert.equal(control().quota(f.email).concurrencyRejected, 0);
    } finally {
      control().setQuotaLimits({ maxConcurrentRequests: 100 });
    }
  });

  it('refreshes an access token that expired mid-use, transparently', async () => {
    const before = (await f.row()).access_token_encrypted;
    assert.ok(control().expireAccessTokens(f.email) >= 1);
    const response = await f.hub('GET', '/messages?pageSize=5');
    assert.equal(response.status, 200);
    assert.notEqual((await f.row()).access_token_encrypted, before, 'a new access token was stored');
  });

  it('refreshes the token when parts of a batch are refused with 401, and retries those parts', async () => {
    const before = (await f.row()).access_token_encrypted;
    control().injectFault({ method: 'users.messages.get', pathPattern: '/messages/', status: 401, times: 1 });
    const listed = await f.hub('GET', '/messages');
    assert.equal(listed.status, 200);
    assert.ok(listed.body.length >= 2);
    assert.equal(control().listFaults().length, 0);
    assert.notEqual((await f.row()).access_token_encrypted, before);
  });

  it('answers 502 when Google refuses even a freshly refreshed token', async () => {
    control().injectFault({ method: 'users.labels.list', pathPattern: '/labels', status: 401, times: 2 });
    const response = await f.hub('GET', '/labels');
    assert.equal(response.status, 502);
    assert.match(response.body.message, /even after refreshing it/);
    assert.equal(control().listFaults().length, 0, 'exactly one refresh and one retry');
  });

  // Last: it leaves the instance invalid.
  it('marks the instance invalid and answers 403 when the grant is revoked', async () => {
    control().revokeGrants(f.email);
    const response = await f.hub('GET', '/labels');
    assert.equal(response.status, 403);
    assert.match(response.body.message, /not valid/);
    assert.equal((await f.row()).valid, 0);
  });
});
