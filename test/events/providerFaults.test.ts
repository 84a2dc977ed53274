// Provider faults while polling: 5xx and 429 on history.list, an expired access token (answered 401,
// refreshed: both counted outside the poller, by the emulator and the metrics), an expired
// history id (resynchronized without losing the message received in the gap), repeated failures
// disabling polling until a PATCH, and a revoked grant pausing polling with the reason shown.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

describe('polling through provider faults', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;

  before(async () => {
    app = await startTestApp('sqlite', { CHANGEHOOK_SANDBOX: '1', CHANGEHOOK_POLLING_FAILURE_LIMIT: '4' });
    receiver = await new WebhookReceiver().start();
  });
  after(async () => {
    await app.close();
    await receiver.close();
  });

  async function connect(mailbox: string) {
    const instance = await createInstance(app, mailbox, {
      configuration: { 'event.notification.callback.url': receiver.url, 'event.poller.refresh_interval': '0.0167' },
    });
    await waitFor(async () => (await apiCall(app, 'GET', `/instances/${instance.id}`)).body.eventsPolling.resources[0]?.baselineDate, 'baseline');
    return instance;
  }
  const health = async (id: number) => (await apiCall(app, 'GET', `/instances/${id}`)).body;
  /** How many Gmail answers with this status the product counted (its /metrics). */
  async function providerAnswers(status: string): Promise<number> {
    const text = await app.server.services.metrics.scrape();
    return text
      .split('\n')
      .filter((line) => line.startsWith('changehook_provider_calls_total{') && line.includes(`status="${status}"`))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  }
  const delivered = (messageId: string) => receiver.events().filter((e) => e.objectId === messageId);

  for (const [name, fault] of [
    ['500 backendError', { status: 500, reason: 'backendError' }],
    ['429 rateLimitExceeded with Retry-After', { status: 429, reason: 'rateLimitExceeded', retryAfterSeconds: 1 }],
    ['a dropped connection', { dropConnection: true }],
  ] as const) {
    test(`${name} on history.list: the poll fails visibly, then the change arrives exactly once`, async () => {
      const mailbox = `fault-${name.split(' ')[0]}@example.com`;
      const instance = await connect(mailbox);
      app.emulator.control.injectFault({ method: 'users.history.list', pathPattern: `/users/`, ...fault, times: 1000 });
      const message = await app.emulator.control.deliverMessage(mailbox, { subject: name });
      await waitFor(async () => (await health(instance.id)).eventsPolling.resources[0].lastError, 'a failed poll recorded');
      assert.equal(delivered(message.id).length, 0);
      app.emulator.control.clearFaults();
      await waitFor(() => delivered(message.id).length > 0, 'the change after the fault', 30_000);
      assert.deepEqual(delivered(message.id).map((e) => e.eventType), ['CREATED']);
      await waitFor(async () => (await health(instance.id)).eventsPolling.resources[0].lastError === null, 'health back to normal');
    });
  }

  test('an expired access token is answered 401, refreshed, and polling goes on', async () => {
    const mailbox = 'expired-token@example.com';
    await connect(mailbox);
    // The token endpoint's calls, counted by the emulator: a pass-through fault (no delay, no error) is
    // used up by each request it matches.
    const tokenCalls = app.emulator.control.injectFault({ method: 'POST', pathPattern: /^\/token(\?|$)/, latencyMs: 0, times: 1_000_000 });
    const refreshes = () => 1_000_000 - (app.emulator.control.listFaults().find((f) => f.id === tokenCalls.id)?.remaining ?? 1_000_000);
    const unauthorizedBefore = await providerAnswers('401');
    const servedBefore = app.emulator.control.quota(mailbox).requests['gmail.users.history.list'] ?? 0;

    assert.ok(app.emulator.control.expireAccessTokens(mailbox) >= 1, 'the instance held an access token, now expired');
    const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'after expiry' });
    await waitFor(() => delivered(message.id).length === 1, 'the change after a token refresh');
    const refreshed = refreshes();
    app.emulator.control.removeFault(tokenCalls.id);

    assert.ok(refreshed >= 1, 'no token refresh reached Google');
    assert.ok((await providerAnswers('401')) > unauthorizedBefore, 'no Gmail call was answered 401');
    assert.ok((app.emulator.control.quota(mailbox).requests['gmail.users.history.list'] ?? 0) > servedBefore, 'Gmail served the poll after the refresh');
  });

  test('an expired history id: the message received in the gap still arrives', async () => {
    const mailbox = 'expired-history@example.com';
    const instance = await connect(mailbox);
    // Hold polling off with a fault, let a message arrive, then drop the mailbox's history.
    app.emulator.control.injectFault({ method: 'users.history.list', pathPattern: '/users/', status: 503, times: 1000 });
    const inGap = await app.emulator.control.deliverMessage(mailbox, { subject: 'in the gap' });
    await waitFor(async () => (await health(instance.id)).eventsPolling.resources[0].consecutiveFailures >= 1, 'polls failing');
    app.emulator.control.expireHistory(mailbox);
    app.emulator.control.clearFaults();
    await waitFor(() => delivered(inGap.id).length === 1, 'the gap message', 30_000);
    assert.deepEqual(delivered(inGap.id).map((e) => e.eventType), ['CREATED']);
    const after = await app.emulator.control.deliverMessage(mailbox, { subject: 'after resync' });
    await waitFor(() => delivered(after.id).length === 1, 'changes after the resynchronization');
  });

  test('repeated failures disable polling; it is listed, and a PATCH resumes it', async () => {
    const mailbox = 'disabled@example.com';
    const instance = await connect(mailbox);
    app.emulator.control.injectFault({ method: 'users.history.list', pathPattern: '/users/', status: 500, times: 1000 });
    await waitFor(async () => (await health(instance.id)).eventsPolling.disabled, 'polling disabled', 60_000);
    const shown = await health(instance.id);
    assert.match(shown.eventsPolling.disabledReason, /4 consecutive failed polls/);
    assert.equal(shown.eventsPolling.resources[0].nextPollDate, null);
    const listed = await apiCall(app, 'GET', '/instances/polling-disabled');
    assert.ok(listed.body.some((i: { id: number }) => i.id === instance.id));

    app.emulator.control.clearFaults();
    const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'while disabled' });
    assert.equal((await apiCall(app, 'PATCH', `/instances/${instance.id}`, {})).status, 200);
    assert.equal((await health(instance.id)).eventsPolling.disabled, false);
    await waitFor(() => delivered(message.id).length === 1, 'the change made while disabled, once resumed');
  });

  test('a revoked grant marks the instance invalid and pauses its polling with the reason', async () => {
    const mailbox = 'revoked-grant@example.com';
    const instance = await connect(mailbox);
    app.emulator.control.revokeGrants(mailbox);
    await waitFor(async () => (await health(instance.id)).valid === false, 'invalid', 30_000);
    const shown = await health(instance.id);
    assert.match(shown.invalidReason, /invalid_grant/);
    await waitFor(async () => (await health(instance.id)).eventsPolling.resources[0].nextPollDate === null, 'polling paused');
  });
});
