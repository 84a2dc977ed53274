// A whole run of `changehook serve --sandbox` (its 1-second refresh intervals keep the run short) with an
// OAuth client of our own, at the most verbose log level, driven the way a user drives it (OAuth
// URL with the client secret in its query as older clients send it, the consent redirect to
// /oauth/callback, create, hub calls, an event delivered and read back, the webhook secret), then its
// entire output searched for every secret that passed through it: the OAuth client secret, the
// authorization code, Google's access and refresh tokens, the tenant secrets, the Element token and the
// webhook secret. None may appear.

import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { approveConsent, startGoogleEmulator, type GoogleEmulator } from '../../emulators/google/index.ts';
import { WebhookReceiver } from '../support/webhookReceiver.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-logs-'));
const cli = path.resolve('bin/changehook.mjs');
const userSecret = `user-${crypto.randomUUID()}`;
const orgSecret = `org-${crypto.randomUUID()}`;
const auth = `User ${userSecret}, Organization ${orgSecret}`;
const clientId = `logged-${crypto.randomUUID()}.apps.googleusercontent.com`;
const clientSecret = `GOCSPX-${crypto.randomUUID()}`;
let output = '';
let child: ChildProcessWithoutNullStreams | undefined;
let emulator: GoogleEmulator;
let receiver: WebhookReceiver;

before(async () => {
  emulator = await startGoogleEmulator({ port: 0 });
  emulator.control.registerClient({ clientId, clientSecret });
  receiver = await new WebhookReceiver().start();
});

after(async () => {
  child?.kill('SIGKILL');
  await emulator.close();
  await receiver.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('no secret that passes through a full run reaches the log', async () => {
  child = spawn(process.execPath, [cli, 'serve', '--sandbox'], {
    env: {
      ...process.env,
      PORT: '0',
      CHANGEHOOK_DATA_DIR: dataDir,
      CHANGEHOOK_GOOGLE_BASE_URL: emulator.baseUrl,
      CHANGEHOOK_USER_SECRET: userSecret,
      CHANGEHOOK_ORG_SECRET: orgSecret,
      CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS: 'true',
      LOG_LEVEL: 'trace',
    },
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await until('the listening line', () => /listening on (http:\/\/\S+)/.exec(output)?.[1]);
  const api = `${url}/elements/api-v2`;
  const call = async (method: string, route: string, body?: unknown, extra: Record<string, string> = {}) => {
    const response = await fetch(`${api}${route}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.status < 300, `${method} ${route}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  const mailbox = 'logged@example.com';
  await emulator.control.createMailbox(mailbox);
  const redirect = `${url}/oauth/callback`;
  const { oauthUrl } = await call('GET', `/elements/gmail/oauth/url?${new URLSearchParams({ apiKey: clientId, apiSecret: clientSecret, callbackUrl: redirect, state: 'my-state' })}`);
  const { code } = await approveConsent(oauthUrl, mailbox);
  const callbackPage = await fetch(`${redirect}?${new URLSearchParams({ code, state: 'my-state' })}`);
  assert.equal(callbackPage.status, 200);

  const instance = await call('POST', '/instances', {
    element: { key: 'gmail' },
    providerData: { code },
    configuration: {
      'oauth.api.key': clientId,
      'oauth.api.secret': clientSecret,
      'oauth.callback.url': redirect,
      'event.notification.enabled': true,
      'event.notification.callback.url': receiver.url,
      'event.poller.refresh_interval': '0.0167',
      'event.poller.configuration': { messages: { url: '/hubs/general/changed-messages', idField: 'id' } },
    },
    name: 'logged',
  });
  const hubAuth = { authorization: `${auth}, Element ${instance.token}` };
  await call('GET', '/hubs/general/messages?pageSize=5', undefined, hubAuth);
  await call('POST', '/hubs/general/messages', { to: 'someone@example.com', subject: 'hello', body: 'hi' }, hubAuth);
  const { secret: webhookSecret } = await call('GET', `/instances/${instance.id}/webhook-secret`);

  // The first poll records the baseline; a message delivered after it becomes an event.
  await until('the baseline poll', async () => {
    const view = await call('GET', `/instances/${instance.id}`);
    return view.eventsPolling?.resources?.[0]?.lastSuccessDate ?? undefined;
  });
  await emulator.control.deliverMessage(mailbox, { from: 'a@example.com', subject: 'an event', text: 'body' });
  await until('a delivered event', () => (receiver.deliveries.length > 0 ? true : undefined));
  const events = await call('GET', `/instances/${instance.id}/events`);
  assert.ok(events.length > 0);
  await call('GET', `/instances/events/${events[0].id}`);

  const secrets: [string, string][] = [
    ['OAuth client secret', clientSecret],
    ['authorization code', code],
    ['user secret', userSecret],
    ['organization secret', orgSecret],
    ['Element token', instance.token],
    ['webhook secret', webhookSecret],
    ['webhook secret key', webhookSecret.replace(/^whsec_/, '')],
  ];
  for (const [what, value] of secrets) assert.ok(!output.includes(value), `the ${what} appears in the log`);
  for (const [what, pattern] of [['access token', /ya29\.[\w-]+/], ['refresh token', /1\/\/0[\w-]+/]] as const) {
    assert.doesNotMatch(output, pattern, `a Google ${what} appears in the log`);
  }
  assert.match(output, /"url":"\/elements\/api-v2\/elements\/gmail\/oauth\/url\?apiKey=\[redacted\]/, 'requests are logged, with their query values redacted');
});
