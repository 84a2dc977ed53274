// How the server serves the console next to the API: index.html for the console's paths (with a
// strict content security policy), hashed assets cached for good, the API's JSON 404 kept for API and
// unknown file paths, the server's own pages untouched, the console settings, and the sandbox's
// test-email route (authenticated, into the caller's instance's mailbox only).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { consoleRoutes } from '../../src/http/routes/consoleRoutes.ts';
import type { CallerAuthentication } from '../../src/http/callerAuthentication.ts';
import { errorHandler } from '../../src/http/errorMapping.ts';
import type { InstanceService } from '../../src/instances/index.ts';
import { createInstance, startTestApp, type TestApp } from '../support/testApp.ts';
import { ensureConsoleBuilt } from './consoleBrowser.ts';

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', headers: response.headers, text };
}

describe('console served by a sandbox server', () => {
  let app: TestApp;

  before(async () => {
    ensureConsoleBuilt();
    app = await startTestApp('sqlite', { CHANGEHOOK_SANDBOX: '1', CHANGEHOOK_SANDBOX_MICROSOFT_PORT: '0' });
  });
  after(async () => app?.close());

  test('console paths get index.html with a strict content security policy', async () => {
    for (const pathname of ['/', '/instances', '/instances/42', '/elements', '/events', '/console/oauth/callback?code=abc&state=xyz']) {
      const page = await get(`${app.url}${pathname}`, { accept: 'text/html' });
      assert.equal(page.status, 200, pathname);
      assert.match(page.type, /^text\/html/, pathname);
      assert.match(page.text, /<div id="root"><\/div>/, pathname);
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.equal(page.headers.get('referrer-policy'), 'same-origin');
      assert.equal(page.headers.get('cache-control'), 'no-cache');
    }
  });

  test('hashed assets are served and cached for good; missing files are the JSON 404', async () => {
    const index = await get(`${app.url}/`);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.text)?.[1];
    assert.ok(script, 'index.html references its script');
    const asset = await get(`${app.url}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.type, /javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);

    for (const pathname of ['/assets/missing.js', '/favicon.ico', '/assets/../package.json']) {
      const missing = await get(`${app.url}${pathname}`);
      assert.equal(missing.status, 404, pathname);
      assert.equal(typeof JSON.parse(missing.text).requestId, 'string', pathname);
    }
    const traversal = await get(`${app.url}/%2e%2e/package.json`);
    assert.ok(traversal.status === 403 || traversal.status === 404, `traversal answered ${traversal.status}`);
    assert.doesNotMatch(traversal.text, /"name": "changehook"/);
  });

  test('the API, the docs, the health probes and the curl callback page keep working', async () => {
    const unknownApi = await get(`${app.url}/elements/api-v2/no-such-thing`, { accept: 'text/html' });
    assert.equal(unknownApi.status, 404);
    assert.match(JSON.parse(unknownApi.text).message, /No route for GET \/elements\/api-v2\/no-such-thing/);

    const elements = await get(`${app.api}/elements`, { authorization: app.auth });
    assert.equal(elements.status, 200);
    assert.equal(JSON.parse(elements.text)[0].key, 'gmail');

    assert.equal((await get(`${app.url}/docs`)).status, 200);
    const openapi = await get(`${app.url}/docs/json`);
    assert.ok(JSON.parse(openapi.text).paths['/elements/api-v2/instances']);
    assert.equal((await get(`${app.url}/docs/no-such-page`)).status, 404);
    assert.deepEqual(JSON.parse((await get(`${app.url}/healthz`)).text), { status: 'ok' });
    assert.deepEqual(JSON.parse((await get(`${app.url}/readyz`)).text), { status: 'ready' });
    const callback = await get(`${app.url}/oauth/callback?code=the-code&state=gmail`);
    assert.match(callback.text, /<pre id="code">the-code<\/pre>/);

    const post = await fetch(`${app.url}/instances`, { method: 'POST' });
    assert.equal(post.status, 404);
    assert.equal(typeof ((await post.json()) as { requestId: string }).requestId, 'string');
  });

  test("config.json tells the console it runs in the sandbox, with each element's emulator and its client", async () => {
    const config = JSON.parse((await get(`${app.url}/console/config.json`)).text) as { sandbox: boolean; sandboxElements: { elementKey: string }[] };
    assert.equal(config.sandbox, true);
    // The test app points Gmail at its own emulator (CHANGEHOOK_GOOGLE_BASE_URL): the sandbox uses that one.
    assert.deepEqual(
      config.sandboxElements.find((entry) => entry.elementKey === 'gmail'),
      {
        elementKey: 'gmail',
        vendor: 'Google',
        emulatorUrl: app.emulator.baseUrl,
        clientId: 'sandbox-client-id.apps.googleusercontent.com',
        clientSecret: 'sandbox-client-secret',
        mailbox: 'sandbox.user@example.com',
      },
    );
    // One entry per registered element, each naming its vendor.
    const elements = (await (await fetch(`${app.api}/elements`, { headers: { authorization: app.auth } })).json()) as { key: string; vendor: string }[];
    assert.deepEqual(
      config.sandboxElements.map((entry) => entry.elementKey).sort(),
      elements.map((element) => element.key).sort(),
    );
    for (const element of elements) assert.equal(typeof element.vendor, 'string', element.key);
  });

  test('the test-email route delivers into the caller instance mailbox only', async () => {
    const instance = await createInstance(app, 'serving.user@example.com');
    const route = (id: number) => `${app.url}/console/sandbox/instances/${id}/test-email`;
    const send = (id: number, authorization?: string) =>
      fetch(route(id), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ subject: 'From the serving test' }),
      });

    assert.equal((await send(instance.id)).status, 401);
    assert.equal((await send(instance.id, 'User nobody, Organization nothing')).status, 401);
    assert.equal((await send(instance.id + 1000, app.auth)).status, 404);

    const before = app.emulator.control.listMailboxes().find((m) => m.email === 'serving.user@example.com')!.messagesTotal;
    const sent = await send(instance.id, app.auth);
    assert.equal(sent.status, 201);
    const body = (await sent.json()) as { mailbox: string; messageId: string };
    assert.equal(body.mailbox, 'serving.user@example.com');
    assert.equal(typeof body.messageId, 'string');
    const afterSend = app.emulator.control.listMailboxes().find((m) => m.email === 'serving.user@example.com')!.messagesTotal;
    assert.equal(afterSend, before + 1);
  });
});

describe('console served outside the sandbox', () => {
  let app: TestApp;

  before(async () => {
    ensureConsoleBuilt();
    app = await startTestApp('sqlite');
  });
  after(async () => app?.close());

  test('config.json says no sandbox and the test-email route does not exist', async () => {
    assert.deepEqual(JSON.parse((await get(`${app.url}/console/config.json`)).text), { sandbox: false });
    const response = await fetch(`${app.url}/console/sandbox/instances/1/test-email`, {
      method: 'POST',
      headers: { authorization: app.auth, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(response.status, 404);
  });
});

describe('the sandbox test-email route with several elements', () => {
  const instanceOf = (elementKey: string) => ({ id: 7, element: { key: elementKey }, providerAccount: 'someone@example.com' });
  const sandboxElements = [
    // Nothing listens on port 9 of the loopback: the emulator "does not answer".
    { elementKey: 'gmail', vendor: 'Google', emulatorUrl: 'http://127.0.0.1:9', clientId: 'g', clientSecret: 'g', mailbox: 'a@example.com' },
    { elementKey: 'outlookemail', vendor: 'Microsoft', emulatorUrl: 'http://127.0.0.1:9', clientId: 'm', clientSecret: 'm', mailbox: 'a@example.com' },
  ];

  async function sendFor(elementKey: string): Promise<{ status: number; message: string }> {
    const server = Fastify();
    server.setErrorHandler(errorHandler);
    try {
      await consoleRoutes(server, {
        config: { sandbox: true, sandboxElements },
        instances: { get: async () => instanceOf(elementKey) } as unknown as InstanceService,
        auth: { caller: async () => ({ organizationId: 1, userId: 1 }) } as unknown as CallerAuthentication,
        reservedPrefixes: ['/elements/api-v2'],
      });
      const response = await server.inject({ method: 'POST', url: '/console/sandbox/instances/7/test-email', payload: {} });
      return { status: response.statusCode, message: (JSON.parse(response.body) as { message: string }).message };
    } finally {
      await server.close();
    }
  }

  test("the message goes to the emulator of the instance's element, and a failure names its vendor", async () => {
    const google = await sendFor('gmail');
    assert.equal(google.status, 502);
    assert.match(google.message, /^the Google emulator did not answer/);
    const microsoft = await sendFor('outlookemail');
    assert.equal(microsoft.status, 502);
    assert.match(microsoft.message, /^the Microsoft emulator did not answer/);
    const other = await sendFor('dropbox');
    assert.equal(other.status, 400);
    assert.match(other.message, /dropbox/);
  });
});

test('an unbuilt console is explained, not a blank page or a crash', async () => {
  const emptyDist = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-console-'));
  const server = Fastify();
  try {
    await consoleRoutes(server, {
      instances: {} as InstanceService,
      auth: {} as CallerAuthentication,
      reservedPrefixes: ['/elements/api-v2'],
      distDir: emptyDist,
    });
    const page = await server.inject({ method: 'GET', url: '/instances' });
    assert.equal(page.statusCode, 503);
    assert.match(page.body, /npm run build:console/);
  } finally {
    await server.close();
    fs.rmSync(emptyDist, { recursive: true, force: true });
  }
});
