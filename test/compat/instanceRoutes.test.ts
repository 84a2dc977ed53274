// Cloud Elements compatibility of the instance and element routes a migrating client calls, written
// from CE's documentation (each test names its page), through the public HTTP API only, on SQLite and
// PostgreSQL:
// - "Instance APIs" (developer portal, docs/platform-api/instances): the instance's element summary and
//   user object; CE's Gmail element id 6409 ("Gmail Events", elementId=6409);
// - "Events Overview": PATCH /instances/{id}/configuration/{configurationId} to set the callback URL,
//   and the configuration routes addressed with an Element token;
// - "POST /instances" / "POST /elements/{keyOrId}/instances" (and GET /elements/{keyOrId}/instances);
// - "Disabling and Enabling Element Instances": PUT|DELETE /instances/enabled with an Element token;
// - "Elements API reference" and the element metadata route (GET /elements/{keyOrId}/metadata).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TenantService } from '../../src/tenants/index.ts';
import { testDialects } from '../support/databases.ts';
import {
  apiCall,
  authorizationCode,
  createInstance,
  SANDBOX_CLIENT_ID,
  SANDBOX_CLIENT_SECRET,
  seedBody,
  startTestApp,
  type TestApp,
} from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const SIGNATURE_KEY = 'compat-signature-key-never-shown';
const MASK = '********';

interface Entry {
  id: number;
  key: string;
  name: string;
  propertyValue: string | null;
}

for (const dialect of testDialects()) {
  describe(`Cloud Elements instance routes on ${dialect}`, () => {
    let app: TestApp;
    let receiver: WebhookReceiver;
    let other: { api: string; auth: string };
    let instance: { id: number; token: string; [key: string]: unknown };
    let elementConfiguration: { key: string }[];

    const withToken = (token: string, auth = app.auth) => ({ api: app.api, auth: `${auth}, Element ${token}` });
    const entryId = (entries: Entry[], key: string) => {
      const entry = entries.find((e) => e.key === key);
      assert.ok(entry, `an entry for ${key}`);
      return entry.id;
    };

    before(async () => {
      // Sandbox: intervals down to 1 s, so the enable/disable test sees polls within seconds.
      app = await startTestApp(dialect, { CHANGEHOOK_SANDBOX: '1' });
      receiver = await new WebhookReceiver().start();
      const tenant = await new TenantService(app.server.services.store.db).createOrganization({ name: 'Other', userEmail: 'other@localhost' });
      other = { api: app.api, auth: `User ${tenant.userSecret}, Organization ${tenant.organizationSecret}` };
      instance = await createInstance(app, 'compat@example.com', { configuration: { 'event.notification.signature.key': SIGNATURE_KEY } });
      elementConfiguration = (await apiCall(app, 'GET', '/elements/gmail/configuration')).body;
    });
    after(async () => {
      await app.close();
      await receiver.close();
    });

    // Instance APIs (developer portal): every instance answer embeds the element summary
    // {id, name, key, description, active, deleted, typeOauth, trialAccount, …} and the owner `user`.
    test('Instance APIs: element summary with Gmail id 6409, and the user who owns the instance', async () => {
      for (const shown of [instance, (await apiCall(app, 'GET', `/instances/${instance.id}`)).body, (await apiCall(app, 'GET', '/instances')).body[0]]) {
        const element = shown.element as Record<string, unknown>;
        assert.deepEqual(
          { id: element.id, key: element.key, name: element.name, hub: element.hub },
          { id: 6409, key: 'gmail', name: 'Gmail', hub: 'general' },
        );
        assert.equal(element.typeOauth, true);
        assert.equal(element.active, true);
        assert.equal(element.deleted, false);
        assert.equal(element.trialAccount, false);
        assert.equal(typeof element.description, 'string');
        assert.equal(shown.elementId, 6409);
        const user = shown.user as Record<string, unknown>;
        assert.equal(typeof user.id, 'number');
        assert.equal(user.emailAddress, 'admin@localhost');
        assert.equal(user.firstName, null);
        assert.equal(user.lastName, null);
      }
      // Another tenant user's instance names that user.
      const code = await authorizationCode(app, 'other-owner@example.com');
      const theirs = await apiCall(other, 'POST', '/instances', seedBody(code));
      assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
      assert.equal(theirs.body.user.emailAddress, 'other@localhost');
      assert.notEqual(theirs.body.user.id, (instance.user as { id: number }).id);
    });

    // "Gmail Events" (cloud-elements.github.io/docs/elements/gmail/events.html?elementId=6409): the
    // element is addressed by CE's id as well as by its key.
    test('Gmail element id 6409: GET /elements/6409, its OAuth URL and metadata', async () => {
      const byId = await apiCall(app, 'GET', '/elements/6409');
      assert.equal(byId.status, 200);
      assert.equal(byId.body.key, 'gmail');
      const query = new URLSearchParams({ apiKey: SANDBOX_CLIENT_ID, apiSecret: SANDBOX_CLIENT_SECRET, callbackUrl: 'https://app.example.com/cb' });
      const url = await apiCall(app, 'GET', `/elements/6409/oauth/url?${query}`);
      assert.equal(url.status, 200);
      assert.equal(url.body.element, 'gmail');
      assert.equal(new URL(url.body.oauthUrl).searchParams.get('access_type'), 'offline');
      assert.equal((await apiCall(app, 'GET', '/elements/1')).status, 404, 'the old id 1 names no element');
      for (const ref of ['gmail', '6409']) {
        const meta = await apiCall(app, 'GET', `/elements/${ref}/metadata`);
        assert.equal(meta.status, 200);
        assert.equal(meta.body.id, 6409);
        assert.equal(meta.body.key, 'gmail');
        assert.deepEqual({ supported: meta.body.events.supported, methods: meta.body.events.methods }, { supported: true, methods: ['polling'] });
        assert.equal(meta.body.bulk.supported, false);
      }
      const missing = await apiCall(app, 'GET', '/elements/nope/metadata');
      assert.equal(missing.status, 404);
      assert.match(missing.body.message, /nope/);
    });

    // Events Overview: "use the PATCH /instances or PATCH /instances/{id}/configuration/{configurationId}
    // endpoints to add an Event Notification Callback URL". Entries are {id, key, name, propertyValue, …}.
    test('Events Overview: configuration entries, secrets masked, ids stable', async () => {
      const listed = await apiCall(app, 'GET', `/instances/${instance.id}/configuration`);
      assert.equal(listed.status, 200);
      const entries = listed.body as Entry[];
      for (const entry of entries) {
        assert.equal(typeof entry.id, 'number');
        assert.equal(typeof entry.key, 'string');
        assert.equal(typeof entry.name, 'string');
        assert.ok('propertyValue' in entry, `${entry.key} has a propertyValue`);
      }
      const value = (key: string) => entries.find((e) => e.key === key)?.propertyValue;
      assert.equal(value('oauth.api.key'), SANDBOX_CLIENT_ID);
      assert.equal(value('oauth.api.secret'), MASK);
      assert.equal(value('event.notification.signature.key'), MASK);
      assert.equal(value('event.notification.callback.url'), 'http://mycoolapp.com');
      assert.equal(value('event.poller.refresh_interval'), '15');
      const text = JSON.stringify(listed.body);
      assert.ok(!text.includes(SANDBOX_CLIENT_SECRET) && !text.includes(SIGNATURE_KEY), 'no secret in the list');

      // Ids: the key's position in the element's configuration list, the same for every instance and read.
      for (const [index, field] of elementConfiguration.entries()) assert.equal(entryId(entries, field.key), index + 1, field.key);
      const second = await createInstance(app, 'compat-second@example.com');
      const secondEntries = (await apiCall(app, 'GET', `/instances/${second.id}/configuration`)).body as Entry[];
      for (const entry of entries) assert.equal(entryId(secondEntries, entry.key), entry.id, entry.key);

      const secretId = entryId(entries, 'event.notification.signature.key');
      const one = await apiCall(app, 'GET', `/instances/${instance.id}/configuration/${secretId}`);
      assert.equal(one.status, 200);
      assert.equal(one.body.propertyValue, MASK);
      assert.deepEqual(one.body, entries.find((e) => e.id === secretId));
    });

    test('Events Overview: PATCH …/configuration/{configId} sets the callback URL exactly as PATCH /instances/{id} does', async () => {
      const target = await createInstance(app, 'compat-patch@example.com', { configuration: { 'event.notification.signature.key': SIGNATURE_KEY } });
      const entries = (await apiCall(app, 'GET', `/instances/${target.id}/configuration`)).body as Entry[];
      const callbackId = entryId(entries, 'event.notification.callback.url');
      const path = `/instances/${target.id}/configuration/${callbackId}`;

      const patched = await apiCall(app, 'PATCH', path, { propertyValue: 'https://hooks.mycoolapp.com/ce' });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.id, callbackId);
      assert.equal(patched.body.key, 'event.notification.callback.url');
      assert.equal(patched.body.propertyValue, 'https://hooks.mycoolapp.com/ce');
      const shown = await apiCall(app, 'GET', `/instances/${target.id}`);
      assert.equal(shown.body.eventsNotificationCallbackUrl, 'https://hooks.mycoolapp.com/ce', 'the instance itself changed');
      assert.equal(shown.body.configuration['event.notification.callback.url'], 'https://hooks.mycoolapp.com/ce');
      assert.equal(shown.body.configuration['oauth.api.secret'], MASK, 'other keys, secrets included, are kept');

      // The same validation, word for word, as the instance PATCH with that key.
      for (const bad of ['ftp://mycoolapp.com/hook', 'not a url']) {
        const viaEntry = await apiCall(app, 'PATCH', path, { propertyValue: bad });
        const viaInstance = await apiCall(app, 'PATCH', `/instances/${target.id}`, { configuration: { 'event.notification.callback.url': bad } });
        assert.equal(viaEntry.status, 400, bad);
        assert.equal(viaInstance.status, 400, bad);
        assert.equal(viaEntry.body.message, viaInstance.body.message);
        assert.match(viaEntry.body.message, /event\.notification\.callback\.url/);
      }
      assert.equal((await apiCall(app, 'GET', `/instances/${target.id}`)).body.eventsNotificationCallbackUrl, 'https://hooks.mycoolapp.com/ce', 'a refused PATCH wrote nothing');

      // A secret written through its entry stays masked and is never echoed.
      const secretId = entryId(entries, 'event.notification.signature.key');
      const secret = await apiCall(app, 'PATCH', `/instances/${target.id}/configuration/${secretId}`, { propertyValue: 'a-new-signature-key-xyz' });
      assert.equal(secret.status, 200, JSON.stringify(secret.body));
      assert.equal(secret.body.propertyValue, MASK);
      const after = await apiCall(app, 'GET', `/instances/${target.id}/configuration`);
      assert.ok(!JSON.stringify(after.body).includes('a-new-signature-key-xyz'));
      assert.ok(!JSON.stringify((await apiCall(app, 'GET', `/instances/${target.id}`)).body).includes('a-new-signature-key-xyz'));
    });

    test('configuration entries: bad bodies are 400 naming the field, unknown ids 404 naming the id', async () => {
      const base = `/instances/${instance.id}/configuration`;
      const callbackId = entryId((await apiCall(app, 'GET', base)).body, 'event.notification.callback.url');
      for (const body of [{}, { value: 'x' }, { propertyValue: null }, { propertyValue: ['a'] }, { propertyValue: { a: 1 } }]) {
        const response = await apiCall(app, 'PATCH', `${base}/${callbackId}`, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.match(response.body.message, /propertyValue/);
      }
      const notObject = await apiCall(app, 'PATCH', `${base}/${callbackId}`, '"just a string"');
      assert.equal(notObject.status, 400);
      const unknown = await apiCall(app, 'GET', `${base}/424242`);
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.message, /424242/);
      const unknownPatch = await apiCall(app, 'PATCH', `${base}/424242`, { propertyValue: 'x' });
      assert.equal(unknownPatch.status, 404);
      assert.match(unknownPatch.body.message, /424242/);
      const notNumber = await apiCall(app, 'GET', `${base}/callback`);
      assert.equal(notNumber.status, 400);
      assert.match(notNumber.body.message, /configId/);
      assert.equal((await apiCall(app, 'GET', '/instances/99999/configuration')).status, 404);
    });

    // Events Overview and the platform's Element-token routes: /instances/configuration means "the
    // instance of the Element token in the Authorization header".
    test('/instances/configuration with an Element token reads and changes that instance only', async () => {
      const second = await createInstance(app, 'compat-token@example.com');
      const mine = withToken(second.token);
      const byToken = await apiCall(mine, 'GET', '/instances/configuration');
      assert.equal(byToken.status, 200);
      assert.deepEqual(byToken.body, (await apiCall(app, 'GET', `/instances/${second.id}/configuration`)).body);
      const intervalId = entryId(byToken.body, 'event.poller.refresh_interval');
      const one = await apiCall(mine, 'GET', `/instances/configuration/${intervalId}`);
      assert.equal(one.status, 200);
      assert.equal(one.body.propertyValue, '15');
      const patched = await apiCall(mine, 'PATCH', `/instances/configuration/${intervalId}`, { propertyValue: '30' });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.propertyValue, '30');
      assert.equal((await apiCall(app, 'GET', `/instances/${second.id}`)).body.eventsPollerRefreshInterval, 30);
      assert.equal((await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPollerRefreshInterval, 15, 'the other instance is untouched');
      assert.equal((await apiCall(mine, 'GET', '/instances/configuration/424242')).status, 404);
      // No Element part, or a token naming nothing: refused.
      assert.equal((await apiCall(app, 'GET', '/instances/configuration')).status, 401);
      assert.equal((await apiCall(withToken('no-such-instance-token-0123456789'), 'GET', '/instances/configuration')).status, 401);
    });

    test("another organization cannot read or change an instance's configuration (404; its Element token: 401)", async () => {
      const entries = (await apiCall(app, 'GET', `/instances/${instance.id}/configuration`)).body as Entry[];
      const callbackId = entryId(entries, 'event.notification.callback.url');
      const before = entries.find((e) => e.id === callbackId)?.propertyValue;
      assert.equal((await apiCall(other, 'GET', `/instances/${instance.id}/configuration`)).status, 404);
      assert.equal((await apiCall(other, 'GET', `/instances/${instance.id}/configuration/${callbackId}`)).status, 404);
      assert.equal((await apiCall(other, 'PATCH', `/instances/${instance.id}/configuration/${callbackId}`, { propertyValue: 'https://evil.example.com/' })).status, 404);
      // This organization's Element token under the other organization's secrets names nothing there: an
      // invalid Element token, 401 as on hub calls.
      const stolen = withToken(instance.token, other.auth);
      assert.equal((await apiCall(stolen, 'GET', '/instances/configuration')).status, 401);
      assert.equal((await apiCall(stolen, 'PATCH', `/instances/configuration/${callbackId}`, { propertyValue: 'https://evil.example.com/' })).status, 401);
      assert.equal((await apiCall(stolen, 'DELETE', '/instances/enabled')).status, 401);
      const after = (await apiCall(app, 'GET', `/instances/${instance.id}/configuration/${callbackId}`)).body;
      assert.equal(after.propertyValue, before);
      assert.equal((await apiCall(app, 'GET', `/instances/${instance.id}`)).body.disabled, false);
    });

    // POST /instances: "Alternatively, you can create an element instance with a POST
    // /elements/{keyOrId}/instances request."
    test('POST /elements/{keyOrId}/instances: the element comes from the path; a different one in the body is 400; GET lists them', async () => {
      const { element: _element, ...withoutElement } = seedBody(await authorizationCode(app, 'by-path@example.com'));
      const byKey = await apiCall(app, 'POST', '/elements/gmail/instances', withoutElement);
      assert.equal(byKey.status, 200, JSON.stringify(byKey.body));
      assert.equal(byKey.body.element.id, 6409);
      assert.equal(byKey.body.providerAccount, 'by-path@example.com');

      const byId = await apiCall(app, 'POST', '/elements/6409/instances', seedBody(await authorizationCode(app, 'by-id@example.com')));
      assert.equal(byId.status, 200, JSON.stringify(byId.body));
      assert.equal(byId.body.element.key, 'gmail');

      const code = await authorizationCode(app, 'mismatch@example.com');
      for (const element of [{ key: 'outlookemail' }, { id: 1 }, { key: 'nope' }]) {
        const mismatch = await apiCall(app, 'POST', '/elements/gmail/instances', { ...seedBody(code), element });
        assert.equal(mismatch.status, 400, JSON.stringify(element));
        assert.match(mismatch.body.message, /element/);
      }
      // The refused bodies did not spend the code.
      const spent = await apiCall(app, 'POST', '/elements/gmail/instances', seedBody(code));
      assert.equal(spent.status, 200, JSON.stringify(spent.body));
      const unknown = await apiCall(app, 'POST', '/elements/nope/instances', seedBody('unused-code'));
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.message, /nope/);

      // GET /elements/{keyOrId}/instances lists them, within the organization only.
      for (const ref of ['gmail', '6409']) {
        const listed = await apiCall(app, 'GET', `/elements/${ref}/instances`);
        assert.equal(listed.status, 200);
        const ids = listed.body.map((i: { id: number }) => i.id);
        for (const id of [byKey.body.id, byId.body.id, spent.body.id]) assert.ok(ids.includes(id), `instance ${id} listed`);
      }
      const theirs = (await apiCall(other, 'GET', '/elements/gmail/instances')).body.map((i: { id: number }) => i.id);
      assert.ok(!theirs.includes(byKey.body.id), "another organization's list leaves ours out");
      assert.equal((await apiCall(app, 'GET', '/elements/nope/instances')).status, 404);
    });

    // Disabling and Enabling Element Instances (docs.cloud-elements.com/home/disabling-and-enabling-instances):
    // DELETE /instances/enabled disables, PUT enables, the instance of the Element token; it keeps its
    // configuration. A disabled instance is not polled; enabled again, it resumes from where it stopped.
    test('Disabling and Enabling Element Instances: polling pauses and resumes without a gap', async () => {
      const mailbox = 'enable-disable@example.com';
      const configuration = { 'event.notification.callback.url': receiver.url, 'event.poller.refresh_interval': '0.0167' };
      const paused = await createInstance(app, mailbox, { configuration, name: 'paused' });
      const witness = await createInstance(app, mailbox, { configuration, name: 'witness' });
      const polling = async (id: number) => (await apiCall(app, 'GET', `/instances/${id}`)).body;
      for (const id of [paused.id, witness.id]) {
        await waitFor(async () => (await polling(id)).eventsPolling.resources[0]?.baselineDate, `baseline of instance ${id}`);
      }

      const disabled = await apiCall(withToken(paused.token), 'DELETE', '/instances/enabled');
      // A poll already under way may still end (and book its start); none starts after this.
      const disabledAt = Date.now();
      assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
      assert.equal(disabled.body.id, paused.id);
      assert.equal(disabled.body.disabled, true);
      const whilePaused = await waitFor(async () => {
        const shown = await polling(paused.id);
        return shown.eventsPolling.resources[0].nextPollDate === null && shown;
      }, 'the paused schedule');
      assert.equal(whilePaused.disabled, true);
      assert.equal(whilePaused.eventsNotificationCallbackUrl, receiver.url, 'configuration kept');

      const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'while disabled' });
      const eventOf = (instanceId: number) =>
        receiver.deliveries.some((d) => d.json.message.instanceId === instanceId && d.json.message.events.some((e: { objectId: string }) => e.objectId === message.id));
      // The witness (same mailbox, enabled) proves polls ran after the mail arrived; the paused one did not poll.
      await waitFor(() => eventOf(witness.id), 'the witness instance delivering the new message');
      assert.equal(eventOf(paused.id), false, 'nothing delivered for the disabled instance');
      const stillPaused = (await polling(paused.id)).eventsPolling.resources[0];
      assert.ok(Date.parse(stillPaused.lastPollDate) <= disabledAt, `no poll started while disabled (last at ${stillPaused.lastPollDate})`);
      assert.equal(stillPaused.nextPollDate, null, 'still paused');

      const enabled = await apiCall(withToken(paused.token), 'PUT', '/instances/enabled');
      assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
      assert.equal(enabled.body.disabled, false);
      await waitFor(() => eventOf(paused.id), 'the re-enabled instance delivering the message that arrived while it was disabled');
      // Without an Element token the route is refused.
      assert.equal((await apiCall(app, 'PUT', '/instances/enabled')).status, 401);
    });
  });
}
