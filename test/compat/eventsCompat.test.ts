// Cloud Elements compatibility of events, written from Cloud Elements' own pages (each test names the
// page it checks): the notification a callback receives, and the events API a migrating client reads.
// Public HTTP API only, against the Google emulator and a real receiver; the ground truth is what the
// emulator was asked to do (a message's date, a star) and the bodies the receiver got.
//
// Pages: Events Overview (docs.cloud-elements.com/home/events-overview: "up to 10 (for polling)" events
// per notification); Formulas, Getting Started (devportal docs/guides/formulas/getting-started.md: an
// event's `"date": "2016-06-01T04:09:10Z"`, a formula's `"createdDate": "2015-09-15T18:06:58Z"`); Account
// Management (devportal docs/platform/accounts/account-management.md: an account belongs to a company,
// `companyId`, and "typically represents your customer"); Event Management – Security, Hash Verification
// (devportal docs/platform/event-management/security.md); Event Management – Additional Information,
// Event Retry and Queueing (devportal docs/platform/event-management/additional-info.md); the events API's
// event object as Cloud Elements' platform tests check it (`GET /instances/{id}/events`: id, eventDate,
// status NEW|RECEIVED|DISPATCHED|CONSUMED|NOTIFIED, providerData as text, notifiedData; churros
// src/test/platform/events/assets/event.schema.json).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { generateSecret, hashSecret } from '../../src/crypto/index.ts';
import { testDialects } from '../support/databases.ts';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';
import { type Delivery, waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const SIGNATURE_KEY = 'MySecretEventSignatureKey';
/** `yyyy-MM-dd'T'HH:mm:ss'Z'`, the pattern of Cloud Elements' dates. */
const CE_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const CE_STATUSES = ['NEW', 'RECEIVED', 'DISPATCHED', 'CONSUMED', 'NOTIFIED'];

/** Whole seconds, UTC, as Cloud Elements writes a date. */
const toSecond = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

interface ReceivedEvent {
  delivery: Delivery;
  index: number;
  event: { id: string; eventType: string; objectId: string; objectType: string; sequence: number; date: string; pollDate: string };
  record: Record<string, unknown>;
}

for (const dialect of testDialects()) {
  describe(`Cloud Elements events compatibility on ${dialect}`, () => {
    let app: TestApp;
    let receiver: WebhookReceiver;
    let instance: { id: number; token: string };
    let organizationId: number;
    let accountUserId: number;
    const mailbox = 'compat-events@example.com';

    /** Every event the receiver got, with its delivery and the raw record at the same index. */
    function received(): ReceivedEvent[] {
      return receiver.deliveries.flatMap((delivery) => {
        const { events, raw } = delivery.json.message;
        return (events as ReceivedEvent['event'][]).map((event, index) => ({ delivery, index, event, record: raw[event.objectType][index] }));
      });
    }
    const receivedFor = (objectId: string, eventType: string) => received().find((r) => r.event.objectId === objectId && r.event.eventType === eventType);
    const hub = (method: string, path: string, body?: unknown) => apiCall({ api: app.api, auth: `${app.auth}, Element ${instance.token}` }, method, `/hubs/general${path}`, body);
    const storedEvents = async () => (await apiCall(app, 'GET', `/instances/${instance.id}/events?pageSize=500`)).body as Record<string, unknown>[];
    const settled = async () => {
      const stored = await storedEvents();
      return stored.length === new Set(received().map((r) => r.event.id)).size && stored.every((e) => e.deliveryStatus === 'DELIVERED');
    };

    before(async () => {
      app = await startTestApp(dialect, { CHANGEHOOK_SANDBOX: '1' });
      receiver = await new WebhookReceiver().start();
      // A second user of the organization, standing for a customer's account, owns the instance: so the
      // account, user and company ids in the envelope can be told apart.
      const db = app.server.services.store.db;
      organizationId = (await db.selectFrom('organizations').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
      const accountSecret = generateSecret();
      accountUserId = (
        await db
          .insertInto('users')
          .values({ organization_id: organizationId, email: 'customer-account@example.com', secret_hash: hashSecret(accountSecret), created_at: Date.now() })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      assert.notEqual(accountUserId, organizationId, 'the account user id differs from the organization id');
      instance = await createInstance({ ...app, auth: `User ${accountSecret}, Organization ${app.orgSecret}` }, mailbox, {
        configuration: {
          'event.notification.callback.url': receiver.url,
          'event.notification.signature.key': SIGNATURE_KEY,
          'event.poller.refresh_interval': '0.0167',
          'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
        },
      });
      await waitFor(async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources.every((r: { baselineDate: string | null }) => r.baselineDate), 'the baseline');
    });
    after(async () => {
      await app?.close();
      await receiver?.close();
    });

    test('Events Overview + Formulas Getting Started: a CREATED event is dated by the message, createdDate and date in CE form; Account Management: accountId is the account, companyId the organization; Hash Verification: sha256 of the body', async () => {
      // Gmail's internalDate is when Google accepted the message; the emulator takes it from `date`.
      const internalDate = new Date('2021-02-03T04:05:06.789Z');
      const asked = Date.now();
      const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'dated', date: internalDate });
      const created = await waitFor(() => receivedFor(message.id, 'CREATED'), 'the CREATED event');
      const { json, body, headers, receivedAt } = created.delivery;

      assert.equal(created.event.date, '2021-02-03T04:05:06Z', "the message's own date, to the second");
      assert.equal(created.record.internalDate, String(internalDate.getTime()), "the raw record is the message's");
      assert.match(json.createdDate, CE_DATE);
      assert.ok(json.createdDate >= toSecond(asked) && json.createdDate <= toSecond(receivedAt), `createdDate ${json.createdDate} between the change and its receipt`);
      assert.equal(json.message.companyId, organizationId);
      assert.equal(json.message.accountId, accountUserId, "the account: the instance owner's");
      assert.equal(json.message.userId, accountUserId);
      assert.equal(json.user, 'customer-account@example.com');
      assert.equal(headers['elements-webhook-signature'], `sha256=${crypto.createHmac('sha256', SIGNATURE_KEY).update(body).digest('base64')}`);

      // A label change: Gmail's history states no time for it, so the event is dated by the poll.
      assert.ok((await hub('PATCH', `/messages/${message.id}`, { addLabelIds: ['STARRED'] })).status < 300);
      const updated = await waitFor(() => receivedFor(message.id, 'UPDATED'), 'the UPDATED event');
      assert.match(updated.event.date, CE_DATE);
      assert.equal(updated.event.date, toSecond(Date.parse(updated.event.pollDate)), 'the poll date, in CE form');
      assert.ok(updated.event.date >= toSecond(asked) && updated.event.date <= toSecond(updated.delivery.receivedAt), 'dated by this poll, not by the message');
    });

    test('Events Overview: at most 10 events per polling notification; raw holds the records of its events, in their order', async () => {
      const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => app.emulator.control.deliverMessage(mailbox, { subject: `burst ${i}` })));
      await waitFor(() => burst.every((m) => receivedFor(m.id, 'CREATED')), 'the 12 CREATED events');
      const carriers = new Set(burst.map((m) => receivedFor(m.id, 'CREATED')?.delivery));
      assert.ok(carriers.size >= 2, `12 events in ${carriers.size} notifications`);
      for (const { json } of receiver.deliveries) {
        const { events, raw } = json.message;
        assert.ok(events.length >= 1 && events.length <= 10, `${events.length} events`);
        assert.equal(raw.objectType, 'changed-messages');
        assert.equal(raw['changed-messages'].length, events.length, 'one record per event');
        events.forEach((event: { objectId: string }, i: number) => {
          assert.equal(raw['changed-messages'][i].id, event.objectId, `record ${i} is event ${i}'s`);
          assert.equal(typeof raw['changed-messages'][i].historyId, 'string');
        });
      }
    });

    test("events API (CE's event object): id, eventDate, status, providerData, notifiedData next to ours, matching what the receiver got", async () => {
      // Its own CREATED, UPDATED and DELETED; then every event received so far is checked.
      const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'listed' });
      await waitFor(() => receivedFor(message.id, 'CREATED'), 'CREATED');
      assert.ok((await hub('PATCH', `/messages/${message.id}`, { addLabelIds: ['STARRED'] })).status < 300);
      await waitFor(() => receivedFor(message.id, 'UPDATED'), 'UPDATED');
      assert.ok((await hub('DELETE', `/messages/${message.id}`)).status < 300);
      await waitFor(() => receivedFor(message.id, 'DELETED'), 'DELETED');
      await waitFor(settled, 'every event delivered');
      const stored = new Map((await storedEvents()).map((e) => [e.id as string, e]));
      for (const { event, record, delivery } of received()) {
        const item = stored.get(event.id);
        assert.ok(item, `event ${event.id} listed`);
        assert.ok(CE_STATUSES.includes(item.status as string), `status ${item.status} is one of Cloud Elements'`);
        assert.equal(item.status, 'NOTIFIED', 'the callback took it');
        assert.equal(item.deliveryStatus, 'DELIVERED');
        assert.match(item.eventDate as string, CE_DATE);
        assert.equal(item.eventDate, toSecond(Date.parse(item.createdDate as string)));
        assert.equal(typeof item.providerData, 'string');
        assert.deepEqual(JSON.parse(item.providerData as string), record, 'providerData is the record the receiver got');
        assert.equal(item.sequence, event.sequence);
        assert.equal(item.objectId, event.objectId);
        for (const path of [`/instances/events/${event.id}`, `/instances/${instance.id}/events/${event.id}`]) {
          const one = await apiCall(app, 'GET', path);
          assert.equal(one.status, 200);
          assert.equal(one.body.status, 'NOTIFIED');
          assert.deepEqual(one.body.notifiedData, [delivery.json], 'notifiedData is the body the receiver got');
          assert.deepEqual(one.body.record, record);
        }
      }
      const statuses = await apiCall(app, 'GET', `/instances/${instance.id}/events?status=NOTIFIED&pageSize=500`);
      assert.equal(statuses.body.length, stored.size);
      for (const status of ['DISPATCHED', 'RECEIVED', 'CONSUMED']) {
        assert.deepEqual((await apiCall(app, 'GET', `/instances/${instance.id}/events?status=${status}`)).body, [], status);
      }
    });

    test('Event Retry and Queueing: a notification the callback refuses is DISPATCHED (not NOTIFIED) while retried; once taken, NOTIFIED', async () => {
      await waitFor(settled, 'nothing in flight');
      receiver.misbehave({ status: 500 });
      const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'refused once' });
      const failing = await waitFor(async () => {
        const item = (await storedEvents()).find((e) => e.objectId === message.id);
        return item && (item.attemptCount as number) >= 1 ? item : undefined;
      }, 'the refused attempt');
      assert.equal(receivedFor(message.id, 'CREATED'), undefined, 'the receiver took nothing yet');
      const id = failing.id as string;
      const detail = (await apiCall(app, 'GET', `/instances/events/${id}`)).body;
      assert.equal(detail.status, 'DISPATCHED');
      assert.equal(detail.deliveryStatus, 'RETRYING');
      assert.equal(detail.lastStatusCode, 500);
      assert.deepEqual(detail.notifiedData, []);
      const listed = async (query: string) => ((await apiCall(app, 'GET', `/instances/${instance.id}/events?${query}&pageSize=500`)).body as { id: string }[]).map((e) => e.id);
      assert.deepEqual(await listed('status=DISPATCHED'), [id]);
      assert.ok(!(await listed('status=NOTIFIED')).includes(id));
      assert.deepEqual(await listed('deliveryStatus=RETRYING'), [id]);
      assert.deepEqual(await listed('status=RETRYING'), [id], 'our delivery states still filter status');

      assert.equal((await apiCall(app, 'POST', `/instances/${instance.id}/events/${id}/redeliver`)).status, 200);
      const taken = await waitFor(() => receivedFor(message.id, 'CREATED'), 'the redelivery');
      await waitFor(async () => (await apiCall(app, 'GET', `/instances/events/${id}`)).body.status === 'NOTIFIED', 'NOTIFIED');
      assert.deepEqual((await apiCall(app, 'GET', `/instances/events/${id}`)).body.notifiedData, [taken.delivery.json]);
    });
  });
}
