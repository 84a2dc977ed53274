// A poll's commit, with the product's poll workers over a real store, the emulator and a receiver:
//   - only while the lease is held: a poller that stalls past its lease (a long GC pause, a frozen VM)
//     must not commit what it read once another worker has taken the poll over — its commit finds the
//     lease gone (LeaseLost) and writes nothing, so its stale reading never becomes a second event;
//   - all or nothing: a failure after the events were written, inside the commit, leaves no event, no
//     notification and the old cursor; the repeated poll then emits each change exactly once.
// Time is the workers' injected clocks; what arrived is the receiver's, the ground truth.

import assert from 'node:assert/strict';
import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { DeliveryWorker } from '../../src/events/delivery/deliveryWorker.ts';
import { PollWorker, type PollResult } from '../../src/events/poller/pollWorker.ts';
import type { HubExecutor } from '../../src/events/poller/resourcePoller.ts';
import type { Database } from '../../src/store/index.ts';
import { testDialects } from '../support/databases.ts';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const LEASE_MS = 60_000;

/** Fails the first INSERT INTO events after it is armed — once the statement has run, inside its transaction. */
class FailAfterEventsInsert implements KyselyPlugin {
  armed = false;
  fired = 0;
  private readonly eventInserts = new WeakSet<object>();

  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === 'events') this.eventInserts.add(queryId);
    return node;
  }

  async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.armed && this.eventInserts.has(queryId)) {
      this.armed = false;
      this.fired += 1;
      throw new Error('injected failure: the events are written, the commit has not completed');
    }
    return result;
  }
}

for (const dialect of testDialects()) {
  describe(`a poll's commit on ${dialect}`, () => {
    let app: TestApp;
    let receiver: WebhookReceiver;
    let dispatcher: DeliveryWorker;

    before(async () => {
      // The API only: the tests run the workers.
      app = await startTestApp(dialect, { CHANGEHOOK_SANDBOX: '1' }, { role: 'api' });
      receiver = await new WebhookReceiver().start();
      const { store, keyring } = app.server.services;
      dispatcher = new DeliveryWorker({ db: store.db, keyring, logger: pino({ level: 'silent' }), allowPrivateCallbacks: true, idleWaitMs: 20 });
      dispatcher.start();
    });
    after(async () => {
      await dispatcher?.stop();
      await app?.close();
      await receiver?.close();
    });

    async function connect(mailbox: string) {
      return createInstance(app, mailbox, { configuration: { 'event.notification.callback.url': receiver.url, 'event.poller.refresh_interval': '0.0167' } });
    }

    const baseline = (instanceId: number) =>
      waitFor(async () => (await apiCall(app, 'GET', `/instances/${instanceId}`)).body.eventsPolling.resources[0]?.baselineDate, 'baseline');

    /** A poll worker of the product with its own clock (and, optionally, Gmail answers and database handle). */
    function pollWorker(options: { hubs?: HubExecutor; clock?: { offset: number }; db?: Kysely<Database> } = {}) {
      const seen = { results: [] as PollResult[], takeovers: 0 };
      const { store, elements, hubs } = app.server.services;
      const clock = options.clock ?? { offset: 0 };
      const worker = new PollWorker({
        db: options.db ?? store.db,
        hubs: options.hubs ?? hubs,
        elements,
        logger: pino({ level: 'silent' }),
        pollingFailureLimit: 100,
        leaseMs: LEASE_MS,
        idleWaitMs: 20,
        now: () => Date.now() + clock.offset,
        observer: {
          polled: (_kind, result) => void seen.results.push(result),
          leaseTakenOver: () => {
            seen.takeovers += 1;
          },
          started: () => undefined,
          captured: () => undefined,
        },
      });
      worker.start();
      return { worker, seen };
    }

    const delivered = (objectId: string) => receiver.events().filter((e) => e.objectType === 'changed-messages' && e.objectId === objectId);
    const storedEvents = async (instanceId: number) =>
      (await apiCall(app, 'GET', `/instances/${instanceId}/events?pageSize=500`)).body as { objectId: string; sequence: number; deliveryStatus: string }[];

    /** A last change: once it is delivered, so is everything committed before it. */
    async function settle(mailbox: string, instanceId: number): Promise<string> {
      const marker = await app.emulator.control.deliverMessage(mailbox, { subject: 'marker' });
      await waitFor(() => delivered(marker.id).length > 0, 'the marker');
      await waitFor(async () => (await storedEvents(instanceId)).every((e) => e.deliveryStatus === 'DELIVERED'), 'nothing left to deliver');
      return marker.id;
    }

    test('a stalled poller whose lease was taken over commits nothing: each change is one event, delivered once', async () => {
      const mailbox = `stalled-${dialect}@example.com`;
      const instance = await connect(mailbox);
      // The first worker's Gmail answers pass through the test, which can hold one back: the stall.
      const { hubs } = app.server.services;
      let stallOn: string | undefined;
      let stalled = () => {};
      const isStalled = new Promise<void>((resolve) => (stalled = resolve));
      let resume = () => {};
      const resumed = new Promise<void>((resolve) => (resume = resolve));
      const stalling: HubExecutor = {
        async execute(row, request) {
          const response = await hubs.execute(row, request);
          if (stallOn !== undefined && request.path === '/changed-messages' && JSON.stringify(response.body).includes(stallOn)) {
            stallOn = undefined;
            stalled();
            await resumed;
          }
          return response;
        },
      };
      const first = pollWorker({ hubs: stalling });
      let second: ReturnType<typeof pollWorker> | undefined;
      try {
        await baseline(instance.id);
        // A new message: the first worker reads it, then stalls before committing.
        const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'read by the stalled worker' });
        stallOn = message.id;
        await isStalled;

        // Meanwhile the message changes (a new history id), another arrives, and a second worker — to
        // which the first one's lease has run out — takes the poll over and commits both.
        const starred = await apiCall({ api: app.api, auth: `${app.auth}, Element ${instance.token}` }, 'PATCH', `/hubs/general/messages/${message.id}`, { addLabelIds: ['STARRED'] });
        assert.ok(starred.status < 300, JSON.stringify(starred.body));
        const later = await app.emulator.control.deliverMessage(mailbox, { subject: 'arrived during the stall' });
        second = pollWorker({ clock: { offset: LEASE_MS * 2 } });
        await waitFor(() => delivered(message.id).length > 0 && delivered(later.id).length > 0, 'both messages through the second worker');
        assert.equal(second.seen.takeovers, 1, 'the second worker took the stalled one’s lease over');

        // The stall ends: the first worker's commit of its stale reading must fail, and write nothing.
        const endedBefore = first.seen.results.length;
        resume();
        await waitFor(() => first.seen.results.length > endedBefore, 'the stalled poll ended');
        const marker = await settle(mailbox, instance.id);

        for (const id of [message.id, later.id, marker]) {
          assert.deepEqual(delivered(id).map((e) => e.eventType), ['CREATED'], `message ${id} delivered once`);
        }
        const record = receiver.deliveries.flatMap((d) => (d.json.message.raw['changed-messages'] ?? []) as { id: string; labelIds: string[] }[]).find((r) => r.id === message.id);
        assert.ok(record?.labelIds.includes('STARRED'), 'the event shows the state read after the stall, not the stale one');
        assert.deepEqual((await storedEvents(instance.id)).map((e) => e.objectId).sort(), [message.id, later.id, marker].sort(), 'one stored event per change');
        assert.equal(first.seen.results[endedBefore], 'failure', 'the stalled poll’s commit was refused');
      } finally {
        resume();
        await first.worker.stop();
        await second?.worker.stop();
      }
    });

    test('a failure after the events were written commits nothing; the repeated poll emits each change once', async () => {
      const mailbox = `atomic-${dialect}@example.com`;
      const instance = await connect(mailbox);
      const { db } = app.server.services.store;
      const failing = new FailAfterEventsInsert();
      const clock = { offset: 0 };
      const poller = pollWorker({ db: db.withPlugin(failing), clock });
      try {
        await baseline(instance.id);
        const schedule = () => db.selectFrom('poll_schedules').select(['cursor', 'consecutive_failures']).where('instance_id', '=', instance.id).executeTakeFirstOrThrow();
        const sequence = async () => Number((await db.selectFrom('instances').select('event_sequence').where('id', '=', instance.id).executeTakeFirstOrThrow()).event_sequence);
        const cursorBefore = (await schedule()).cursor;

        failing.armed = true;
        const messages: string[] = [];
        for (const subject of ['one', 'two', 'three']) messages.push((await app.emulator.control.deliverMessage(mailbox, { subject })).id);
        await waitFor(async () => failing.fired === 1 && (await schedule()).consecutive_failures === 1, 'the poll failed inside its commit');

        // Nothing of it stayed: no event, no notification, no sequence number used, the old cursor.
        assert.deepEqual(await storedEvents(instance.id), []);
        const notifications = await db.selectFrom('notifications').select('id').where('instance_id', '=', instance.id).execute();
        assert.deepEqual(notifications, []);
        assert.equal(await sequence(), 0);
        assert.equal((await schedule()).cursor, cursorBefore, 'the cursor did not move');

        // The retry is due after a back-off (a few seconds): the worker's clock moves past it.
        clock.offset += 60_000;
        await waitFor(() => messages.every((id) => delivered(id).length > 0), 'the changes, from the repeated poll');
        const marker = await settle(mailbox, instance.id);
        for (const id of messages) assert.deepEqual(delivered(id).map((e) => e.eventType), ['CREATED'], `message ${id} delivered once`);
        const stored = await storedEvents(instance.id);
        assert.deepEqual(stored.map((e) => e.objectId).sort(), [...messages, marker].sort(), 'one stored event per change');
        assert.deepEqual(stored.map((e) => e.sequence).sort((a, b) => a - b), [1, 2, 3, 4], 'no sequence number was used up by the failed commit');
      } finally {
        await poller.worker.stop();
      }
    });
  });
}
