// Hostile and careless input is a 4xx naming the field on both stores, never a 500: ids beyond the
// store's integers, NUL characters, huge numbers, forged page tokens, repeated query parameters,
// deeply nested JSON, oversized lists and URLs, and the OAuth callback page's own query.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../support/databases.ts';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';

const pageToken = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** JSON text of an array nested `depth` deep (built as text: JSON.stringify itself overflows on it). */
const nestedJson = (depth: number) => `${'['.repeat(depth)}"leaf"${']'.repeat(depth)}`;

function expectError(response: { status: number; body: any }, status: number, field: string | RegExp, what: string): void {
  assert.equal(response.status, status, `${what}: ${JSON.stringify(response.body)}`);
  assert.equal(typeof response.body.requestId, 'string', what);
  if (typeof field === 'string') assert.ok(response.body.message.includes(field), `${what}: "${response.body.message}" names ${field}`);
  else assert.match(response.body.message, field, what);
}

for (const dialect of testDialects()) {
  describe(`input rules on ${dialect}`, () => {
    let app: TestApp;
    let instance: { id: number; token: string };
    before(async () => {
      app = await startTestApp(dialect);
      instance = await createInstance(app, 'rules@example.com');
    });
    after(() => app.close());

    test('instance ids beyond 32 bits are a 404 on every instance route', async () => {
      for (const id of ['2147483648', '4294967296', '999999999999999']) {
        for (const [method, path] of [
          ['GET', `/instances/${id}`],
          ['PATCH', `/instances/${id}`],
          ['DELETE', `/instances/${id}`],
          ['GET', `/instances/${id}/events`],
          ['GET', `/instances/${id}/events/abc`],
          ['GET', `/instances/${id}/webhook-secret`],
          ['POST', `/instances/${id}/webhook-secret/rotate`],
          ['POST', `/instances/${id}/events/redeliver-failed`],
        ] as const) {
          expectError(await apiCall(app, method, path, method === 'PATCH' ? { name: 'x' } : undefined), 404, id, `${method} ${path}`);
        }
      }
    });

    test('NUL characters are a 400 naming the field, in bodies, queries and paths', async () => {
      expectError(await apiCall(app, 'PATCH', `/instances/${instance.id}`, { name: 'a\u0000b' }), 400, 'name', 'PATCH name');
      expectError(await apiCall(app, 'PATCH', `/instances/${instance.id}`, { tags: ['ok', 'b\u0000'] }), 400, 'tags[1]', 'PATCH tags');
      expectError(await apiCall(app, 'GET', '/instances/events?objectType=a%00b'), 400, 'objectType', 'objectType');
      expectError(await apiCall(app, 'GET', `/instances/${instance.id}/events?nextPage=a%00`), 400, 'nextPage', 'nextPage');
      expectError(await apiCall(app, 'GET', '/instances/events/ev%00x'), 400, 'eventId', 'event id');
      expectError(await apiCall(app, 'GET', `/instances/${instance.id}/events/ev%00x`), 400, 'eventId', 'instance event id');
      expectError(await apiCall(app, 'POST', `/instances/${instance.id}/events/ev%00x/redeliver`), 400, 'eventId', 'redeliver id');
      expectError(await apiCall(app, 'GET', `/instances?tags[]=a%00`), 400, 'tags[]', 'tags filter');
    });

    test('dates beyond what a date can hold and forged page tokens are a 400', async () => {
      for (const field of ['from', 'to']) {
        expectError(await apiCall(app, 'GET', `/instances/events?${field}=99999999999999999999`), 400, field, field);
      }
      for (const token of [pageToken([1.5, 'x']), pageToken([1e300, 'x']), pageToken([-1, 'x']), pageToken([1, 'x\u0000']), pageToken([1, 2]), pageToken({}), 'not-base64-json']) {
        expectError(await apiCall(app, 'GET', `/instances/events?nextPage=${token}`), 400, 'nextPage', token);
      }
    });

    test('the events list reads only documented filters, each given once', async () => {
      const ignored = await apiCall(app, 'GET', '/instances/events?instanceId=abc');
      assert.equal(ignored.status, 200, JSON.stringify(ignored.body));
      expectError(await apiCall(app, 'GET', '/instances/events?instanceId=1&instanceId=3'), 400, 'instanceId', 'repeated instanceId');
      expectError(await apiCall(app, 'GET', '/instances/events?status=NEW&status=FAILED'), 400, 'status', 'repeated status');
      const tags = await apiCall(app, 'GET', '/instances?tags[]=Docs&tags[]=Other');
      assert.equal(tags.status, 200, 'tags[] is a list and may repeat');
    });

    test('deeply nested JSON is a 400, as a body and inside a poller configuration string', async () => {
      const resource = `{"m":{"url":"/hubs/general/messages","idField":"id","extra":${nestedJson(4100)}}}`;
      const asObject = await apiCall(app, 'PATCH', `/instances/${instance.id}`, `{"configuration":{"event.poller.configuration":${resource}}}`);
      expectError(asObject, 400, 'configuration.event.poller.configuration.m.extra', 'object body');
      const asString = await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: { 'event.poller.configuration': resource } });
      expectError(asString, 400, 'configuration.event.poller.configuration', 'string form');
      expectError(await apiCall(app, 'POST', '/instances', nestedJson(5000)), 400, 'nested deeper', 'top-level body');
    });

    test('lists and values are capped', async () => {
      const tags = Array.from({ length: 51 }, (_, i) => `t${i}`);
      expectError(await apiCall(app, 'PATCH', `/instances/${instance.id}`, { tags }), 400, 'tags', '51 tags');
      const resources = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`r${i}`, { url: '/hubs/general/messages', idField: 'id' }]));
      expectError(await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: { 'event.poller.configuration': resources } }), 400, 'event.poller.configuration', '51 resources');
      const longUrl = `https://example.com/${'a'.repeat(3000)}`;
      expectError(await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: { 'event.notification.callback.url': longUrl } }), 400, 'event.notification.callback.url', 'long URL');
      const manyKeys = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`custom.${i}`, 'x']));
      expectError(await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: manyKeys }), 400, 'configuration', '101 keys');
      const unchanged = await apiCall(app, 'GET', `/instances/${instance.id}`);
      assert.deepEqual(unchanged.body.tags, ['Docs'], 'nothing refused was stored');
    });

    test('the OAuth callback page answers repeated parameters with a 400 page and a strict CSP', async () => {
      for (const query of ['code=a&code=b', 'code=a&state=1&state=2', 'error=x&error=y']) {
        const response = await fetch(`${app.url}/oauth/callback?${query}`);
        assert.equal(response.status, 400, query);
        assert.match(await response.text(), /more than once/);
      }
      const shown = await fetch(`${app.url}/oauth/callback?code=abc&state=s`);
      assert.equal(shown.status, 200);
      assert.match(shown.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(shown.headers.get('cache-control'), 'no-store');
    });
  });
}
