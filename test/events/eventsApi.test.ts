// The events API's filters and paging (GET /instances/events and /instances/{id}/events: eventType,
// objectType, from, to, pageSize, nextPage) over real events: mailbox changes made through the emulator
// and the hub, polled every second, delivered to a receiver. What each query returns is checked against
// what the receiver got, the ground truth: the events of each notification, by instance.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../support/databases.ts';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

interface Received {
  id: string;
  instanceId: number;
  eventType: string;
  objectType: string;
  objectId: string;
}

interface Listed {
  id: string;
  instanceId: number;
  eventType: string;
  objectType: string;
  createdDate: string;
}

for (const dialect of testDialects()) {
  describe(`the events API on ${dialect}`, () => {
    let app: TestApp;
    let receiver: WebhookReceiver;
    let first: { id: number; token: string };
    let second: { id: number; token: string };
    /** Events received before the boundary, and the boundary (epoch ms): created before it, or after. */
    let earlier: Set<string>;
    let boundary: number;

    /** Every event the receiver got, with the instance its notification was for. */
    function received(): Received[] {
      return receiver.deliveries.flatMap((d) => (d.json.message.events as Omit<Received, 'instanceId'>[]).map((e) => ({ ...e, instanceId: d.json.message.instanceId as number })));
    }
    const ids = (events: { id: string }[]) => events.map((e) => e.id).sort();
    const has = (objectType: string, objectId: string, eventType: string) => received().some((e) => e.objectType === objectType && e.objectId === objectId && e.eventType === eventType);

    async function list(path: string): Promise<Listed[]> {
      const response = await apiCall(app, 'GET', path);
      assert.equal(response.status, 200, `${path}: ${JSON.stringify(response.body)}`);
      assert.equal(response.headers.get('elements-next-page-token'), null, `${path} fits one page`);
      return response.body as Listed[];
    }

    /** Every page of a listing, following nextPage; checks each page's size and the newest-first order. */
    async function pages(path: string, pageSize: number): Promise<{ events: Listed[]; pages: number }> {
      const events: Listed[] = [];
      let token: string | null = null;
      let count = 0;
      do {
        const separator = path.includes('?') ? '&' : '?';
        const response = await apiCall(app, 'GET', `${path}${separator}pageSize=${pageSize}${token ? `&nextPage=${encodeURIComponent(token)}` : ''}`);
        assert.equal(response.status, 200, JSON.stringify(response.body));
        const page = response.body as Listed[];
        count += 1;
        token = response.headers.get('elements-next-page-token');
        assert.ok(page.length <= pageSize, `page ${count} holds ${page.length} events`);
        if (token) assert.equal(page.length, pageSize, `page ${count} is full, yet not the last`);
        events.push(...page);
        assert.ok(count <= 100, 'the pages never end');
      } while (token);
      for (let i = 1; i < events.length; i += 1) {
        assert.ok(Date.parse(events[i - 1]!.createdDate) >= Date.parse(events[i]!.createdDate), 'newest first');
      }
      return { events, pages: count };
    }

    before(async () => {
      app = await startTestApp(dialect, { CHANGEHOOK_SANDBOX: '1' });
      receiver = await new WebhookReceiver().start();
      const configuration = (resources: Record<string, unknown>) => ({
        configuration: { 'event.notification.callback.url': receiver.url, 'event.poller.refresh_interval': '0.0167', 'event.poller.configuration': resources },
      });
      const changedMessages = { url: '/hubs/general/changed-messages', idField: 'id' };
      first = await createInstance(app, 'filters-one@example.com', configuration({ 'changed-messages': changedMessages, labels: { url: '/hubs/general/labels', idField: 'id' } }));
      second = await createInstance(app, 'filters-two@example.com', configuration({ 'changed-messages': changedMessages }));
      for (const instance of [first, second]) {
        await waitFor(async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources.every((r: { baselineDate: string | null }) => r.baselineDate), 'baselines');
      }
      const hub = (method: string, path: string, body?: unknown) => apiCall({ api: app.api, auth: `${app.auth}, Element ${first.token}` }, method, `/hubs/general${path}`, body);

      // Before the boundary: CREATED and UPDATED of a message and a label's CREATED on the first instance,
      // a CREATED on the second.
      const kept = await app.emulator.control.deliverMessage('filters-one@example.com', { subject: 'kept, then starred' });
      const doomed = await app.emulator.control.deliverMessage('filters-one@example.com', { subject: 'deleted after the boundary' });
      const other = await app.emulator.control.deliverMessage('filters-two@example.com', { subject: 'the other instance' });
      const label = await hub('POST', '/labels', { name: 'Filters' });
      assert.equal(label.status, 200, JSON.stringify(label.body));
      await waitFor(() => has('changed-messages', kept.id, 'CREATED') && has('changed-messages', doomed.id, 'CREATED') && has('changed-messages', other.id, 'CREATED') && has('labels', label.body.id, 'CREATED'), 'the first changes');
      assert.ok((await hub('PATCH', `/messages/${kept.id}`, { addLabelIds: ['STARRED'] })).status < 300);
      await waitFor(() => has('changed-messages', kept.id, 'UPDATED'), 'the star');

      // The boundary: every event so far was created (and delivered) before it, every later one after it.
      earlier = new Set(received().map((e) => e.id));
      boundary = Date.now() + 1;
      await waitFor(() => Date.now() > boundary, 'the clock past the boundary');

      // After it: a DELETED, a CREATED and a label's DELETED on the first instance, a CREATED on the second.
      assert.ok((await hub('DELETE', `/messages/${doomed.id}`)).status < 300);
      const late = await app.emulator.control.deliverMessage('filters-one@example.com', { subject: 'after the boundary' });
      const otherLate = await app.emulator.control.deliverMessage('filters-two@example.com', { subject: 'the other instance, later' });
      assert.ok((await hub('DELETE', `/labels/${label.body.id}`)).status < 300);
      await waitFor(() => has('changed-messages', doomed.id, 'DELETED') && has('changed-messages', late.id, 'CREATED') && has('changed-messages', otherLate.id, 'CREATED') && has('labels', label.body.id, 'DELETED'), 'the later changes');
      // Settled: the store holds exactly the events the receiver got.
      await waitFor(async () => ids((await apiCall(app, 'GET', '/instances/events?pageSize=500')).body).join() === ids(received()).join(), 'every stored event delivered');
    });
    after(async () => {
      await app?.close();
      await receiver?.close();
    });

    test('the setup made every kind of event, before and after the boundary, on both instances', () => {
      const all = received();
      for (const eventType of ['CREATED', 'UPDATED', 'DELETED']) assert.ok(all.some((e) => e.instanceId === first.id && e.eventType === eventType), eventType);
      assert.ok(all.some((e) => e.instanceId === first.id && e.objectType === 'labels'));
      assert.ok(all.some((e) => e.instanceId === second.id));
      assert.ok(all.some((e) => earlier.has(e.id)) && all.some((e) => !earlier.has(e.id)));
    });

    test('eventType and objectType select exactly the matching events', async () => {
      const mine = received().filter((e) => e.instanceId === first.id);
      for (const eventType of ['CREATED', 'UPDATED', 'DELETED']) {
        assert.deepEqual(ids(await list(`/instances/${first.id}/events?eventType=${eventType}&pageSize=500`)), ids(mine.filter((e) => e.eventType === eventType)), eventType);
      }
      for (const objectType of ['labels', 'changed-messages']) {
        assert.deepEqual(ids(await list(`/instances/${first.id}/events?objectType=${objectType}&pageSize=500`)), ids(mine.filter((e) => e.objectType === objectType)), objectType);
      }
      // Over the organization: both instances.
      assert.deepEqual(ids(await list('/instances/events?objectType=changed-messages&pageSize=500')), ids(received().filter((e) => e.objectType === 'changed-messages')));
      assert.deepEqual(ids(await list('/instances/events?eventType=CREATED&objectType=labels&pageSize=500')), ids(received().filter((e) => e.eventType === 'CREATED' && e.objectType === 'labels')));
      assert.deepEqual(await list('/instances/events?objectType=no-such-resource'), []);
    });

    test('from (inclusive) and to (exclusive) split the events at a time, as epoch ms or ISO-8601', async () => {
      const mine = received().filter((e) => e.instanceId === first.id);
      const before = mine.filter((e) => earlier.has(e.id));
      const since = mine.filter((e) => !earlier.has(e.id));
      assert.deepEqual(ids(await list(`/instances/${first.id}/events?to=${boundary}&pageSize=500`)), ids(before));
      assert.deepEqual(ids(await list(`/instances/${first.id}/events?from=${boundary}&pageSize=500`)), ids(since));
      assert.deepEqual(ids(await list(`/instances/${first.id}/events?from=${new Date(boundary).toISOString()}&pageSize=500`)), ids(since));
      assert.deepEqual(await list(`/instances/${first.id}/events?from=${boundary}&to=${boundary}`), []);
      // With the other filters, over the organization.
      const all = received();
      assert.deepEqual(
        ids(await list(`/instances/events?eventType=CREATED&from=${boundary}&pageSize=500`)),
        ids(all.filter((e) => e.eventType === 'CREATED' && !earlier.has(e.id))),
      );
      assert.deepEqual(ids(await list(`/instances/${second.id}/events?to=${boundary}&pageSize=500`)), ids(all.filter((e) => e.instanceId === second.id && earlier.has(e.id))));
    });

    test('nextPage walks every event once, newest first, with or without filters', async () => {
      const all = received();
      const everything = await pages('/instances/events', 2);
      assert.equal(new Set(everything.events.map((e) => e.id)).size, everything.events.length, 'no event on two pages');
      assert.deepEqual(ids(everything.events), ids(all));
      assert.equal(everything.pages, Math.ceil(all.length / 2), 'the last full page says it is the last');

      const mine = await pages(`/instances/${first.id}/events?eventType=CREATED`, 1);
      assert.deepEqual(ids(mine.events), ids(all.filter((e) => e.instanceId === first.id && e.eventType === 'CREATED')));
      assert.equal(mine.pages, mine.events.length);

      const since = await pages(`/instances/events?from=${boundary}`, 3);
      assert.deepEqual(ids(since.events), ids(all.filter((e) => !earlier.has(e.id))));
    });
  });
}
