// The Outlook element's plain functions, without servers: Graph's error dialect, the change feed's
// cursor, the merge of the folders' delta rounds into records (CREATED vs UPDATED, moves, removals,
// versions), Graph links and the CEQL filter.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequest } from '../../../src/errors/index.ts';
import { isExpiredSyncState, readGraphError } from '../../../src/elements/outlook/graphErrors.ts';
import { mergeRounds } from '../../../src/elements/outlook/hub/changeMerge.ts';
import { decodeCursor, encodeCursor, roundDigest, type DeltaCursor } from '../../../src/elements/outlook/hub/deltaCursor.ts';
import type { FolderRound } from '../../../src/elements/outlook/hub/deltaRounds.ts';
import { checkedLinkPath, linkPath } from '../../../src/elements/outlook/hub/graphApi.ts';
import { messageFilter } from '../../../src/elements/outlook/hub/listQuery.ts';
import { classifyFailure } from '../../../src/hubs/providerErrors.ts';

const graphError = (code: string, message = 'msg') => Buffer.from(JSON.stringify({ error: { code, message, innerError: { date: '2026-01-01T00:00:00', 'request-id': 'r', 'client-request-id': 'c' } } }));

describe('Graph errors', () => {
  it("reads Graph's {error: {code, message}} and marks throttling codes as rate limits", () => {
    assert.deepEqual(readGraphError(graphError('ErrorItemNotFound', 'The specified object was not found in the store.')), {
      message: 'The specified object was not found in the store.',
      reason: 'ErrorItemNotFound',
    });
    for (const code of ['ApplicationThrottled', 'TooManyRequests', 'activityLimitReached']) {
      assert.equal(readGraphError(graphError(code))?.limit, 'rate', code);
    }
    // A 403 that Graph words as throttling is waited out; any other 403 is final.
    assert.equal(classifyFailure(403, readGraphError(graphError('ApplicationThrottled'))), 'rateLimited');
    assert.equal(classifyFailure(403, readGraphError(graphError('ErrorAccessDenied'))), 'fatal');
  });
  it("reads the identity platform's OAuth errors, and nothing of other bodies", () => {
    assert.deepEqual(readGraphError('{"error":"invalid_grant","error_description":"AADSTS70000: grant revoked"}'), { message: 'AADSTS70000: grant revoked', reason: 'invalid_grant' });
    assert.equal(readGraphError('<html>bad gateway</html>'), undefined);
  });
  it('tells an expired delta state: 410, or its codes', () => {
    assert.equal(isExpiredSyncState(410, 'SyncStateNotFound'), true);
    assert.equal(isExpiredSyncState(400, 'syncStateNotFound'), true);
    assert.equal(isExpiredSyncState(400, 'resyncRequired'), true);
    assert.equal(isExpiredSyncState(404, 'ErrorItemNotFound'), false);
  });
});

describe('Graph links', () => {
  it('keeps the path and query under the API base path, whatever the origin', () => {
    assert.equal(linkPath('http://127.0.0.1:9/v1.0', "https://graph.microsoft.com/v1.0/me/mailFolders('inbox')/messages/delta?$deltatoken=abc"), "/me/mailFolders('inbox')/messages/delta?$deltatoken=abc");
    assert.equal(linkPath('http://127.0.0.1:9/v1.0', 'https://graph.microsoft.com/beta/me/messages'), undefined);
  });
  it('refuses link paths a client could use to reach something else', () => {
    assert.throws(() => checkedLinkPath('/me/../admin?x', 'list'), BadRequest);
    assert.throws(() => checkedLinkPath('/me/messages?$skip=10', 'delta'), BadRequest);
    assert.throws(() => checkedLinkPath('/me/contacts?$skip=10', 'list'), BadRequest);
    assert.equal(checkedLinkPath("/me/mailFolders('AQMk')/messages/microsoft.graph.delta()?$deltatoken=x", 'delta'), "/me/mailFolders('AQMk')/messages/microsoft.graph.delta()?$deltatoken=x");
    assert.equal(checkedLinkPath('/me/mailFolders/inbox/messages/delta?$deltatoken=x', 'delta'), '/me/mailFolders/inbox/messages/delta?$deltatoken=x');
  });
});

describe('the change feed cursor', () => {
  const cursor: DeltaCursor = {
    inbox: { link: '/me/mailFolders/inbox/messages/delta?$deltatoken=a', since: 1_700_000_000_000, edge: new Map([['m1', 1_700_000_000]]), round: 'r1' },
    drafts: { link: '/me/mailFolders/drafts/messages/delta?$skiptoken=b', since: 0, edge: new Map(), round: '', started: 1_700_000_001_000, pending: new Map([['m2', 5]]), initial: true },
  };
  it('round-trips', () => {
    assert.deepEqual(decodeCursor(encodeCursor(cursor)), cursor);
  });
  it('refuses what is not one of its cursors, naming the parameter', () => {
    for (const text of ['', 'garbage', Buffer.from('{"v":1,"f":{}}').toString('base64url'), Buffer.from('{"v":1,"f":{"inbox":{"l":"/me/messages","s":1,"r":"x"}}}').toString('base64url')]) {
      assert.throws(() => decodeCursor(text), (error: unknown) => error instanceof BadRequest && /cursor/.test(error.message), text);
    }
  });
});

describe('merging the folders’ rounds', () => {
  const SINCE = 1_700_000_000_000;
  const at = (seconds: number) => new Date(SINCE + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const round = (folder: string, entries: Record<string, unknown>[], edge: [string, number][] = []): FolderRound => ({
    folder,
    entries: entries as FolderRound['entries'],
    since: SINCE,
    edge: new Map(edge),
    round: roundDigest(folder),
    more: false,
    next: { link: '/me/x/messages/delta?$deltatoken=1', since: SINCE, edge: new Map(), round: 'n' },
  });
  const message = (id: string, created: number, folder: string, changeKey = 'k1') => ({ id, createdDateTime: at(created), parentFolderId: folder, changeKey, '@odata.etag': 'W/"k"' });

  it('CREATED for a message created after the round opened, UPDATED for an older one, without OData annotations', () => {
    const records = mergeRounds([round('inbox', [message('new', 5, 'IN'), message('old', -60, 'IN')])]);
    assert.deepEqual(
      records.map((r) => [r.id, r.eventType]),
      [
        ['new', 'CREATED'],
        ['old', 'UPDATED'],
      ],
    );
    assert.equal('@odata.etag' in (records[0] as object), false);
  });
  it('for a message created since the previous round began, the edge tells: one that round saw is UPDATED, one it did not is CREATED', () => {
    const second = SINCE / 1000;
    const records = mergeRounds([round('inbox', [message('seen', 0, 'IN'), message('unseen', 3, 'IN')], [['seen', second]])]);
    assert.deepEqual(
      records.map((r) => [r.id, r.eventType]),
      [
        ['seen', 'UPDATED'],
        ['unseen', 'CREATED'],
      ],
    );
  });
  it('@removed is DELETED, versioned by the round; removed from one watched folder and present in another is one UPDATED', () => {
    const records = mergeRounds([
      round('inbox', [{ id: 'moved', '@removed': { reason: 'deleted' } }, { id: 'gone', '@removed': { reason: 'deleted' } }]),
      round('archive', [message('moved', -60, 'AR')]),
    ]);
    assert.deepEqual(records, [
      { ...message('moved', -60, 'AR'), '@odata.etag': undefined, eventType: 'UPDATED', version: records[0]?.version },
      { id: 'gone', eventType: 'DELETED', version: roundDigest('inbox') },
    ].map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))));
  });
  it('a message created since and moved between watched folders is still CREATED', () => {
    const records = mergeRounds([round('drafts', [{ id: 'm', '@removed': { reason: 'deleted' } }]), round('sentitems', [message('m', 3, 'SENT')])]);
    assert.deepEqual(records.map((r) => [r.id, r.eventType]), [['m', 'CREATED']]);
  });
  it('versions change with the changeKey and with the folder, and not otherwise', () => {
    const version = (entry: Record<string, unknown>) => mergeRounds([round('inbox', [entry])])[0]?.version;
    assert.equal(version(message('m', -60, 'IN')), version(message('m', -60, 'IN')));
    assert.notEqual(version(message('m', -60, 'IN')), version(message('m', -60, 'IN', 'k2')));
    assert.notEqual(version(message('m', -60, 'IN')), version(message('m', -60, 'AR')));
  });
});

describe('the CEQL filter of listings', () => {
  it('turns conditions joined by AND into an OData $filter', () => {
    assert.equal(messageFilter("receivedDateTime >= '2026-01-02T03:04:05Z' AND isRead = false"), 'receivedDateTime ge 2026-01-02T03:04:05Z and isRead eq false');
    assert.equal(messageFilter(undefined), undefined);
  });
  it('refuses unknown fields, operators and values, naming them', () => {
    assert.throws(() => messageFilter("subject = 'x'"), /unknown field 'subject'/);
    assert.throws(() => messageFilter("isRead > 'x'"), /isRead supports/);
    assert.throws(() => messageFilter("receivedDateTime > 'yesterday'"), /ISO-8601/);
  });
});
