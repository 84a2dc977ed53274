// Outlook Email events end to end: the app (sandbox intervals), the Microsoft emulator and a local
// receiver, on SQLite and PostgreSQL. An instance is created as a client creates one (OAuth URL,
// consent at the emulator, POST /instances) and polls changed-messages. Ground truth is what the
// emulator was asked to do and what the receiver got: CREATED / UPDATED / DELETED (a move between
// watched folders an UPDATED), every delivery verified with the standardwebhooks package; an expired
// delta state recovered without losing the changes made meanwhile (a poll URL narrowed to the Inbox
// recovered from the Inbox alone); throttling waited out; revoked consent marks the instance invalid.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../support/databases.ts';
import { apiCall, type TestApp } from '../support/testApp.ts';
import { verifyDelivery, waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';
import type { MicrosoftEmulator } from '../../emulators/microsoft/index.ts';
import { createOutlookInstance, startOutlookApp } from '../elements/outlook/outlookFixture.ts';

const SIGNATURE_KEY = 'outlook-receiver-signature-key';

for (const dialect of testDialects()) {
  describe(`Outlook events on ${dialect}`, () => {
    let app: TestApp & { microsoft: MicrosoftEmulator };
    let receiver: WebhookReceiver;
    let instance: { id: number; token: string };
    let webhookSecret: string;
    const mailbox = 'outlook-events@example.com';
    const existing: string[] = [];
    const control = () => app.microsoft.control;

    before(async () => {
      app = await startOutlookApp(dialect, { CHANGEHOOK_SANDBOX: '1' });
      receiver = await new WebhookReceiver().start();
      control().createMailbox(mailbox);
      for (const subject of ['old one', 'old two', 'old three']) existing.push(control().deliverMessage(mailbox, { subject }));
      instance = await createOutlookInstance(app, mailbox, {
        'event.notification.callback.url': receiver.url,
        'event.notification.signature.key': SIGNATURE_KEY,
        'event.poller.refresh_interval': '0.0167',
      });
      webhookSecret = (await apiCall(app, 'GET', `/instances/${instance.id}/webhook-secret`)).body.secret;
      await waitFor(async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources.every((r: { baselineDate: string | null }) => r.baselineDate), 'the baseline');
    });
    after(async () => {
      await app?.close();
      await receiver?.close();
    });

    const events = (objectId: string) => receiver.events().filter((e) => e.objectType === 'changed-messages' && e.objectId === objectId).map((e) => e.eventType);
    const shown = async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body;

    test('creates the instance through the OAuth URL and consent, for the consenting account', async () => {
      const body = await shown();
      assert.equal(body.element.key, 'outlookemail');
      assert.equal(body.valid, true);
      assert.equal(body.providerAccount, mailbox, 'the account GET /me names');
    });

    test('the first poll is a baseline, then a new message is CREATED', async () => {
      const message = control().deliverMessage(mailbox, { subject: 'after the baseline' });
      await waitFor(() => events(message).length > 0, 'CREATED');
      assert.deepEqual(events(message), ['CREATED']);
      for (const id of existing) assert.deepEqual(events(id), [], `message ${id} from before the baseline`);
    });

    test('read, moved to the archive (through the hub), flagged, moved out of the watched folders: UPDATED, UPDATED, UPDATED, DELETED', async () => {
      const message = control().deliverMessage(mailbox, { subject: 'lifecycle' });
      await waitFor(() => events(message).length === 1, 'CREATED');
      const expected = ['CREATED'];
      const steps: [string, () => Promise<void> | void][] = [
        ['UPDATED', () => control().updateMessage(mailbox, message, { isRead: true })],
        [
          'UPDATED',
          async () => {
            const moved = await apiCall({ api: app.api, auth: `${app.auth}, Element ${instance.token}` }, 'POST', `/hubs/general/messages/${encodeURIComponent(message)}/move`, { folderId: 'archive' });
            assert.equal(moved.status, 200, JSON.stringify(moved.body));
          },
        ],
        ['UPDATED', () => control().updateMessage(mailbox, message, { flagStatus: 'flagged' })],
        ['DELETED', () => control().moveMessage(mailbox, message, 'outbox')],
      ];
      for (const [eventType, step] of steps) {
        await step();
        expected.push(eventType);
        await waitFor(() => events(message).length === expected.length, `${eventType} (${expected.length})`);
        assert.deepEqual(events(message), expected);
      }
      const deleted = control().deliverMessage(mailbox, { subject: 'deleted outright' });
      await waitFor(() => events(deleted).length === 1, 'CREATED');
      control().deleteMessage(mailbox, deleted);
      await waitFor(() => events(deleted).length === 2, 'DELETED');
      assert.deepEqual(events(deleted), ['CREATED', 'DELETED']);
    });

    test('an expired delta state is recovered without losing the changes made meanwhile', async () => {
      const [toRead, toDelete, untouched] = ['gap read', 'gap delete', 'gap untouched'].map((subject) => control().deliverMessage(mailbox, { subject }));
      await waitFor(() => [toRead, toDelete, untouched].every((id) => events(id!).length === 1), 'the three CREATED');
      control().clearCalls();
      // One tick: no poll runs between these changes and the delta state's loss.
      control().updateMessage(mailbox, toRead!, { isRead: true });
      control().deleteMessage(mailbox, toDelete!);
      const arrived = control().deliverMessage(mailbox, { subject: 'gap new' });
      control().expireDeltaTokens(mailbox);
      await waitFor(() => events(toRead!).length === 2 && events(toDelete!).length === 2 && events(arrived).length === 1, 'the gap’s changes');
      assert.deepEqual(events(toRead!), ['CREATED', 'UPDATED']);
      assert.deepEqual(events(toDelete!), ['CREATED', 'DELETED']);
      assert.deepEqual(events(arrived), ['CREATED']);
      assert.deepEqual(events(untouched!), ['CREATED'], 'nothing for the untouched message');
      assert.ok(control().calls({ mailbox }).some((call) => call.status === 410), 'Graph said the delta state was gone');
      // Polling goes on from a fresh baseline.
      const after = control().deliverMessage(mailbox, { subject: 'after the recovery' });
      await waitFor(() => events(after).length === 1, 'CREATED after the recovery');
    });

    test('throttling (429 ApplicationThrottled with Retry-After) is waited out and loses nothing', async () => {
      control().clearCalls();
      control().injectFault({ method: 'GET', pathPattern: '/messages/delta', status: 429, code: 'ApplicationThrottled', retryAfterSeconds: 1, times: 3 });
      const message = control().deliverMessage(mailbox, { subject: 'while throttled' });
      await waitFor(() => events(message).length === 1, 'CREATED despite throttling');
      assert.deepEqual(events(message), ['CREATED']);
      // (An injected fault answers before the token is read: the log names no mailbox for it.)
      assert.equal(control().calls().filter((call) => call.path.endsWith('/messages/delta') && call.status === 429).length, 3);
      assert.equal(control().listFaults().length, 0);
    });

    test('every delivery is a Cloud Elements envelope signed both ways (standardwebhooks verifies it)', async () => {
      assert.ok(receiver.deliveries.length > 0);
      for (const delivery of receiver.deliveries) {
        verifyDelivery(delivery, webhookSecret, SIGNATURE_KEY);
        assert.equal(delivery.json.message.elementKey, 'outlookemail');
        assert.equal(delivery.json.message.instanceId, instance.id);
        for (const event of delivery.json.message.events) assert.equal(event.hubKey, 'general');
      }
      const ids = receiver.events().map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, 'no event delivered twice');
    });

    test('a poll URL watching the Inbox only: its recovery snapshot reads the Inbox only too', async () => {
      const narrow = 'outlook-inbox-only@example.com';
      control().createMailbox(narrow);
      const [inInbox, inArchive] = [control().deliverMessage(narrow, { subject: 'inbox' }), control().deliverMessage(narrow, { subject: 'archive', folder: 'archive' })];
      const other = await createOutlookInstance(app, narrow, {
        'event.notification.callback.url': receiver.url,
        'event.poller.refresh_interval': '0.0167',
        'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages?folders=inbox', idField: 'id' } },
      });
      const ready = async () => (await apiCall(app, 'GET', `/instances/${other.id}`)).body.eventsPolling.resources.every((r: { lastSuccessDate: string | null }) => r.lastSuccessDate);
      await waitFor(ready, 'the baseline');
      control().clearCalls();
      // One tick: the gap holds a change in each folder and a new message in the archive.
      control().updateMessage(narrow, inInbox, { isRead: true });
      control().updateMessage(narrow, inArchive, { isRead: true });
      const newInArchive = control().deliverMessage(narrow, { subject: 'new in the archive', folder: 'archive' });
      control().expireDeltaTokens(narrow);
      await waitFor(() => events(inInbox).length === 1, 'the Inbox change, recovered');
      assert.ok(control().calls({ mailbox: narrow }).some((call) => call.status === 410), 'Graph said the delta state was gone');
      const marker = control().deliverMessage(narrow, { subject: 'after the recovery' });
      await waitFor(() => events(marker).length === 1, 'CREATED after the recovery');
      assert.deepEqual(events(inInbox), ['UPDATED']);
      assert.deepEqual([...events(inArchive), ...events(newInArchive)], [], 'nothing from the archive, which the poll URL does not watch');
      const paths = new Set(control().calls({ mailbox: narrow }).map((call) => call.path));
      assert.equal([...paths].some((path) => /archive/i.test(path)), false, `no call read the archive: ${[...paths].join(' ')}`);
    });

    test('revoked consent marks the instance invalid and pauses its polling', async () => {
      control().revokeGrants(mailbox);
      control().expireAccessTokens(mailbox);
      await waitFor(async () => (await shown()).valid === false, 'invalid', 30_000);
      assert.match((await shown()).invalidReason, /invalid_grant/);
      await waitFor(async () => (await shown()).eventsPolling.resources[0].nextPollDate === null, 'polling paused');
    });
  });
}
