// How fast the Google emulator answers an idle users.history.list (the call every idle poll makes),
// over keep-alive connections from an undici Pool. The emulator runs in its own process, as in the
// sandbox, so client and server do not share one event loop. Then the same for a mailbox of 100 000
// messages (in process), whose list and history pages must not slow down with its size.
//
// Run: npx tsx bench/emulator-history.ts [--seconds 5] [--connections 16] [--messages 100000]
// Prints figures; asserts nothing (the target is >= 5 000 idle history.list per second).

import { parseArgs } from 'node:util';
import { Pool, request } from 'undici';
import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SCOPES, startGoogleEmulator } from '../emulators/google/index.ts';
import { startChildEmulator } from './support/childEmulator.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    messages: { type: 'string', default: '100000' },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const MESSAGES = Number(values.messages);
const EMAIL = 'bench@example.com';

async function accessToken(baseUrl: string): Promise<string> {
  const auth = `${baseUrl}/o/oauth2/v2/auth?${new URLSearchParams({
    client_id: SANDBOX_CLIENT_ID,
    redirect_uri: 'http://127.0.0.1:1/callback',
    response_type: 'code',
    scope: SCOPES.readonly,
    access_type: 'offline',
  })}`;
  const consent = await approveConsent(auth, EMAIL);
  const answer = await request(`${baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: consent.code, redirect_uri: consent.redirectUri, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET }).toString(),
  });
  return ((await answer.body.json()) as { access_token: string }).access_token;
}

/** Keeps `inFlight` requests going for `seconds`; returns completed requests per second. */
async function hammer(baseUrl: string, path: () => string, token: string, seconds: number, inFlight: number): Promise<{ perSecond: number; errors: number }> {
  const pool = new Pool(baseUrl, { connections: CONNECTIONS, pipelining: 1 });
  const headers = { authorization: `Bearer ${token}` };
  let done = 0;
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const answer = await pool.request({ method: 'GET', path: path(), headers });
      await answer.body.text();
      if (answer.statusCode === 200) done++;
      else errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return { perSecond: done / elapsed, errors };
}

async function currentHistoryId(baseUrl: string, token: string): Promise<string> {
  const answer = await request(`${baseUrl}/gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${token}` } });
  return ((await answer.body.json()) as { historyId: string }).historyId;
}

async function idleHistoryInChild(): Promise<void> {
  const emulator = await startChildEmulator();
  const { baseUrl } = emulator;
  try {
    const token = await accessToken(baseUrl);
    const historyId = await currentHistoryId(baseUrl, token);
    const path = `/gmail/v1/users/me/history?startHistoryId=${historyId}`;
    await hammer(baseUrl, () => path, token, 1, CONNECTIONS * 2); // warm-up (JIT, connections)
    const { perSecond, errors } = await hammer(baseUrl, () => path, token, SECONDS, CONNECTIONS * 2);
    console.log(`idle history.list, emulator in its own process: ${Math.round(perSecond)} requests/s (${CONNECTIONS} keep-alive connections, ${errors} errors)`);
  } finally {
    await emulator.close();
  }
}

async function largeMailboxInProcess(): Promise<void> {
  const emulator = await startGoogleEmulator({ quotaUnitsPerSecond: 1e9, maxConcurrentRequestsPerUser: 100_000 });
  try {
    emulator.control.createMailbox(EMAIL);
    const seedStart = performance.now();
    const base = Date.UTC(2024, 0, 1);
    for (let i = 0; i < MESSAGES; i++) {
      const raw = Buffer.from(`From: s${i % 97}@example.com\r\nTo: ${EMAIL}\r\nSubject: Message ${i}\r\n\r\nBody ${i}\r\n`);
      await emulator.control.deliverMessage(EMAIL, { raw, date: new Date(base + i * 1000), labelIds: i % 100 === 0 ? ['INBOX', 'STARRED'] : ['INBOX'] });
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;
    console.log(`seeded ${MESSAGES} messages in ${seedSeconds.toFixed(1)} s; RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
    const token = await accessToken(emulator.baseUrl);
    const historyId = await currentHistoryId(emulator.baseUrl, token);
    const idle = `/gmail/v1/users/me/history?startHistoryId=${historyId}`;
    const idleRate = await hammer(emulator.baseUrl, () => idle, token, SECONDS / 2, CONNECTIONS * 2);
    console.log(`idle history.list, ${MESSAGES}-message mailbox, client in the same process: ${Math.round(idleRate.perSecond)} requests/s`);

    // A deep page: the cursor half-way through the sparse STARRED label (1 message in 100).
    const starred = Math.ceil(MESSAGES / 100);
    const half = Math.floor(starred / 2);
    if (half >= 1) {
      const answer = await request(`${emulator.baseUrl}/gmail/v1/users/me/messages?labelIds=STARRED&maxResults=${Math.min(half, 500)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const pageToken = ((await answer.body.json()) as { nextPageToken?: string }).nextPageToken;
      if (pageToken !== undefined) {
        const deep = `/gmail/v1/users/me/messages?labelIds=STARRED&maxResults=100&pageToken=${pageToken}`;
        const deepRate = await hammer(emulator.baseUrl, () => deep, token, SECONDS / 2, CONNECTIONS * 2);
        console.log(`messages.list deep page of a sparse label, ${MESSAGES}-message mailbox: ${Math.round(deepRate.perSecond)} requests/s (${deepRate.errors} errors)`);
      }
    }
    const first = '/gmail/v1/users/me/messages?maxResults=100';
    const firstRate = await hammer(emulator.baseUrl, () => first, token, SECONDS / 2, CONNECTIONS * 2);
    console.log(`messages.list first page of 100, ${MESSAGES}-message mailbox: ${Math.round(firstRate.perSecond)} requests/s`);
  } finally {
    await emulator.close();
  }
}

await idleHistoryInChild();
if (MESSAGES > 0) await largeMailboxInProcess();
