// POST /instances and friends, end to end: the product page's two bodies verbatim, every validation
// rule, the instance's shape, listing by tags, replace/patch/delete, on SQLite and PostgreSQL.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../support/databases.ts';
import {
  apiCall,
  authorizationCode,
  createInstance,
  OAUTH_CALLBACK,
  SANDBOX_CLIENT_ID,
  SANDBOX_CLIENT_SECRET,
  seedBody,
  startTestApp,
  type TestApp,
} from '../support/testApp.ts';

for (const dialect of testDialects()) {
  describe(`instances on ${dialect}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(dialect);
    });
    after(() => app.close());

    test("the product page's first body, verbatim (poller key with a slash)", async () => {
      const code = await authorizationCode(app, 'first@example.com');
      const body = JSON.parse(`{ "element":{ "key":"gmail" }, "providerData":{ "code": "${code}" }, "configuration":{ "oauth.api.key": "${SANDBOX_CLIENT_ID}", "oauth.api.secret": "${SANDBOX_CLIENT_SECRET}", "oauth.callback.url": "${OAUTH_CALLBACK}", "event.notification.enabled": true, "event.notification.callback.url": "http://mycoolapp.com", "event.poller.refresh_interval": "15", "event.poller.configuration":{ "/changed-messages": { "url": "/hubs/general/changed-message", "idField": "id" } } }, "tags":[ "Docs" ], "name":"Instance one" }`);
      const { status, body: instance } = await apiCall(app, 'POST', '/instances', body);
      assert.equal(status, 200, JSON.stringify(instance));
      assert.equal(typeof instance.id, 'number');
      assert.equal(instance.name, 'Instance one');
      assert.match(instance.token, /^[A-Za-z0-9_-]{40,}$/);
      const { id, key, name, hub } = instance.element;
      assert.deepEqual({ id, key, name, hub }, { id: 6409, key: 'gmail', name: 'Gmail', hub: 'general' });
      assert.deepEqual(instance.tags, ['Docs']);
      assert.ok(!Number.isNaN(Date.parse(instance.createdDate)));
      assert.equal(instance.valid, true);
      assert.equal(instance.disabled, false);
      assert.equal(instance.eventsEnabled, true);
      assert.equal(instance.eventsNotificationCallbackUrl, 'http://mycoolapp.com');
      assert.equal(instance.providerAccount, 'first@example.com');
      assert.equal(instance.configuration['oauth.api.secret'], '********');
      assert.equal(instance.configuration['oauth.api.key'], SANDBOX_CLIENT_ID);
      assert.equal(instance.configuration['event.poller.refresh_interval'], '15');
      assert.deepEqual(JSON.parse(instance.configuration['event.poller.configuration']), {
        'changed-messages': { url: '/hubs/general/changed-message', idField: 'id' },
      });
    });

    test("the product page's curl body, verbatim (poller key without a slash)", async () => {
      const code = await authorizationCode(app, 'second@example.com');
      const { status, body: instance } = await apiCall(app, 'POST', '/instances', `{
"element": {
"key": "gmail"
},
"providerData":{
"code": "${code}"
},
"configuration": {
"oauth.api.key": "${SANDBOX_CLIENT_ID}",
"oauth.api.secret": "${SANDBOX_CLIENT_SECRET}",
"oauth.callback.url":"${OAUTH_CALLBACK}",
"event.notification.enabled": true,
"event.notification.callback.url": "https://cloud-element.com/elements/api-v2/events/page.elementKey/",
"event.poller.refresh_interval": "15",
"event.poller.configuration":{
"changed-messages": {
"url": "/hubs/general/changed-messages",
"idField": "id"
}
}
},
"tags": [
"Docs"
],
"name": "API Instance with Polling"
}`);
      assert.equal(status, 200, JSON.stringify(instance));
      assert.equal(instance.name, 'API Instance with Polling');
      assert.equal(instance.eventsNotificationCallbackUrl, 'https://cloud-element.com/elements/api-v2/events/page.elementKey/');
      const fetched = await apiCall(app, 'GET', `/instances/${instance.id}`);
      assert.equal(fetched.status, 200);
      assert.equal(fetched.body.token, instance.token);
    });

    test('alternative value forms: numeric interval, string booleans, poller configuration as a JSON string', async () => {
      const code = await authorizationCode(app, 'forms@example.com');
      const body = seedBody(code, {
        configuration: {
          'event.poller.refresh_interval': 30,
          'event.notification.enabled': 'false',
          'event.poller.configuration': JSON.stringify({ messages: { url: '/hubs/general/messages', idField: 'id' } }),
        },
      });
      const { status, body: instance } = await apiCall(app, 'POST', '/instances', body);
      assert.equal(status, 200, JSON.stringify(instance));
      assert.equal(instance.eventsEnabled, false);
      assert.equal(instance.eventsPollerRefreshInterval, 30);
      assert.deepEqual(Object.keys(JSON.parse(instance.configuration['event.poller.configuration'])), ['messages']);
    });

    const invalid: [string, (body: ReturnType<typeof seedBody>) => unknown, RegExp, number?][] = [
      ['missing element', (b) => ({ ...b, element: undefined }), /element/],
      ['unknown element', (b) => ({ ...b, element: { key: 'hotmail' } }), /hotmail/, 404],
      ['missing name', (b) => ({ ...b, name: undefined }), /name/],
      ['tags not an array', (b) => ({ ...b, tags: 'Docs' }), /tags/],
      ['missing code', (b) => ({ ...b, providerData: {} }), /providerData\.code/],
      ['missing client id', (b) => ({ ...b, configuration: { ...b.configuration, 'oauth.api.key': undefined } }), /oauth\.api\.key/],
      ['missing client secret', (b) => ({ ...b, configuration: { ...b.configuration, 'oauth.api.secret': '' } }), /oauth\.api\.secret/],
      ['bad redirect URI', (b) => ({ ...b, configuration: { ...b.configuration, 'oauth.callback.url': 'not a url' } }), /oauth\.callback\.url/],
      ['enabled without callback', (b) => ({ ...b, configuration: { ...b.configuration, 'event.notification.callback.url': undefined } }), /event\.notification\.callback\.url is required/],
      ['callback not http(s)', (b) => ({ ...b, configuration: { ...b.configuration, 'event.notification.callback.url': 'ftp://example.com/x' } }), /event\.notification\.callback\.url/],
      ['enabled not a boolean', (b) => ({ ...b, configuration: { ...b.configuration, 'event.notification.enabled': 'yes please' } }), /event\.notification\.enabled/],
      ['interval not a number', (b) => ({ ...b, configuration: { ...b.configuration, 'event.poller.refresh_interval': 'often' } }), /event\.poller\.refresh_interval/],
      ['interval below a minute', (b) => ({ ...b, configuration: { ...b.configuration, 'event.poller.refresh_interval': '0.5' } }), /event\.poller\.refresh_interval must be at least 1 minute/],
      ['poller configuration not JSON', (b) => ({ ...b, configuration: { ...b.configuration, 'event.poller.configuration': '{nope' } }), /event\.poller\.configuration/],
      ['poller entry without url', (b) => ({ ...b, configuration: { ...b.configuration, 'event.poller.configuration': { 'changed-messages': { idField: 'id' } } } }), /changed-messages\.url/],
      ['poller entry without idField', (b) => ({ ...b, configuration: { ...b.configuration, 'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages' } } } }), /changed-messages\.idField/],
    ];
    for (const [name, mutate, message, status = 400] of invalid) {
      test(`refused: ${name}`, async () => {
        const before = await apiCall(app, 'GET', '/instances');
        const response = await apiCall(app, 'POST', '/instances', mutate(seedBody('unused-code')));
        assert.equal(response.status, status, JSON.stringify(response.body));
        assert.match(response.body.message, message);
        assert.equal(typeof response.body.requestId, 'string');
        const afterwards = await apiCall(app, 'GET', '/instances');
        assert.equal(afterwards.body.length, before.body.length, 'a refused create leaves nothing behind');
      });
    }

    test('a refused code is a 4xx carrying Google\'s error, and leaves nothing behind', async () => {
      const before = await apiCall(app, 'GET', '/instances');
      const response = await apiCall(app, 'POST', '/instances', seedBody('this-code-was-never-issued'));
      assert.equal(response.status, 400);
      assert.match(response.body.message, /invalid_grant/);
      assert.equal((await apiCall(app, 'GET', '/instances')).body.length, before.body.length);
    });

    test('a code cannot be used twice', async () => {
      const code = await authorizationCode(app, 'twice@example.com');
      assert.equal((await apiCall(app, 'POST', '/instances', seedBody(code))).status, 200);
      const again = await apiCall(app, 'POST', '/instances', seedBody(code));
      assert.equal(again.status, 400);
      assert.match(again.body.message, /invalid_grant/);
    });

    test('a wrong client secret is refused with a message naming the credentials', async () => {
      const code = await authorizationCode(app, 'badsecret@example.com');
      const response = await apiCall(app, 'POST', '/instances', seedBody(code, { configuration: { 'oauth.api.secret': 'wrong-secret' } }));
      assert.equal(response.status, 400);
      assert.match(response.body.message, /oauth\.api\.secret/);
      assert.match(response.body.message, /invalid_client/);
    });

    test('malformed JSON is a 400 with the error body', async () => {
      const response = await apiCall(app, 'POST', '/instances', '{"element": ');
      assert.equal(response.status, 400);
      assert.equal(typeof response.body.message, 'string');
      assert.equal(typeof response.body.requestId, 'string');
    });

    test('GET /instances filters by tags[]', async () => {
      const red = await createInstance(app, 'red@example.com', { tags: ['red', 'shared'] });
      const blue = await createInstance(app, 'blue@example.com', { tags: ['blue', 'shared'] });
      const reds = await apiCall(app, 'GET', '/instances?tags[]=red');
      assert.deepEqual(reds.body.map((i: { id: number }) => i.id), [red.id]);
      const shared = await apiCall(app, 'GET', '/instances?tags[]=shared');
      assert.deepEqual(shared.body.map((i: { id: number }) => i.id), [red.id, blue.id]);
      const either = await apiCall(app, 'GET', '/instances?tags[]=red&tags[]=blue');
      assert.deepEqual(either.body.map((i: { id: number }) => i.id), [red.id, blue.id]);
    });

    test('PATCH changes configuration, tags and name, validating what it changes', async () => {
      const instance = await createInstance(app, 'patch@example.com');
      const patched = await apiCall(app, 'PATCH', `/instances/${instance.id}`, {
        name: 'Renamed',
        tags: ['new'],
        configuration: {
          'event.notification.callback.url': 'https://hooks.example.com/in',
          'event.poller.refresh_interval': 5,
          'event.poller.configuration': { labels: { url: '/hubs/general/labels', idField: 'id' } },
        },
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.name, 'Renamed');
      assert.deepEqual(patched.body.tags, ['new']);
      assert.equal(patched.body.eventsNotificationCallbackUrl, 'https://hooks.example.com/in');
      assert.equal(patched.body.eventsPollerRefreshInterval, 5);
      assert.equal(patched.body.configuration['oauth.api.secret'], '********', 'secrets survive a partial PATCH');
      assert.equal(patched.body.token, instance.token);

      const bad = await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: { 'event.poller.refresh_interval': 0 } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /event\.poller\.refresh_interval/);
      const disable = await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: { 'event.notification.enabled': false } });
      assert.equal(disable.body.eventsEnabled, false);
    });

    test('PUT replaces the definition, keeping masked secrets; with a code it re-authenticates', async () => {
      const instance = await createInstance(app, 'put@example.com');
      const current = (await apiCall(app, 'GET', `/instances/${instance.id}`)).body;
      const replaced = await apiCall(app, 'PUT', `/instances/${instance.id}`, {
        name: 'Replaced',
        tags: [],
        configuration: { ...current.configuration, 'event.poller.refresh_interval': '60' },
      });
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.equal(replaced.body.name, 'Replaced');
      assert.equal(replaced.body.eventsPollerRefreshInterval, 60);
      const code = await authorizationCode(app, 'put@example.com');
      const reauth = await apiCall(app, 'PUT', `/instances/${instance.id}`, { ...seedBody(code), name: 'Reauthenticated' });
      assert.equal(reauth.status, 200, JSON.stringify(reauth.body));
      assert.equal(reauth.body.valid, true);
    });

    test('DELETE removes the instance', async () => {
      const instance = await createInstance(app, 'delete@example.com');
      const deleted = await apiCall(app, 'DELETE', `/instances/${instance.id}`);
      assert.equal(deleted.status, 200);
      assert.equal((await apiCall(app, 'GET', `/instances/${instance.id}`)).status, 404);
      assert.equal((await apiCall(app, 'DELETE', `/instances/${instance.id}`)).status, 404);
    });

    test('a non-numeric id is a 400 naming it', async () => {
      const response = await apiCall(app, 'GET', '/instances/abc');
      assert.equal(response.status, 400);
      assert.match(response.body.message, /instance id/);
    });
  });
}
