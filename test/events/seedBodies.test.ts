// The product page's first body, as written (key "/changed-messages", url ".../changed-message"),
// produces events: the poller watches the resource the key names.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

let app: TestApp;
let receiver: WebhookReceiver;
before(async () => {
  app = await startTestApp('sqlite', { CHANGEHOOK_SANDBOX: '1' });
  receiver = await new WebhookReceiver().start();
});
after(async () => {
  await app.close();
  await receiver.close();
});

test("the first body's poller configuration delivers CREATED events", async () => {
  const mailbox = 'seed-one@example.com';
  const instance = await createInstance(app, mailbox, {
    configuration: {
      'event.notification.callback.url': receiver.url,
      'event.poller.refresh_interval': '0.0167',
      'event.poller.configuration': { '/changed-messages': { url: '/hubs/general/changed-message', idField: 'id' } },
    },
  });
  await waitFor(async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources[0]?.baselineDate, 'baseline');
  const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'seed body one' });
  await waitFor(() => receiver.events().some((e) => e.objectId === message.id), 'the CREATED event');
  const health = (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources[0];
  assert.equal(health.resource, 'changed-messages');
  assert.equal(health.lastError, null);
  assert.deepEqual(receiver.events().filter((e) => e.objectId === message.id).map((e) => [e.objectType, e.eventType]), [['changed-messages', 'CREATED']]);
});
