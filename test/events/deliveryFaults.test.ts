// Receiver faults: 500, a hang past the timeout, a dropped connection, 429 with Retry-After, 410 Gone
// and a refused connection — after each, the receiver recovers and every event arrives. The last retry
// leaves a notification FAILED, and the API redelivers it.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver, type Misbehaviour } from '../support/webhookReceiver.ts';

describe('delivery through receiver faults', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  let instance: { id: number; token: string };
  const mailbox = 'faults@example.com';

  before(async () => {
    app = await startTestApp('sqlite', { CHANGEHOOK_SANDBOX: '1', CHANGEHOOK_DELIVERY_TIMEOUT_SECONDS: '1' });
    receiver = await new WebhookReceiver().start();
    instance = await createInstance(app, mailbox, {
      configuration: { 'event.notification.callback.url': receiver.url, 'event.poller.refresh_interval': '0.0167' },
    });
    await waitFor(async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources[0]?.baselineDate, 'baseline');
  });
  after(async () => {
    await app.close();
    await receiver.close();
  });

  const delivered = (messageId: string) => receiver.events().filter((e) => e.objectId === messageId);

  async function eventOf(messageId: string) {
    return waitFor(async () => {
      const list = await apiCall(app, 'GET', `/instances/${instance.id}/events`);
      return (list.body as { id: string; objectId: string; notificationId: string }[]).find((e) => e.objectId === messageId);
    }, `event of ${messageId}`);
  }

  const faults: [string, Misbehaviour][] = [
    ['500', { status: 500 }],
    ['a hang past the timeout', { hang: true }],
    ['a dropped connection', { destroy: true }],
    ['429 with Retry-After: 1', { status: 429, retryAfter: '1' }],
  ];
  for (const [name, misbehaviour] of faults) {
    test(`after ${name}, the event is delivered on a retry`, async () => {
      receiver.misbehave(misbehaviour);
      const message = await app.emulator.control.deliverMessage(mailbox, { subject: name });
      await waitFor(() => delivered(message.id).length > 0, `delivery after ${name}`, 30_000);
      assert.equal(delivered(message.id).length, 1);
      const event = await eventOf(message.id);
      const detail = await apiCall(app, 'GET', `/instances/${instance.id}/events/${event.id}`);
      assert.equal(detail.body.deliveryStatus, 'DELIVERED');
      assert.equal(detail.body.attempts.length, 2);
      assert.equal(detail.body.attempts[0].outcome, 'retry');
      assert.equal(detail.body.attempts[1].statusCode, 200);
    });
  }

  test('410 Gone stops deliveries until the callback URL changes; then they resume', async () => {
    receiver.misbehave({ status: 410 });
    const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'gone' });
    await waitFor(async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.callbackGone, 'callback marked gone');
    const second = await app.emulator.control.deliverMessage(mailbox, { subject: 'while gone' });
    const waiting = await eventOf(second.id);
    await waitFor(async () => (await apiCall(app, 'GET', `/instances/events/${waiting.id}`)).body.nextAttemptDate === null, 'waiting without a time');
    assert.equal(delivered(message.id).length + delivered(second.id).length, 0);

    const patched = await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: { 'event.notification.callback.url': `${receiver.url}?v=2` } });
    assert.equal(patched.status, 200);
    await waitFor(() => delivered(message.id).length === 1 && delivered(second.id).length === 1, 'both delivered to the new URL');
  });

  test('a refused connection is retried, and reaches the receiver once the URL is fixed', async () => {
    await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: { 'event.notification.callback.url': 'http://127.0.0.1:9/closed' } });
    const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'refused' });
    const event = await eventOf(message.id);
    await waitFor(async () => (await apiCall(app, 'GET', `/instances/events/${event.id}`)).body.attemptCount >= 1, 'a refused attempt');
    const detail = await apiCall(app, 'GET', `/instances/events/${event.id}`);
    assert.equal(detail.body.deliveryStatus, 'RETRYING');
    assert.match(detail.body.attempts[0].error, /ECONNREFUSED/);
    await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: { 'event.notification.callback.url': receiver.url } });
    await waitFor(() => delivered(message.id).length === 1, 'delivered after the fix', 30_000);
  });

  test('after the last retry the notification is FAILED; redeliver-failed sends it again', async () => {
    receiver.misbehave({ status: 500 });
    const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'last chance' });
    const event = await eventOf(message.id);
    // Skip the nine earlier attempts' waiting (hours): the tenth attempt is the one under test.
    const { db } = app.server.services.store;
    await waitFor(async () => (await apiCall(app, 'GET', `/instances/events/${event.id}`)).body.attemptCount === 1, 'first attempt');
    await db.updateTable('notifications').set({ attempt_count: 9, next_attempt_at: Date.now() }).where('id', '=', event.notificationId).execute();
    receiver.misbehave({ status: 500 });
    await waitFor(async () => (await apiCall(app, 'GET', `/instances/events/${event.id}`)).body.deliveryStatus === 'FAILED', 'FAILED');
    assert.equal(delivered(message.id).length, 0);
    const failedList = await apiCall(app, 'GET', `/instances/${instance.id}/events?status=FAILED`);
    assert.deepEqual(failedList.body.map((e: { id: string }) => e.id), [event.id]);

    const redelivered = await apiCall(app, 'POST', `/instances/${instance.id}/events/redeliver-failed`);
    assert.deepEqual(redelivered.body, { notifications: 1 });
    await waitFor(() => delivered(message.id).length === 1, 'redelivered');
    const webhookIds = receiver.deliveries.filter((d) => d.json.message.events.some((e: { objectId: string }) => e.objectId === message.id)).map((d) => d.headers['webhook-id']);
    assert.deepEqual(webhookIds, [event.notificationId]);
  });

  test('redelivering one event sends the same notification again with the same webhook id', async () => {
    const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'again' });
    await waitFor(() => delivered(message.id).length === 1, 'first delivery');
    const event = await eventOf(message.id);
    const response = await apiCall(app, 'POST', `/instances/${instance.id}/events/${event.id}/redeliver`);
    assert.equal(response.status, 200);
    await waitFor(() => delivered(message.id).length === 2, 'second delivery');
    const ids = receiver.deliveries.filter((d) => d.json.message.events.some((e: { objectId: string }) => e.objectId === message.id)).map((d) => d.headers['webhook-id']);
    assert.equal(ids[0], ids[1]);
    assert.equal((await apiCall(app, 'POST', `/instances/${instance.id}/events/nope/redeliver`)).status, 404);
  });
});
