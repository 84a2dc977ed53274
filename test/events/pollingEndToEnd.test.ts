// Polling events end to end: the app (sandbox intervals), the Google emulator and a local receiver.
// Mailbox changes become CREATED / UPDATED / DELETED events of changed-messages, and of messages and
// labels configured by copying its configuration; every delivery verifies with both signature schemes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TenantService } from '../../src/tenants/index.ts';
import { testDialects } from '../support/databases.ts';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';
import { verifyDelivery, waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const SIGNATURE_KEY = 'receiver-shared-signature-key';

for (const dialect of testDialects()) {
  describe(`polling events on ${dialect}`, () => {
    let app: TestApp;
    let receiver: WebhookReceiver;
    let instance: { id: number; token: string };
    let webhookSecret: string;
    const mailbox = 'events@example.com';
    /** Mail already in the mailbox when the instance is created: its first poll's baseline. */
    const existing: string[] = [];

    before(async () => {
      app = await startTestApp(dialect, { CHANGEHOOK_SANDBOX: '1' });
      receiver = await new WebhookReceiver().start();
      app.emulator.control.createMailbox(mailbox);
      for (const subject of ['old one', 'old two']) existing.push((await app.emulator.control.deliverMessage(mailbox, { subject })).id);
      instance = await createInstance(app, mailbox, {
        configuration: {
          'event.notification.callback.url': receiver.url,
          'event.notification.signature.key': SIGNATURE_KEY,
          'event.poller.refresh_interval': '0.0167',
          'event.poller.configuration': {
            'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' },
            messages: { url: '/hubs/general/messages', idField: 'id' },
            labels: { url: '/hubs/general/labels', idField: 'id' },
          },
        },
      });
      webhookSecret = (await apiCall(app, 'GET', `/instances/${instance.id}/webhook-secret`)).body.secret;
      await waitFor(async () => {
        const shown = await apiCall(app, 'GET', `/instances/${instance.id}`);
        return shown.body.eventsPolling.resources.length === 3 && shown.body.eventsPolling.resources.every((r: { baselineDate: string | null }) => r.baselineDate);
      }, 'baselines of the three resources');
    });
    after(async () => {
      await app.close();
      await receiver.close();
    });

    const hub = (method: string, path: string, body?: unknown) =>
      apiCall({ api: app.api, auth: `${app.auth}, Element ${instance.token}` }, method, `/hubs/general${path}`, body);

    function eventsFor(objectType: string, objectId: string) {
      return receiver.events().filter((e) => e.objectType === objectType && e.objectId === objectId).map((e) => e.eventType);
    }

    test('the first poll is a baseline: what was there before is never delivered', async () => {
      // A change after the baselines proves the pipeline live (polled, committed, dispatched); by then
      // anything a baseline had emitted was committed earlier and would have arrived too.
      const marker = await app.emulator.control.deliverMessage(mailbox, { subject: 'after the baselines' });
      await waitFor(() => eventsFor('changed-messages', marker.id).length > 0 && eventsFor('messages', marker.id).length > 0, 'the change after the baselines');
      const delivered = receiver.events().map((e) => `${e.objectType} ${e.objectId} ${e.eventType}`);
      assert.deepEqual(delivered.sort(), [`changed-messages ${marker.id} CREATED`, `messages ${marker.id} CREATED`].sort(), 'nothing but the new message');
      for (const id of existing) assert.deepEqual(receiver.events().filter((e) => e.objectId === id), [], `message ${id} from before the baseline`);
    });

    test('a new message is CREATED in changed-messages and messages', async () => {
      const message = await app.emulator.control.deliverMessage(mailbox, { from: 'alice@example.com', subject: 'Hello', text: 'first' });
      await waitFor(() => eventsFor('changed-messages', message.id).length > 0 && eventsFor('messages', message.id).length > 0, 'CREATED events');
      assert.deepEqual(eventsFor('changed-messages', message.id), ['CREATED']);
      assert.deepEqual(eventsFor('messages', message.id), ['CREATED']);
    });

    test('starring, reading, trashing and deleting a message: UPDATED, UPDATED, UPDATED, DELETED', async () => {
      const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'Lifecycle', text: 'x' });
      await waitFor(() => eventsFor('changed-messages', message.id).length === 1, 'CREATED');
      const steps: [string, string, unknown?][] = [
        ['PATCH', `/messages/${message.id}`, { addLabelIds: ['STARRED'] }],
        ['PATCH', `/messages/${message.id}`, { removeLabelIds: ['UNREAD'] }],
        ['POST', `/messages/${message.id}/trash`],
        ['DELETE', `/messages/${message.id}`],
      ];
      const expected = ['CREATED'];
      for (const [method, path, body] of steps) {
        const response = await hub(method, path, body);
        assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
        expected.push(method === 'DELETE' ? 'DELETED' : 'UPDATED');
        await waitFor(() => eventsFor('changed-messages', message.id).length === expected.length, `${expected.at(-1)} after ${method} ${path}`);
        assert.deepEqual(eventsFor('changed-messages', message.id), expected);
      }
      // Each change was made after the last one's event arrived: their sequence numbers follow that order.
      const sequences = receiver.events().filter((e) => e.objectType === 'changed-messages' && e.objectId === message.id).map((e) => e.sequence);
      assert.deepEqual(sequences, [...sequences].sort((a, b) => a - b), `sequences of the message's changes in the order made: ${sequences.join(', ')}`);
      assert.equal(new Set(sequences).size, sequences.length);
      await waitFor(() => eventsFor('messages', message.id).includes('DELETED'), 'messages resource DELETED');
      assert.equal(eventsFor('messages', message.id)[0], 'CREATED');
    });

    test('a label created, renamed and deleted: CREATED, UPDATED, DELETED in labels', async () => {
      const created = await hub('POST', '/labels', { name: 'Invoices' });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const id = created.body.id as string;
      await waitFor(() => eventsFor('labels', id).length === 1, 'label CREATED');
      assert.equal((await hub('PATCH', `/labels/${id}`, { name: 'Invoices 2026' })).status, 200);
      await waitFor(() => eventsFor('labels', id).length === 2, 'label UPDATED');
      assert.ok((await hub('DELETE', `/labels/${id}`)).status < 300);
      await waitFor(() => eventsFor('labels', id).length === 3, 'label DELETED');
      assert.deepEqual(eventsFor('labels', id), ['CREATED', 'UPDATED', 'DELETED']);
    });

    test('every delivery is a Cloud Elements envelope signed both ways, ≤ 10 events, sequences increasing', async () => {
      // A burst, polled at once: notifications carrying several events each.
      const burst = await Promise.all(['burst 1', 'burst 2', 'burst 3'].map((subject) => app.emulator.control.deliverMessage(mailbox, { subject })));
      await waitFor(() => burst.every((m) => eventsFor('changed-messages', m.id).length === 1), 'the burst');
      assert.ok(receiver.deliveries.some((d) => d.json.message.events.length > 1), 'a notification with several events');
      // The instance's sequence numbers are 1, 2, 3… in commit order, each used once; notifications go
      // out concurrently (so may arrive out of order), and within one they are in order. Waited for:
      // the last events may still be on their way.
      const stored = async () => (await apiCall(app, 'GET', `/instances/${instance.id}/events?pageSize=500`)).body as { sequence: number }[];
      await waitFor(async () => {
        const all = receiver.events().map((e) => e.sequence);
        return all.length === (await stored()).length && Math.max(...all) === all.length;
      }, 'every stored event delivered');
      const all = receiver.events().map((e) => e.sequence).sort((a, b) => a - b);
      assert.deepEqual(all, all.map((_, i) => i + 1), 'each of 1..n exactly once');
      assert.deepEqual((await stored()).map((e) => e.sequence).sort((a, b) => a - b), all, 'the events stored are the events delivered');
      for (const delivery of receiver.deliveries) {
        verifyDelivery(delivery, webhookSecret, SIGNATURE_KEY);
        const { json } = delivery;
        assert.equal(json.topic, `instance-${instance.id}-gmail-events`);
        assert.equal(json.action, 'create');
        assert.equal(json.message.instanceId, instance.id);
        assert.equal(json.message.instance_id, instance.id);
        assert.equal(json.message.elementKey, 'gmail');
        assert.ok(json.message.events.length >= 1 && json.message.events.length <= 10);
        const objectType = json.message.raw.objectType;
        assert.equal(json.message.raw[objectType].length, json.message.events.length);
        const sequences: number[] = [];
        for (const event of json.message.events) {
          assert.equal(event.hubKey, 'general');
          assert.ok(!Number.isNaN(Date.parse(event.date)));
          sequences.push(event.sequence);
        }
        assert.deepEqual(sequences, sequences.map((_, i) => sequences[0]! + i), `one notification's events in commit order: ${sequences.join(', ')}`);
      }
    });

    test("another organization gets a 404 for this instance's events, secret and redelivery (401 with its Element token)", async () => {
      const other = await new TenantService(app.server.services.store.db).createOrganization({ name: 'Other', userEmail: 'other@localhost' });
      const stranger = { api: app.api, auth: `User ${other.userSecret}, Organization ${other.organizationSecret}` };
      const mine = await apiCall(app, 'GET', `/instances/${instance.id}/events?pageSize=1`);
      const eventId = mine.body[0].id as string;
      assert.deepEqual((await apiCall(stranger, 'GET', '/instances/events')).body, []);
      for (const [method, path] of [
        ['GET', `/instances/${instance.id}/events`],
        ['GET', `/instances/events/${eventId}`],
        ['GET', `/instances/${instance.id}/events/${eventId}`],
        ['POST', `/instances/${instance.id}/events/${eventId}/redeliver`],
        ['POST', `/instances/${instance.id}/events/redeliver-failed`],
        ['GET', `/instances/${instance.id}/webhook-secret`],
        ['POST', `/instances/${instance.id}/webhook-secret/rotate`],
        ['GET', `/hubs/general/messages`],
      ] as const) {
        const headers: Record<string, string> = path.startsWith('/hubs') ? { authorization: `${stranger.auth}, Element ${instance.token}` } : {};
        const response = await apiCall(stranger, method, path, undefined, headers);
        // A hub call whose Element token names no instance of the caller's organization is a 401, as on Cloud Elements.
        assert.equal(response.status, path.startsWith('/hubs') ? 401 : 404, `${method} ${path}: ${response.status}`);
      }
      assert.equal((await apiCall(app, 'GET', `/instances/${instance.id}/webhook-secret`)).body.secret, webhookSecret, 'the secret was not rotated');
    });

    test('the events API lists them with status and attempts', async () => {
      const list = await apiCall(app, 'GET', `/instances/${instance.id}/events?pageSize=5`);
      assert.equal(list.status, 200);
      assert.equal(list.body.length, 5);
      assert.ok(list.headers.get('elements-next-page-token'));
      const one = await apiCall(app, 'GET', `/instances/events/${list.body[0].id}`);
      assert.equal(one.status, 200);
      await waitFor(async () => (await apiCall(app, 'GET', `/instances/events/${list.body[0].id}`)).body.deliveryStatus === 'DELIVERED', 'delivered status');
      const delivered = await apiCall(app, 'GET', `/instances/${instance.id}/events/${list.body[0].id}`);
      assert.equal(delivered.body.attempts.length >= 1, true);
      assert.equal(delivered.body.attempts.at(-1).statusCode, 200);
      const health = (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling;
      assert.equal(health.disabled, false);
      for (const resource of health.resources) {
        assert.equal(resource.lastError, null);
        assert.ok(resource.lastPollDate && resource.nextPollDate);
      }
    });
  });
}
