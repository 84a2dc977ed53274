// Failed-authentication limits an attacker cannot turn against tenants: failures are counted per
// address (the client's, behind a trusted proxy) and per presented secret, wrong Element tokens count
// too, valid credentials are always served; the rate limit keys on the parsed credentials, not the raw
// header; and a hub upload is refused before its body is read.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';

const FAILURE_LIMIT = 20;

async function failUntil429(app: TestApp, headers: (attempt: number) => Record<string, string>, attempts = FAILURE_LIMIT + 5): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < attempts; i += 1) {
    statuses.push((await apiCall(app, 'GET', '/instances', undefined, headers(i))).status);
  }
  return statuses;
}

describe('failed-authentication limits behind a trusted proxy', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp('sqlite', { CHANGEHOOK_TRUST_PROXY: 'true' });
  });
  after(() => app.close());

  test('an address over the limit is answered 429 for wrong secrets, but valid credentials from it are served', async () => {
    const statuses = await failUntil429(app, (guess) => ({ authorization: `User guess-${guess}-0123456789abcdef, Organization wrong`, 'x-forwarded-for': '203.0.113.7' }));
    assert.equal(statuses[0], 401);
    assert.equal(statuses.at(-1), 429, statuses.join(','));
    const valid = await apiCall(app, 'GET', '/instances', undefined, { 'x-forwarded-for': '203.0.113.7' });
    assert.equal(valid.status, 200, 'a tenant sharing the address is not locked out');
    const elsewhere = await apiCall(app, 'GET', '/instances', undefined, { authorization: 'User another-guess-0123456789, Organization x', 'x-forwarded-for': '203.0.113.8' });
    assert.equal(elsewhere.status, 401, "one client's failures do not limit another client behind the same proxy");
  });

  test('one secret tried from many addresses is limited by the secret', async () => {
    const statuses = await failUntil429(app, (address) => ({ authorization: `User ${app.userSecret}, Organization wrong-organization-secret`, 'x-forwarded-for': `198.51.100.${address + 1}` }));
    assert.equal(statuses.at(-1), 429, statuses.join(','));
    assert.equal((await apiCall(app, 'GET', '/instances', undefined, { 'x-forwarded-for': '198.51.100.200' })).status, 200, 'the right pair still works');
  });

  test('wrong Element tokens count as failures', async () => {
    // A tenant of its own: the test above left this tenant's user secret over the limit.
    const other = await app.server.services.tenants.createOrganization({ name: 'Token guesser', userEmail: 'guesser@example.com' });
    const auth = `User ${other.userSecret}, Organization ${other.organizationSecret}`;
    let token = 0;
    const statuses: number[] = [];
    for (let i = 0; i < FAILURE_LIMIT + 5; i += 1) {
      token += 1;
      statuses.push((await apiCall(app, 'GET', '/hubs/general/ping', undefined, { authorization: `${auth}, Element wrong-token-${token}`, 'x-forwarded-for': '192.0.2.55' })).status);
    }
    assert.equal(statuses[0], 401);
    assert.equal(statuses.at(-1), 429, statuses.join(','));
  });
});

describe('rate limit per caller', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp('sqlite', { CHANGEHOOK_RATE_LIMIT_PER_MINUTE: '30' });
  });
  after(() => app.close());

  test('varying the spacing, case or order of the Authorization header does not mint new buckets', async () => {
    const forms = (i: number) =>
      [
        `User ${app.userSecret}, Organization ${app.orgSecret}`,
        `${' '.repeat(i % 7)}user ${app.userSecret} ,  organization ${app.orgSecret}${' '.repeat(i % 5)}`,
        `Organization ${app.orgSecret},User ${app.userSecret},`,
      ][i % 3]!;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await apiCall(app, 'GET', '/instances', undefined, { authorization: forms(i) })).status);
    assert.equal(statuses.filter((status) => status === 429).length, 10, statuses.join(','));
  });
});

describe('hub uploads', () => {
  let app: TestApp;
  let token: string;
  before(async () => {
    app = await startTestApp('sqlite');
    token = (await createInstance(app, 'uploads@example.com')).token;
  });
  after(() => app.close());

  /** Announces a 35 MB body, sends 64 KB of it and waits for an answer: only a server that authenticates first gives one. */
  function partialUpload(authorization: string): Promise<{ status: number; body: string }> {
    const url = new URL(`${app.api}/hubs/general/messages`);
    return new Promise((resolve, reject) => {
      const request = http.request(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json', 'content-length': String(35 * 1024 * 1024) } }, (response) => {
        // The answer is one small JSON chunk; the connection itself stays open for the body never sent.
        response.once('data', (chunk: Buffer) => {
          resolve({ status: response.statusCode ?? 0, body: chunk.toString() });
          request.destroy();
        });
      });
      request.on('error', reject);
      // A server that reads the whole body first never answers: give up on it (a deadline, not a timing).
      request.setTimeout(15_000, () => request.destroy(new Error('no answer while the body was still being sent')));
      request.write(`{"to":"a@example.com","body":"${'x'.repeat(64 * 1024)}`);
    });
  }

  test('an upload without valid credentials is refused before its body is read', async () => {
    const wrongSecret = await partialUpload(`User nope-0123456789abcdef, Organization nope, Element ${token}`);
    assert.equal(wrongSecret.status, 401, wrongSecret.body);
    const wrongToken = await partialUpload(`${app.auth}, Element not-a-token`);
    assert.equal(wrongToken.status, 401, wrongToken.body);
  });
});
