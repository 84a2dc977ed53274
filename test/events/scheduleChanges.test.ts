// Changing an instance's polling through the API takes effect: a shorter refresh interval moves the
// next poll (seen from the receiver: a change arrives long before the old interval would end), and
// resources named like Object.prototype members ("toString", "constructor") are polled and removed like
// any other.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../support/databases.ts';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const changedMessages = { url: '/hubs/general/changed-messages', idField: 'id' };

for (const dialect of testDialects()) {
  describe(`schedule changes on ${dialect}`, () => {
    let app: TestApp;
    let receiver: WebhookReceiver;
    before(async () => {
      app = await startTestApp(dialect, { CHANGEHOOK_SANDBOX: '1' });
      receiver = await new WebhookReceiver().start();
    });
    after(async () => {
      await receiver.close();
      await app.close();
    });

    async function polledResources(id: number): Promise<{ resource: string; baselineDate: string | null }[]> {
      return (await apiCall(app, 'GET', `/instances/${id}`)).body.eventsPolling.resources;
    }

    test('a shorter refresh interval moves the next poll', async () => {
      const mailbox = 'interval@example.com';
      const instance = await createInstance(app, mailbox, {
        configuration: {
          'event.notification.callback.url': receiver.url,
          'event.poller.refresh_interval': '60',
          'event.poller.configuration': { 'changed-messages': changedMessages },
        },
      });
      await waitFor(async () => (await polledResources(instance.id)).every((r) => r.baselineDate), 'the baseline poll');
      const message = await app.emulator.control.deliverMessage(mailbox, { from: 'a@example.com', subject: 'after the baseline', text: 'x' });
      const patched = await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: { 'event.poller.refresh_interval': '0.0167' } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      // Without the reschedule the next poll waits out the old hour; the deadline is far shorter.
      await waitFor(() => receiver.deliveries.some((d) => d.json.message.events.some((e: { objectId: string }) => e.objectId === message.id)), 'the CREATED event of the new message');
    });

    test('resources named like prototype members are replaced like any other', async () => {
      const instance = await createInstance(app, 'prototype@example.com', {
        configuration: {
          'event.notification.callback.url': receiver.url,
          'event.poller.refresh_interval': '0.0167',
          'event.poller.configuration': { toString: changedMessages, constructor: changedMessages },
        },
      });
      assert.deepEqual((await polledResources(instance.id)).map((r) => r.resource).sort(), ['constructor', 'toString']);
      const patched = await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: { 'event.poller.configuration': { messages: changedMessages } } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual((await polledResources(instance.id)).map((r) => r.resource), ['messages']);
    });
  });
}
