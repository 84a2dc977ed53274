// Crash safety: Changehook runs as a child process and is killed with SIGKILL at random moments while
// the mailbox keeps changing. After each restart it resumes from what it committed; in the end every
// change has been delivered (none lost). Repeated deliveries are allowed (at-least-once) and reported.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startGoogleEmulator, type GoogleEmulator } from '../../emulators/google/index.ts';
import { startServe, type ServeProcess } from '../support/cliProcess.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const ORG_SECRET = 'crash-test-organization-secret';
const USER_SECRET = 'crash-test-user-secret-0000000';
const AUTH = `User ${USER_SECRET}, Organization ${ORG_SECRET}`;
const MAILBOX = 'crash@example.com';
const ROUNDS = 6;

let emulator: GoogleEmulator | undefined;
let receiver: WebhookReceiver | undefined;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-crash-'));

after(async () => {
  await serve?.kill();
  await emulator?.close();
  await receiver?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

let serve: ServeProcess | undefined;

function startChangehook(googleBaseUrl: string): Promise<string> {
  serve = startServe({
    PORT: '0',
    CHANGEHOOK_DATA_DIR: dataDir,
    CHANGEHOOK_SANDBOX: '1',
    CHANGEHOOK_GOOGLE_BASE_URL: googleBaseUrl,
    CHANGEHOOK_ORG_SECRET: ORG_SECRET,
    CHANGEHOOK_USER_SECRET: USER_SECRET,
    LOG_LEVEL: 'warn',
  });
  return serve.url;
}

function kill(): Promise<void> {
  return serve!.kill();
}

test('SIGKILL at random moments loses no change', { timeout: 180_000 }, async (t) => {
  emulator = await startGoogleEmulator({ port: 0 });
  receiver = await new WebhookReceiver().start();
  emulator.control.createMailbox(MAILBOX);
  let url = await startChangehook(emulator.baseUrl);

  const api = (p: string, init: RequestInit = {}) =>
    fetch(`${url}/elements/api-v2${p}`, { ...init, headers: { authorization: AUTH, 'content-type': 'application/json', ...init.headers } });
  const oauth = (await (await api(`/elements/gmail/oauth/url?${new URLSearchParams({ apiKey: SANDBOX_CLIENT_ID, apiSecret: SANDBOX_CLIENT_SECRET, callbackUrl: 'https://app.example.com/cb' })}`)).json()) as { oauthUrl: string };
  const { code } = await approveConsent(oauth.oauthUrl, MAILBOX);
  const created = await api('/instances', {
    method: 'POST',
    body: JSON.stringify({
      element: { key: 'gmail' },
      providerData: { code },
      configuration: {
        'oauth.api.key': SANDBOX_CLIENT_ID,
        'oauth.api.secret': SANDBOX_CLIENT_SECRET,
        'oauth.callback.url': 'https://app.example.com/cb',
        'event.notification.enabled': true,
        'event.notification.callback.url': receiver.url,
        'event.poller.refresh_interval': '0.0167',
        'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
      },
      name: 'crash test',
    }),
  });
  assert.equal(created.status, 200, await created.clone().text());
  const instance = (await created.json()) as { id: number };
  await waitFor(async () => ((await (await api(`/instances/${instance.id}`)).json()) as { eventsPolling: { resources: { baselineDate: string | null }[] } }).eventsPolling.resources[0]?.baselineDate, 'baseline');

  const sent: string[] = [];
  const recoveries: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // Changes keep arriving while the process dies at a random moment.
    const burst = 3 + Math.floor(Math.random() * 5);
    for (let i = 0; i < burst; i += 1) sent.push((await emulator.control.deliverMessage(MAILBOX, { subject: `round ${round} #${i}` })).id);
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 1500));
    await kill();
    const restartedAt = Date.now();
    const before = new Set(receiver.events().map((e) => e.objectId));
    url = await startChangehook(emulator.baseUrl);
    const pending = sent.filter((id) => !before.has(id));
    if (pending.length > 0) {
      await waitFor(() => pending.some((id) => receiver!.events().some((e) => e.objectId === id)), 'first delivery after restart', 60_000);
      recoveries.push(Date.now() - restartedAt);
    }
  }
  await waitFor(() => sent.every((id) => receiver!.events().some((e) => e.objectId === id)), 'every change delivered', 60_000);

  const delivered = receiver.events();
  const lost = sent.filter((id) => !delivered.some((e) => e.objectId === id));
  const perEvent = new Map<string, number>();
  for (const event of delivered) perEvent.set(event.id, (perEvent.get(event.id) ?? 0) + 1);
  const repeated = [...perEvent.values()].filter((n) => n > 1).length;
  const kinds = new Set(delivered.filter((e) => sent.includes(e.objectId)).map((e) => e.eventType));
  t.diagnostic(`changes ${sent.length}, lost ${lost.length}, events repeated ${repeated}, restarts ${ROUNDS}, recovery ms ${recoveries.join(',')}`);
  assert.deepEqual(lost, []);
  assert.deepEqual([...kinds], ['CREATED']);
  assert.equal(new Set(delivered.filter((e) => sent.includes(e.objectId)).map((e) => e.objectId)).size, sent.length);
  await kill();
});
