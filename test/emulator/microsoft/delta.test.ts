// Delta queries on a mail folder over HTTP: exactness of a round (created, updated, moved in and
// out, deleted; once each, latest state), the options kept in the tokens, paging, and the answers
// for expired and foreign tokens.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { MicrosoftEmulator } from '../../../emulators/microsoft/index.ts';
import { type GraphAnswer, graph, signIn, startEmulator } from './helpers.ts';

const EMAIL = 'ada@example.com';
let emulator: MicrosoftEmulator;
let token = '';

before(async () => {
  emulator = await startEmulator();
});

after(async () => {
  await emulator.close();
});

beforeEach(async () => {
  emulator.control.reset();
  token = (await signIn(emulator.baseUrl, EMAIL)).accessToken;
});

const get = (path: string, headers: Record<string, string> = {}): Promise<GraphAnswer> => graph(emulator.baseUrl, token, 'GET', path, undefined, headers);

/** Follows nextLinks to the end of a round: every entry, and the round's delta link. */
async function round(first: string, headers: Record<string, string> = {}): Promise<{ entries: Record<string, unknown>[]; deltaLink: string; pages: number }> {
  const entries: Record<string, unknown>[] = [];
  let answer = await get(first, headers);
  let pages = 1;
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  entries.push(...answer.body.value);
  while (answer.body['@odata.nextLink'] !== undefined) {
    answer = await get(answer.body['@odata.nextLink'], headers);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    entries.push(...answer.body.value);
    pages++;
  }
  assert.ok(typeof answer.body['@odata.deltaLink'] === 'string');
  return { entries, deltaLink: answer.body['@odata.deltaLink'], pages };
}

const ids = (entries: Record<string, unknown>[]) => entries.map((e) => e.id as string).sort();

test('initial round pages with maxpagesize and lists each message once even when one is deleted mid-round', async () => {
  const delivered = Array.from({ length: 7 }, (_, i) => emulator.control.deliverMessage(EMAIL, { subject: `m${i}`, receivedDateTime: new Date(Date.UTC(2026, 0, 1, i)).toISOString() }));
  const first = await get('/v1.0/me/mailFolders/inbox/messages/delta', { prefer: 'IdType="ImmutableId", odata.maxpagesize=3' });
  assert.equal(first.headers.get('preference-applied'), 'IdType="ImmutableId", odata.maxpagesize=3');
  assert.equal(first.body.value.length, 3);
  // Newest first: m6, m5, m4 on the first page. Delete m6 (already seen) and m3 (not yet seen).
  emulator.control.deleteMessage(EMAIL, delivered[6] as string);
  emulator.control.deleteMessage(EMAIL, delivered[3] as string);
  const rest = await round(first.body['@odata.nextLink']);
  const seen = [...ids(first.body.value), ...ids(rest.entries)];
  assert.equal(new Set(seen).size, seen.length, 'no message twice');
  assert.deepEqual(seen.sort(), [0, 1, 2, 4, 5, 6].map((i) => delivered[i] as string).sort());
  // The deletions happened after the round began: the next round reports them.
  const next = await round(rest.deltaLink);
  assert.deepEqual(
    next.entries.map((e) => [e.id, e['@removed']]).sort(),
    [
      [delivered[3], { reason: 'deleted' }],
      [delivered[6], { reason: 'deleted' }],
    ].sort(),
  );
});

test('a round reports each change once in its latest state; moves in and out; folder deletion', async () => {
  const folder = (await graph(emulator.baseUrl, token, 'POST', '/v1.0/me/mailFolders', { displayName: 'Tracked' })).body;
  const a = emulator.control.deliverMessage(EMAIL, { subject: 'a', folder: folder.id });
  const b = emulator.control.deliverMessage(EMAIL, { subject: 'b', folder: folder.id });
  const outside = emulator.control.deliverMessage(EMAIL, { subject: 'outside' });
  const { deltaLink } = await round(`/v1.0/me/mailFolders/${folder.id}/messages/delta`);

  for (let i = 0; i < 5; i++) emulator.control.updateMessage(EMAIL, a, { subject: `a v${i}` });
  emulator.control.moveMessage(EMAIL, outside, folder.id);
  emulator.control.moveMessage(EMAIL, b, 'inbox');
  const copy = (await graph(emulator.baseUrl, token, 'POST', `/v1.0/me/messages/${outside}/copy`, { destinationId: 'inbox' })).body;
  emulator.control.updateMessage(EMAIL, copy.id, { isRead: true }); // not in the folder: not reported
  const changes = await round(deltaLink);
  assert.deepEqual(ids(changes.entries), [a, b, outside].sort());
  assert.equal(changes.entries.find((e) => e.id === a)?.subject, 'a v4');
  assert.equal(changes.entries.find((e) => e.id === outside)?.subject, 'outside');
  assert.deepEqual(changes.entries.find((e) => e.id === b)?.['@removed'], { reason: 'deleted' });

  // Nothing happened since: an empty round.
  const idle = await round(changes.deltaLink);
  assert.deepEqual(idle.entries, []);

  assert.equal((await graph(emulator.baseUrl, token, 'DELETE', `/v1.0/me/mailFolders/${folder.id}`)).status, 204);
  // The folder is gone, so its delta link is too.
  assert.equal((await get(idle.deltaLink)).status, 404);
});

test('changeType and $select are kept in the tokens; $filter bounds the initial round', async () => {
  const old = emulator.control.deliverMessage(EMAIL, { subject: 'old', receivedDateTime: '2020-01-01T00:00:00Z' });
  const recent = emulator.control.deliverMessage(EMAIL, { subject: 'recent', receivedDateTime: '2026-01-01T00:00:00Z' });
  const filtered = await round('/v1.0/me/mailFolders/inbox/messages/delta?$filter=receivedDateTime ge 2025-01-01T00:00:00Z');
  assert.deepEqual(ids(filtered.entries), [recent]);

  const createdOnly = await round('/v1.0/me/mailFolders/inbox/messages/delta?changeType=created&$select=subject');
  assert.deepEqual(ids(createdOnly.entries).sort(), [old, recent].sort());
  assert.deepEqual(Object.keys(createdOnly.entries[0] ?? {}).sort(), ['@odata.etag', '@odata.type', 'id', 'subject']);
  const deletedOnly = await round('/v1.0/me/mailFolders/inbox/messages/delta?changeType=deleted');
  assert.deepEqual(deletedOnly.entries, []);

  const fresh = emulator.control.deliverMessage(EMAIL, { subject: 'fresh' });
  emulator.control.updateMessage(EMAIL, old, { isRead: true });
  emulator.control.deleteMessage(EMAIL, recent);
  const created = await round(createdOnly.deltaLink);
  assert.deepEqual(ids(created.entries), [fresh]);
  assert.deepEqual(Object.keys(created.entries[0] ?? {}).sort(), ['@odata.etag', '@odata.type', 'id', 'subject']);
  const deleted = await round(deletedOnly.deltaLink);
  assert.deepEqual(
    deleted.entries.map((e) => [e.id, e['@removed']]),
    [[recent, { reason: 'deleted' }]],
  );
});

test('expired and foreign tokens', async () => {
  emulator.control.deliverMessage(EMAIL, { subject: 'x' });
  const { deltaLink } = await round('/v1.0/me/mailFolders/inbox/messages/delta');
  emulator.control.setDeltaRetention(0);
  const expired = await get(deltaLink);
  assert.equal(expired.status, 410);
  assert.equal(expired.body.error.code, 'SyncStateNotFound');
  emulator.control.setDeltaRetention(3600);
  assert.equal((await get(deltaLink)).status, 200);
  emulator.control.expireDeltaTokens(EMAIL);
  assert.equal((await get(deltaLink)).status, 410);
  // A new initial round works again.
  const restarted = await round('/v1.0/me/mailFolders/inbox/messages/delta');
  assert.equal(restarted.entries.length, 1);
  assert.equal((await get(restarted.deltaLink)).status, 200);

  const malformed = await get('/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=not-a-token');
  assert.equal(malformed.status, 400);
  const otherFolder = await get(restarted.deltaLink.replace('/mailFolders/inbox/', '/mailFolders/archive/'));
  assert.equal(otherFolder.status, 400);
});
