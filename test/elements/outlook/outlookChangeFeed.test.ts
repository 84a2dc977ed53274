// The change feed GET /hubs/general/changed-messages against the emulator's message delta: baseline,
// CREATED / UPDATED / DELETED, moves between watched folders, a repeated read from the same cursor,
// nextLinks followed and the page budget, the idle cost (one delta request per watched folder, as
// the emulator counts Graph calls), the recovery snapshot and an expired delta state (410).

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { decodeCursor, encodeCursor } from '../../../src/elements/outlook/hub/deltaCursor.ts';
import { CursorExpired } from '../../../src/hubs/index.ts';
import { startOutlookHub, type OutlookHub } from './outlookFixture.ts';

interface Record_ {
  id: string;
  eventType: 'CREATED' | 'UPDATED' | 'DELETED';
  version: string;
  parentFolderId?: string;
  isRead?: boolean;
  subject?: string;
}

const WATCHED = ['inbox', 'sentitems', 'drafts', 'deleteditems', 'archive', 'junkemail'];

describe('Outlook hub: changed-messages', () => {
  let f: OutlookHub;
  const control = () => f.app.microsoft.control;
  const deliver = (subject: string, folder?: string) => control().deliverMessage(f.email, { subject, ...(folder ? { folder } : {}) });
  const deltaCalls = () => control().calls({ mailbox: f.email }).filter((call) => call.path.endsWith('/messages/delta'));

  async function changes(cursor: string | undefined, query: Record<string, string> = {}) {
    const response = await f.execute('GET', '/changed-messages', { ...query, ...(cursor !== undefined ? { cursor } : {}) });
    const records = response.body as Record_[];
    return { records, byId: new Map(records.map((record) => [record.id, record])), next: response.headers['Elements-Next-Cursor'] as string, hasMore: response.headers['Elements-Has-More'] === 'true' };
  }
  const baseline = async () => (await changes(undefined)).next;

  before(async () => {
    f = await startOutlookHub('feed@example.com');
  });
  beforeEach(() => {
    control().clearFaults();
  });
  after(async () => {
    await f?.close();
  });

  it('answers the baseline without a cursor: no records, and nothing from before it afterwards', async () => {
    for (const folder of WATCHED) deliver(`before the baseline in ${folder}`, folder);
    const first = await changes(undefined);
    assert.deepEqual(first.records, []);
    assert.ok(first.next);
    assert.equal(first.hasMore, false);
    assert.deepEqual((await changes(first.next)).records, []);
  });

  it('costs one delta request per watched folder when idle, and keeps a usable cursor', async () => {
    const cursor = await baseline();
    control().clearCalls();
    const idle = await changes(cursor);
    assert.deepEqual(idle.records, []);
    const calls = deltaCalls();
    assert.deepEqual(calls.map((call) => call.path.split('/')[4]).sort(), [...WATCHED].sort(), 'one delta request per watched folder');
    assert.ok(calls.every((call) => call.status === 200));
    assert.equal(control().calls({ mailbox: f.email }).length, WATCHED.length, 'and nothing else');
    console.log(`graph calls: idle changed-messages = ${calls.length} delta requests (${WATCHED.length} watched folders)`);
    const marker = deliver('after the idle poll');
    assert.deepEqual([...(await changes(idle.next)).byId.keys()], [marker]);
  });

  it('reports CREATED, UPDATED, moves between watched folders as UPDATED, and DELETED, one record per message', async () => {
    const read = deliver('to be read');
    const archived = deliver('to be archived');
    const trashed = deliver('to be trashed');
    const movedOut = deliver('to be moved out');
    const deleted = deliver('to be deleted');
    const kept = deliver('untouched');
    const cursor = await baseline();

    const fresh = deliver('fresh');
    control().updateMessage(f.email, fresh, { flagStatus: 'flagged' });
    control().updateMessage(f.email, read, { isRead: true });
    await f.execute('POST', `/messages/${encodeURIComponent(archived)}/move`, {}, { folderId: 'archive' });
    control().moveMessage(f.email, trashed, 'deleteditems');
    control().moveMessage(f.email, movedOut, 'outbox');
    await f.execute('DELETE', `/messages/${encodeURIComponent(deleted)}`);
    const fleeting = deliver('fleeting');
    control().deleteMessage(f.email, fleeting);
    const draftToSend = deliver('a draft', 'drafts');

    const { records, byId, hasMore } = await changes(cursor);
    assert.equal(hasMore, false);
    assert.equal(byId.size, records.length, 'one record per message');
    const archive = ((await f.execute('GET', '/folders')).body as { id: string; displayName: string }[]).find((folder) => folder.displayName === 'Archive')!.id;
    assert.equal(byId.get(fresh)?.eventType, 'CREATED', 'delivered then flagged stays CREATED');
    assert.equal(byId.get(fresh)?.subject, 'fresh');
    assert.equal(byId.get(draftToSend)?.eventType, 'CREATED');
    assert.equal(byId.get(read)?.eventType, 'UPDATED');
    assert.equal(byId.get(read)?.isRead, true);
    assert.equal(byId.get(archived)?.eventType, 'UPDATED', 'inbox → archive is a move between watched folders');
    assert.equal(byId.get(archived)?.parentFolderId, archive);
    assert.equal(byId.get(trashed)?.eventType, 'UPDATED', 'inbox → deleted items too');
    assert.deepEqual(byId.get(movedOut), { id: movedOut, eventType: 'DELETED', version: byId.get(movedOut)?.version });
    assert.equal(byId.get(deleted)?.eventType, 'DELETED');
    // Delivered and deleted between two polls: never reported as there (Graph's delta may leave it out).
    assert.ok([undefined, 'DELETED'].includes(byId.get(fleeting)?.eventType), 'a message that came and went');
    assert.equal(byId.has(kept), false);
    for (const record of records) assert.ok(record.version, `a version on ${record.id}`);
  });

  it('checks a removal without its arrival: a move to a watched folder read before the move is left out, a deletion or a move out is DELETED', async () => {
    const archived = deliver('archived across two reads');
    const movedOut = deliver('moved out, read the same way');
    const deleted = deliver('deleted, read the same way');
    const before = await baseline();
    control().moveMessage(f.email, archived, 'archive');
    control().moveMessage(f.email, movedOut, 'outbox');
    control().deleteMessage(f.email, deleted);
    const both = await changes(before);
    assert.equal(both.byId.get(archived)?.eventType, 'UPDATED', 'removal and arrival in one call: a move');
    // The folders are read one after another: the call in which the archive was read before the move
    // and the inbox after it sees the inbox's removal and nothing in the archive.
    const split = encodeCursor({ ...decodeCursor(before), archive: decodeCursor(both.next).archive! });
    control().clearCalls();
    const { byId } = await changes(split);
    assert.equal(byId.has(archived), false, 'in the archive, which reported it: not deleted');
    assert.equal(byId.get(movedOut)?.eventType, 'DELETED', 'in the outbox, which is not watched');
    assert.equal(byId.get(deleted)?.eventType, 'DELETED', 'gone from the mailbox');
    const lookups = control().calls({ mailbox: f.email }).filter((call) => !call.path.endsWith('/messages/delta'));
    assert.ok(lookups.length > 0 && lookups.length <= 3 + WATCHED.length, `a lookup per removal and the folders' ids once: ${lookups.map((c) => c.path).join(' ')}`);
  });

  it('reads the same records with the same versions from the same cursor', async () => {
    const a = deliver('repeat a');
    const b = deliver('repeat b');
    const cursor = await baseline();
    deliver('repeat new');
    control().updateMessage(f.email, a, { categories: ['Red'] });
    control().moveMessage(f.email, b, 'junkemail');
    control().deleteMessage(f.email, a);
    const c = deliver('repeat c');
    control().moveMessage(f.email, c, 'archive');
    const first = await changes(cursor);
    const again = await changes(cursor);
    const shape = (records: Record_[]) => records.map((r) => [r.id, r.eventType, r.version]).sort();
    assert.equal(first.records.length, 4);
    assert.deepEqual(shape(again.records), shape(first.records));
    // A later change of the same message is a new version.
    control().updateMessage(f.email, c, { isRead: true });
    const later = await changes(first.next);
    assert.notEqual(later.byId.get(c)?.version, first.byId.get(c)?.version);
  });

  it('follows each folder’s nextLinks, and past its page budget answers Elements-Has-More with the rest behind the next cursor', async () => {
    const cursor = await baseline();
    // The emulator pages delta by 10: 23 messages in the inbox, 12 in the archive.
    const inbox = Array.from({ length: 23 }, (_, i) => deliver(`bulk inbox ${i}`));
    const archive = Array.from({ length: 12 }, (_, i) => deliver(`bulk archive ${i}`, 'archive'));
    const all = await changes(cursor);
    assert.equal(all.hasMore, false);
    assert.deepEqual([...all.byId.keys()].sort(), [...inbox, ...archive].sort());
    assert.ok([...all.byId.values()].every((record) => record.eventType === 'CREATED'));

    const seen = new Set<string>();
    let next = cursor;
    let calls = 0;
    for (let more = true; more; calls++) {
      const page = await changes(next, { maxPagesPerFolder: '1' });
      for (const record of page.records) seen.add(record.id);
      more = page.hasMore;
      next = page.next;
      assert.ok(calls < 10);
    }
    assert.equal(calls, 3, 'three pages of the inbox, one call each');
    assert.deepEqual([...seen].sort(), [...inbox, ...archive].sort());
    assert.deepEqual((await changes(next)).records, []);
  });

  it('lists every message of the watched folders with the fields recovery compares, agreeing with the feed', async () => {
    const cursor = await baseline();
    const id = deliver('state');
    control().updateMessage(f.email, id, { flagStatus: 'flagged', categories: ['Green'] });
    const inOutbox = deliver('not watched', 'outbox');
    const states = (await f.execute('GET', '/message-states')).body as Record<string, unknown>[];
    const state = states.find((s) => s.id === id);
    assert.ok(state);
    assert.deepEqual(Object.keys(state).sort(), ['categories', 'changeKey', 'flag', 'id', 'isRead', 'parentFolderId']);
    assert.equal(states.some((s) => s.id === inOutbox), false, 'outbox is not watched');
    const record = (await changes(cursor)).byId.get(id) as unknown as Record<string, unknown>;
    for (const field of ['parentFolderId', 'isRead', 'flag', 'categories', 'changeKey']) assert.deepEqual(record[field], state[field], field);
  });

  it('throws CursorExpired in process, and answers 410 over HTTP, when Graph no longer keeps the delta state', async () => {
    const cursor = await baseline();
    control().expireDeltaTokens(f.email);
    await assert.rejects(changes(cursor), (error: unknown) => {
      assert.ok(error instanceof CursorExpired, String(error));
      assert.equal(error.details.providerStatus, 410);
      assert.equal(error.details.providerError, 'SyncStateNotFound');
      return true;
    });
    const overHttp = await f.http('GET', `/changed-messages?cursor=${encodeURIComponent(cursor)}`);
    assert.equal(overHttp.status, 410, JSON.stringify(overHttp.body));
    assert.match(overHttp.body.message, /expired/);
    // A new baseline works again.
    const fresh = await baseline();
    assert.deepEqual((await changes(fresh)).records, []);
  });

  it('watches only the folders a folders parameter names: one delta request per idle call for the Inbox, a move out of it DELETED, the snapshot alike', async () => {
    const inbox = { folders: 'inbox' };
    const archivedLater = deliver('inbox only: to be archived');
    const inArchive = deliver('inbox only: already archived', 'archive');
    const cursor = (await changes(undefined, inbox)).next;
    assert.deepEqual(Object.keys(decodeCursor(cursor)), ['inbox']);
    control().clearCalls();
    const idle = await changes(cursor, inbox);
    assert.deepEqual(idle.records, []);
    assert.deepEqual(control().calls({ mailbox: f.email }).map((call) => call.path.split('/').slice(3).join('/')), ['mailFolders/inbox/messages/delta'], 'one request');
    control().moveMessage(f.email, archivedLater, 'archive');
    control().updateMessage(f.email, inArchive, { isRead: true });
    const moved = await changes(idle.next, inbox);
    assert.deepEqual(moved.records.map((r) => [r.id, r.eventType]), [[archivedLater, 'DELETED']], 'the archive is not watched');
    const states = (await f.execute('GET', '/message-states', inbox)).body as { id: string }[];
    assert.equal(states.some((s) => s.id === inArchive || s.id === archivedLater), false, 'the snapshot reads the Inbox only');
    assert.ok(((await f.execute('GET', '/message-states')).body as { id: string }[]).some((s) => s.id === inArchive), 'all watched folders without folders');
    // Widening a cursor baselines the folder it adds: nothing from before, its changes afterwards.
    const widened = await changes(moved.next, { folders: 'inbox,archive' });
    assert.deepEqual(widened.records, []);
    control().updateMessage(f.email, inArchive, { isRead: false });
    assert.deepEqual((await changes(widened.next, { folders: 'inbox,archive' })).records.map((r) => [r.id, r.eventType]), [[inArchive, 'UPDATED']]);
  });

  it('refuses a folders parameter naming a folder it cannot watch, naming the parameter', async () => {
    await assert.rejects(changes(undefined, { folders: 'inbox,outbox' }), /folders: 'outbox' is not a folder the feed can watch/);
    const overHttp = await f.http('GET', '/message-states?folders=Inbox,nope');
    assert.equal(overHttp.status, 400, JSON.stringify(overHttp.body));
    assert.match(overHttp.body.message, /folders: 'nope'/);
  });

  it('refuses a cursor that is not one of its own, and a where, naming the parameter', async () => {
    await assert.rejects(changes('not-a-cursor'), /cursor is not a cursor of this feed/);
    await assert.rejects(changes(undefined, { where: "isRead = false" }), /changed-messages takes no where/);
  });

  it('finishes a baseline past its page budget in later calls, reporting nothing of it', async () => {
    const existing = Array.from({ length: 25 }, (_, i) => deliver(`before a long baseline ${i}`, 'junkemail'));
    const first = await changes(undefined, { maxPagesPerFolder: '1' });
    assert.deepEqual(first.records, []);
    assert.equal(first.hasMore, true, 'the junk folder’s first enumeration is not over');
    const during = deliver('during the baseline');
    let next = first.next;
    const reported: Record_[] = [];
    for (let calls = 0, more = true; more; calls++) {
      const page = await changes(next, { maxPagesPerFolder: '1' });
      reported.push(...page.records);
      more = page.hasMore;
      next = page.next;
      assert.ok(calls < 10);
    }
    // The oldest is on the enumeration's last page, the newest on its first (read by an earlier call).
    control().updateMessage(f.email, existing[0]!, { isRead: true });
    control().updateMessage(f.email, existing[24]!, { isRead: true });
    reported.push(...(await changes(next)).records);
    // What happened during the enumeration is reported (in the round it ends with or the next); nothing of the enumeration itself.
    assert.deepEqual(
      reported.map((record) => [record.id, record.eventType]).sort(),
      [
        [during, 'CREATED'],
        [existing[0], 'UPDATED'],
        [existing[24], 'UPDATED'],
      ].sort(),
    );
  });
});
