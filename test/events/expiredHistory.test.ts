// Gmail's history expires (after about a week, sometimes hours); changes made meanwhile must still arrive.
// Changehook runs as a child process on SQLite and on PostgreSQL. Polling is held off (history.list
// fails), the mailbox changes (a message deleted, one starred, one trashed, one received, one left
// alone), the history is dropped, and Changehook is killed with SIGKILL while the recovery is reading
// the mailbox. After the restart, the receiver alone is the judge: each change arrived exactly once
// with the right eventType, nothing arrived for the untouched message, and polling goes on.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startGoogleEmulator, type GoogleEmulator } from '../../emulators/google/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/databases.ts';
import { databaseEnv, startServe, type ServeProcess } from '../support/cliProcess.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const ORG_SECRET = 'expired-history-organization-secret';
const USER_SECRET = 'expired-history-user-secret-000000';
const AUTH = `User ${USER_SECRET}, Organization ${ORG_SECRET}`;
const MAILBOX = 'gap@example.com';

for (const dialect of testDialects()) {
  describe(`expired history on ${dialect}`, () => {
    let emulator: GoogleEmulator | undefined;
    let receiver: WebhookReceiver | undefined;
    let database: TestDatabase | undefined;
    after(async () => {
      await serve?.kill();
      await emulator?.close();
      await receiver?.close();
      await database?.drop();
    });

    let serve: ServeProcess | undefined;
    function start(): Promise<string> {
      serve = startServe({
        PORT: '0',
        ...databaseEnv(database!),
        CHANGEHOOK_SANDBOX: '1',
        CHANGEHOOK_GOOGLE_BASE_URL: emulator!.baseUrl,
        CHANGEHOOK_ORG_SECRET: ORG_SECRET,
        CHANGEHOOK_USER_SECRET: USER_SECRET,
        // The killed process's lease on the poll must run out before the restarted one takes it over.
        CHANGEHOOK_LEASE_SECONDS: '3',
      });
      return serve.url;
    }

    test('deletions, label changes and new messages in the gap arrive once each, across a kill during the recovery', async () => {
      emulator = await startGoogleEmulator({ port: 0 });
      receiver = await new WebhookReceiver().start();
      database = await createTestDatabase(dialect);
      const control = emulator.control;
      await control.createMailbox(MAILBOX);
      const [deleted, starred, trashed, untouched, changedBefore, deletedBefore] = await Promise.all(
        ['to delete', 'to star', 'to trash', 'left alone', 'changed before the gap', 'deleted before the gap'].map((subject) => control.deliverMessage(MAILBOX, { from: 'a@example.com', subject, text: subject })),
      );

      let api = `${await start()}/elements/api-v2`;
      const call = async (method: string, route: string, body?: unknown, extraAuth = '') => {
        const response = await fetch(`${api}${route}`, {
          method,
          headers: { authorization: AUTH + extraAuth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        assert.ok(response.status < 300, `${method} ${route}: ${response.status} ${text}`);
        return text ? JSON.parse(text) : undefined;
      };
      const callback = 'https://auth.example.com/callback';
      const { oauthUrl } = await call('GET', `/elements/gmail/oauth/url?${new URLSearchParams({ apiKey: SANDBOX_CLIENT_ID, callbackUrl: callback })}`);
      const { code } = await approveConsent(oauthUrl, MAILBOX);
      const instance = await call('POST', '/instances', {
        element: { key: 'gmail' },
        providerData: { code },
        configuration: {
          'oauth.api.key': SANDBOX_CLIENT_ID,
          'oauth.api.secret': SANDBOX_CLIENT_SECRET,
          'oauth.callback.url': callback,
          'event.notification.enabled': true,
          'event.notification.callback.url': receiver.url,
          'event.poller.refresh_interval': '0.0167',
          'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
        },
        name: 'gap',
      });
      const resource = async () => (await call('GET', `/instances/${instance.id}`)).eventsPolling.resources[0];
      await waitFor(async () => (await resource()).baselineDate, 'the baseline');

      // Changes polled normally: the state kept for the recovery must include them.
      const hub = `, Element ${instance.token}`;
      const events = () => receiver!.deliveries.flatMap((delivery) => delivery.json.message.events as { objectId: string; eventType: string }[]);
      const of = (id: string) => events().filter((event) => event.objectId === id).map((event) => event.eventType);
      await call('PATCH', `/hubs/general/messages/${changedBefore.id}`, { addLabelIds: ['IMPORTANT'] }, hub);
      await call('DELETE', `/hubs/general/messages/${deletedBefore.id}`, undefined, hub);
      await waitFor(() => of(changedBefore.id).length > 0 && of(deletedBefore.id).length > 0, 'the changes before the gap');

      // Hold polling off, change the mailbox, drop its history.
      const hold = control.injectFault({ method: 'users.history.list', pathPattern: '/users/', status: 503, times: 100_000 });
      await waitFor(async () => (await resource()).consecutiveFailures >= 1, 'polls failing');
      await call('DELETE', `/hubs/general/messages/${deleted.id}`, undefined, hub);
      await call('PATCH', `/hubs/general/messages/${starred.id}`, { addLabelIds: ['STARRED'] }, hub);
      await call('POST', `/hubs/general/messages/${trashed.id}/trash`, undefined, hub);
      const received = await control.deliverMessage(MAILBOX, { from: 'b@example.com', subject: 'in the gap', text: 'new' });
      control.expireHistory(MAILBOX);

      // Let the recovery start, and kill Changehook while its snapshot waits on Gmail.
      const slowListing = control.injectFault({ method: 'users.messages.list', pathPattern: '/users/', latencyMs: 60_000, times: 1 });
      control.removeFault(hold.id);
      await waitFor(() => !control.listFaults().some((fault) => fault.id === slowListing.id), 'the recovery reading the mailbox');
      await serve!.kill();
      control.clearFaults();
      assert.deepEqual(events().map((event) => event.objectId).sort(), [changedBefore.id, deletedBefore.id].sort(), 'nothing of the gap was delivered before the kill');

      api = `${await start()}/elements/api-v2`;
      await waitFor(() => of(deleted.id).length > 0 && of(starred.id).length > 0 && of(trashed.id).length > 0 && of(received.id).length > 0, 'the changes of the gap', 60_000);
      // A change after the recovery arriving proves polling went on past it (and that nothing more is coming from it).
      const later = await control.deliverMessage(MAILBOX, { from: 'c@example.com', subject: 'after', text: 'after' });
      await waitFor(() => of(later.id).length > 0, 'a change after the recovery');

      assert.deepEqual(of(deleted.id), ['DELETED']);
      assert.deepEqual(of(starred.id), ['UPDATED']);
      assert.deepEqual(of(trashed.id), ['UPDATED']);
      assert.deepEqual(of(received.id), ['CREATED']);
      assert.deepEqual(of(untouched.id), []);
      assert.deepEqual(of(changedBefore.id), ['UPDATED'], 'a change delivered before the gap is not delivered again');
      assert.deepEqual(of(deletedBefore.id), ['DELETED'], 'a deletion delivered before the gap is not delivered again');
      assert.deepEqual(of(later.id), ['CREATED']);
      const records = receiver.deliveries.flatMap((delivery) => delivery.json.message.raw['changed-messages'] as { id: string; labelIds: string[] }[]);
      assert.ok(records.find((record) => record.id === starred.id)?.labelIds.includes('STARRED'), 'the UPDATED record shows the state after the change');
      assert.ok(records.find((record) => record.id === trashed.id)?.labelIds.includes('TRASH'), 'the trashed record shows its trash label');
    });
  });
}
