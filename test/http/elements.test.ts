// The elements catalog and Google's OAuth URL as GET /elements/{keyOrId}/oauth/url returns it.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiCall, SANDBOX_CLIENT_ID, startTestApp, type TestApp } from '../support/testApp.ts';

describe('elements', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp('sqlite');
  });
  after(() => app.close());

  test('GET /elements lists gmail and outlookemail; by key and by id', async () => {
    const list = await apiCall(app, 'GET', '/elements');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.map((e: { key: string }) => e.key), ['gmail', 'outlookemail']);
    for (const ref of ['gmail', '6409']) {
      const one = await apiCall(app, 'GET', `/elements/${ref}`);
      assert.equal(one.status, 200);
      assert.equal(one.body.key, 'gmail');
      assert.equal(one.body.hub, 'general');
      assert.deepEqual(one.body.defaultPollerConfiguration, { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } });
    }
    assert.equal((await apiCall(app, 'GET', '/elements/nope')).status, 404);
    const config = await apiCall(app, 'GET', '/elements/gmail/configuration');
    assert.ok(config.body.some((f: { key: string }) => f.key === 'event.poller.refresh_interval'));
  });

  test('the OAuth URL asks for offline access and consent, state defaults to the element key', async () => {
    const query = new URLSearchParams({ apiKey: SANDBOX_CLIENT_ID, apiSecret: 'secret', callbackUrl: 'https://app.example.com/cb' });
    const { status, body } = await apiCall(app, 'GET', `/elements/gmail/oauth/url?${query}`);
    assert.equal(status, 200);
    assert.equal(body.element, 'gmail');
    const url = new URL(body.oauthUrl);
    assert.equal(url.origin, app.emulator.baseUrl);
    assert.equal(url.pathname, '/o/oauth2/v2/auth');
    assert.equal(url.searchParams.get('client_id'), SANDBOX_CLIENT_ID);
    assert.equal(url.searchParams.get('redirect_uri'), 'https://app.example.com/cb');
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('scope'), 'https://mail.google.com/');
    assert.equal(url.searchParams.get('access_type'), 'offline');
    assert.equal(url.searchParams.get('prompt'), 'consent');
    assert.equal(url.searchParams.get('state'), 'gmail');
    assert.equal(url.searchParams.get('client_secret'), null, 'the secret never travels in the URL');

    const custom = await apiCall(app, 'GET', `/elements/gmail/oauth/url?${query}&state=xyz&scope=${encodeURIComponent('https://www.googleapis.com/auth/gmail.readonly')}`);
    assert.equal(new URL(custom.body.oauthUrl).searchParams.get('state'), 'xyz');
    assert.equal(new URL(custom.body.oauthUrl).searchParams.get('scope'), 'https://www.googleapis.com/auth/gmail.readonly');
  });

  test('the OAuth URL names a missing or bad parameter', async () => {
    const missing = await apiCall(app, 'GET', '/elements/gmail/oauth/url?callbackUrl=https://x.example.com');
    assert.equal(missing.status, 400);
    assert.match(missing.body.message, /apiKey/);
    const bad = await apiCall(app, 'GET', `/elements/gmail/oauth/url?apiKey=a&callbackUrl=nope`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /callbackUrl/);
  });

  test('health, readiness and the OpenAPI document', async () => {
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${app.url}/readyz`)).status, 200);
    const spec = (await (await fetch(`${app.url}/docs/json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.match(spec.openapi, /^3\./);
    assert.ok(spec.paths['/elements/api-v2/instances']);
    assert.ok(spec.paths['/elements/api-v2/elements/{keyOrId}/oauth/url']);
  });
});
