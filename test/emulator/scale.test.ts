// A mailbox of tens of thousands of messages: pages stay correct (order, no duplicates, no gaps)
// through sparse labels, deep cursors, concurrent changes and long histories. Speed is measured by
// bench/emulator-history.ts, not asserted here.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GoogleEmulator } from '../../emulators/google/index.ts';
import { http, signIn, startEmulator } from './helpers.ts';

const EMAIL = 'large@example.com';
const COUNT = 20_000;
let emulator: GoogleEmulator;
let token: string;
let api: string;
let startHistoryId: string;

before(async () => {
  emulator = await startEmulator({ quotaUnitsPerSecond: 1_000_000 });
  emulator.control.createMailbox(EMAIL);
  token = (await signIn(emulator.baseUrl, EMAIL)).access_token;
  api = `${emulator.baseUrl}/gmail/v1/users/me`;
  startHistoryId = ((await http('GET', `${api}/profile`, { token })).json as { historyId: string }).historyId;
  const base = Date.UTC(2024, 0, 1);
  for (let i = 0; i < COUNT; i++) {
    const raw = Buffer.from(`From: s${i % 37}@example.com\r\nTo: ${EMAIL}\r\nSubject: Message ${i}\r\n\r\nBody ${i}\r\n`);
    // Dates out of insertion order now and then, as imports produce them.
    const date = new Date(base + (i % 100 === 0 ? i - 50 : i) * 60_000);
    await emulator.control.deliverMessage(EMAIL, { raw, date, labelIds: i % 10 === 0 ? ['INBOX', 'STARRED'] : ['INBOX'] });
  }
});

after(async () => {
  await emulator.close();
});

async function listAll(query: string, pageSize: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const answer = await http('GET', `${api}/messages?maxResults=${pageSize}${query}${pageToken ? `&pageToken=${pageToken}` : ''}`, { token });
    assert.equal(answer.status, 200, answer.text);
    const body = answer.json as { messages?: { id: string }[]; nextPageToken?: string };
    ids.push(...(body.messages ?? []).map((m) => m.id));
    pageToken = body.nextPageToken;
    pages++;
  } while (pageToken !== undefined);
  return { ids, pages };
}

describe(`a mailbox of ${COUNT} messages`, () => {
  test('a sparse label pages completely, newest first, without duplicates', async () => {
    const { ids, pages } = await listAll('&labelIds=STARRED', 500);
    assert.equal(ids.length, COUNT / 10);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(pages, COUNT / 10 / 500);
    const dates: number[] = [];
    for (const id of [ids[0], ids[1], ids[ids.length - 1]]) {
      dates.push(Number(((await http('GET', `${api}/messages/${id}?format=minimal`, { token })).json as { internalDate: string }).internalDate));
    }
    assert.ok((dates[0] as number) >= (dates[1] as number) && (dates[1] as number) >= (dates[2] as number));
  });

  test('cursors survive changes between pages: no duplicates, no lost messages', async () => {
    const first = (await http('GET', `${api}/messages?maxResults=100`, { token })).json as { messages: { id: string }[]; nextPageToken: string };
    // Meanwhile: new mail arrives (newer than page 1) and a message of page 2 leaves the listing
    // (trashed rather than deleted, so the counts of the other tests stay what they expect).
    await emulator.control.deliverMessage(EMAIL, { subject: 'arrived meanwhile' });
    const second = (await http('GET', `${api}/messages?maxResults=100&pageToken=${first.nextPageToken}`, { token })).json as { messages: { id: string }[] };
    const victim = second.messages[10]?.id as string;
    assert.equal((await http('POST', `${api}/messages/${victim}/trash`, { token })).status, 200);
    const again = (await http('GET', `${api}/messages?maxResults=100&pageToken=${first.nextPageToken}`, { token })).json as { messages: { id: string }[] };
    assert.deepEqual(
      again.messages.slice(0, 99).map((m) => m.id),
      second.messages.filter((m) => m.id !== victim).map((m) => m.id),
    );
    const overlap = again.messages.filter((m) => first.messages.some((f) => f.id === m.id));
    assert.deepEqual(overlap, []);
    assert.equal((await http('POST', `${api}/messages/${victim}/untrash`, { token })).status, 200);
  });

  test('history pages through every change since the start', async () => {
    let pageToken: string | undefined;
    let added = 0;
    let pages = 0;
    do {
      const answer = await http('GET', `${api}/history?startHistoryId=${startHistoryId}&maxResults=500&historyTypes=messageAdded${pageToken ? `&pageToken=${pageToken}` : ''}`, { token });
      assert.equal(answer.status, 200, answer.text);
      const body = answer.json as { history?: { messagesAdded?: unknown[] }[]; nextPageToken?: string };
      added += (body.history ?? []).reduce((n, h) => n + (h.messagesAdded?.length ?? 0), 0);
      pageToken = body.nextPageToken;
      pages++;
    } while (pageToken !== undefined);
    assert.ok(added >= COUNT);
    assert.ok(pages >= COUNT / 500);
  });

  test('q searches the whole mailbox', async () => {
    const { ids } = await listAll('&q=from%3As5%40example.com&includeSpamTrash=true', 500);
    assert.equal(ids.length, Math.ceil((COUNT - 5) / 37));
  });
});
