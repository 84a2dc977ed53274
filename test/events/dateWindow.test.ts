// A date-window resource: the messages resource polled with a URL placeholder (Gmail's after:<epoch
// seconds>), CREATED told from UPDATED by datesConfiguration; overlapping windows (pollDelay) never
// deliver one change twice. UPDATED end to end: drafts edited inside the window.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

describe('date-window polling', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  const mailbox = 'window@example.com';

  before(async () => {
    app = await startTestApp('sqlite', { CHANGEHOOK_SANDBOX: '1' });
    receiver = await new WebhookReceiver().start();
  });
  after(async () => {
    await app.close();
    await receiver.close();
  });

  test('invalid placeholders are refused at create, naming the resource and field', async () => {
    const response = await apiCall(app, 'POST', '/instances', {
      element: { key: 'gmail' },
      providerData: { code: 'unused' },
      name: 'bad window',
      configuration: {
        'oauth.api.key': 'id',
        'oauth.api.secret': 'secret',
        'oauth.callback.url': 'https://app.example.com/cb',
        'event.poller.configuration': { 'recent-messages': { url: "/hubs/general/messages?where=q='after:${epoch:minutes}'", idField: 'id' } },
      },
    });
    assert.equal(response.status, 400);
    assert.match(response.body.message, /recent-messages/);
    assert.match(response.body.message, /url/);
  });

  test('new messages in the window are CREATED once, even with overlapping windows', async () => {
    const instance = await createInstance(app, mailbox, {
      configuration: {
        'event.notification.callback.url': receiver.url,
        'event.poller.refresh_interval': '0.0167',
        'event.poller.configuration': {
          'recent-messages': {
            url: "/hubs/general/messages?where=q='after:${epoch:s}'",
            idField: 'id',
            pollDelay: 5,
            datesConfiguration: {
              createdDateField: 'internalDate',
              createdDateFormat: 'milliseconds',
              updatedDateField: 'internalDate',
              updatedDateFormat: 'milliseconds',
            },
          },
        },
      },
    });
    await waitFor(async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources[0]?.baselineDate, 'baseline');
    const first = await app.emulator.control.deliverMessage(mailbox, { subject: 'window one' });
    const second = await app.emulator.control.deliverMessage(mailbox, { subject: 'window two' });
    await waitFor(() => [first.id, second.id].every((id) => receiver.events().some((e) => e.objectId === id)), 'both messages');
    // With a 5 s pollDelay every message stays in ~5 consecutive windows: wait for several more polls.
    const polls = async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources[0].lastSuccessDate;
    const seen = new Set<string>();
    await waitFor(async () => {
      seen.add(await polls());
      return seen.size >= 6;
    }, 'six more polls', 30_000);
    for (const id of [first.id, second.id]) {
      const events = receiver.events().filter((e) => e.objectId === id);
      assert.deepEqual(events.map((e) => e.eventType), ['CREATED'], `message ${id}`);
      assert.equal(events[0]!.objectType, 'recent-messages');
    }
  });

  test('an object changed inside the window is UPDATED, once per change, carrying its new state', async () => {
    // Drafts: Gmail gives an edited draft a new message with a new internalDate, the draft keeps its id.
    // Only an updated date is configured, so nothing can be told apart as new: every change is UPDATED.
    const drafts = 'window-drafts@example.com';
    const instance = await createInstance(app, drafts, {
      configuration: {
        'event.notification.callback.url': receiver.url,
        'event.poller.refresh_interval': '0.0167',
        'event.poller.configuration': {
          'recent-drafts': {
            url: "/hubs/general/drafts?where=q='after:${epoch:s}'",
            idField: 'id',
            pollDelay: 3,
            datesConfiguration: { updatedDateField: 'message.internalDate', updatedDateFormat: 'milliseconds' },
          },
        },
      },
    });
    await waitFor(async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources[0]?.baselineDate, 'baseline');
    const hub = (method: string, path: string, body?: unknown) => apiCall({ api: app.api, auth: `${app.auth}, Element ${instance.token}` }, method, `/hubs/general${path}`, body);
    const changesOf = (id: string) =>
      receiver.deliveries.flatMap((d) => (d.json.message.raw['recent-drafts'] ?? []) as { id: string; message: { id: string; subject: string } }[]).filter((r) => r.id === id);
    const eventsOf = (id: string) => receiver.events().filter((e) => e.objectType === 'recent-drafts' && e.objectId === id);

    const created = await hub('POST', '/drafts', { subject: 'first version', body: 'words' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.id as string;
    await waitFor(() => eventsOf(id).length === 1, 'the new draft');
    const edited = await hub('PUT', `/drafts/${id}`, { subject: 'second version', body: 'better words' });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.notEqual(edited.body.message.id, created.body.message.id, 'the edit is a new message');
    await waitFor(() => eventsOf(id).length === 2, 'the edited draft');

    // Every change stays in ~3 consecutive windows (pollDelay 3 s): wait for more polls than that.
    const seen = new Set<string>();
    await waitFor(async () => {
      seen.add((await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources[0].lastSuccessDate);
      return seen.size >= 5;
    }, 'five more polls', 30_000);
    assert.deepEqual(eventsOf(id).map((e) => e.eventType), ['UPDATED', 'UPDATED'], 'one event per change of the draft');
    assert.deepEqual(changesOf(id).map((r) => [r.message.id, r.message.subject]), [
      [created.body.message.id, 'first version'],
      [edited.body.message.id, 'second version'],
    ]);
  });
});
