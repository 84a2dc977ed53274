// A date-window resource: the messages resource polled with a URL placeholder (Gmail's after:<epoch
// seconds>), CREATED told from UPDATED by datesConfiguration; overlapping windows (pollDelay) never
// deliver one change twice.

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
});
