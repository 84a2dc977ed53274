// The change feed GET /hubs/general/changed-messages against the emulator's History API: baseline,
// CREATED / UPDATED / DELETED, collapsing, paging with Elements-Has-More, expired cursors, a failed
// fetch that must not move the cursor, and the quota it costs as the emulator counts it.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CursorExpired } from '../../src/hubs/index.ts';
import { deliver, startHubFixture, type HubFixture } from './hubFixture.ts';

interface ChangedRecord {
  id: string;
  threadId: string;
  eventType: 'CREATED' | 'UPDATED' | 'DELETED';
  historyId: string;
  labelIds?: string[];
  subject?: string;
}

describe('hub changed-messages', () => {
  let f: HubFixture;
  const control = () => f.app.emulator.control;

  async function changes(cursor: string | null, query = ''): Promise<{ status: number; records: ChangedRecord[]; next: string; hasMore: boolean; body: any }> {
    const response = await f.hub('GET', `/changed-messages?${cursor === null ? '' : `cursor=${encodeURIComponent(cursor)}`}${query}`);
    return {
      status: response.status,
      records: response.body as ChangedRecord[],
      next: response.headers.get('elements-next-cursor') ?? '',
      hasMore: response.headers.get('elements-has-more') === 'true',
      body: response.body,
    };
  }
  async function baseline(): Promise<string> {
    const response = await changes(null);
    assert.equal(response.status, 200);
    return response.next;
  }

  before(async () => {
    f = await startHubFixture('feed@example.com');
  });
  beforeEach(() => {
    control().clearFaults();
  });
  after(async () => {
    await f?.close();
  });

  it('answers the baseline without a cursor: no records and the current cursor, for 1 quota unit', async () => {
    await deliver(f, 2, { subject: 'before the baseline' });
    control().resetQuota(f.email);
    const response = await changes(null);
    assert.equal(response.status, 200);
    assert.deepEqual(response.records, []);
    assert.ok(response.next);
    assert.equal(response.hasMore, false);
    assert.equal(control().quota(f.email).unitsUsed, 1);
    // Nothing that happened before the baseline is reported after it.
    const after = await changes(response.next);
    assert.deepEqual(after.records, []);
  });

  it('costs exactly one history.list (2 units) when idle', async () => {
    const cursor = await baseline();
    control().resetQuota(f.email);
    const idle = await changes(cursor);
    assert.equal(idle.status, 200);
    assert.deepEqual(idle.records, []);
    const quota = control().quota(f.email);
    assert.equal(quota.unitsUsed, 2);
    assert.deepEqual(quota.requests, { 'gmail.users.history.list': 1 });
    console.log(`quota: idle changed-messages = ${quota.unitsUsed} units`);
    // An idle call keeps a usable cursor.
    assert.deepEqual((await changes(idle.next)).records, []);
  });

  it('reports CREATED, UPDATED and DELETED, one record per message, within 2 + 5·N units, fetched in a batch', async () => {
    const [kept, relabelled, removed] = await deliver(f, 3, { subject: 'existing' });
    const cursor = await baseline();

    const [fresh] = await deliver(f, 1, { subject: 'fresh' });
    await f.hub('PATCH', `/messages/${relabelled}`, { addLabelIds: ['STARRED'] });
    await f.hub('PATCH', `/messages/${relabelled}`, { removeLabelIds: ['UNREAD'] });
    await f.hub('DELETE', `/messages/${removed}`);
    const [fleeting] = await deliver(f, 1, { subject: 'fleeting' });
    await f.hub('DELETE', `/messages/${fleeting}`);
    await f.hub('PATCH', `/messages/${fresh}`, { addLabelIds: ['IMPORTANT'] });

    // Proof that the metadata reads went through the batch endpoint: a harmless fault on it is consumed.
    control().injectFault({ method: 'POST', pathPattern: '/batch/gmail/v1', latencyMs: 1, times: 1 });
    control().resetQuota(f.email);
    const response = await changes(cursor);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(control().listFaults().length, 0, 'the batch endpoint was called');

    const byId = new Map(response.records.map((record) => [record.id, record]));
    assert.equal(byId.size, response.records.length, 'one record per message');
    assert.equal(byId.has(kept!), false);
    assert.equal(byId.get(fresh!)?.eventType, 'CREATED', 'added then relabelled stays CREATED');
    assert.ok(byId.get(fresh!)?.labelIds?.includes('IMPORTANT'));
    assert.equal(byId.get(fresh!)?.subject, 'fresh 1');
    assert.equal(byId.get(relabelled!)?.eventType, 'UPDATED');
    assert.ok(byId.get(relabelled!)?.labelIds?.includes('STARRED'));
    assert.deepEqual(byId.get(removed!), { id: removed, threadId: byId.get(removed!)?.threadId, eventType: 'DELETED', historyId: byId.get(removed!)?.historyId });
    assert.equal(byId.get(fleeting!)?.eventType, 'DELETED', 'added and deleted in one window is DELETED only');
    for (const record of response.records) assert.match(record.historyId, /^\d+$/);
    // The record's historyId is the change's: the two updates of one message report the later one.
    assert.ok(BigInt(byId.get(relabelled!)!.historyId) > BigInt(cursorHistoryId(cursor)));

    const fetched = response.records.filter((record) => record.eventType !== 'DELETED').length;
    const changed = response.records.length;
    const quota = control().quota(f.email);
    assert.equal(quota.requests['gmail.users.history.list'], 1);
    assert.equal(quota.requests['gmail.users.messages.get'], fetched, 'one metadata get per created or updated message, none for deletions');
    assert.ok(quota.unitsUsed <= 2 + 5 * changed, `${quota.unitsUsed} units for ${changed} changed messages`);
    console.log(`quota: ${changed} changed messages (${fetched} fetched, ${changed - fetched} deleted) = ${quota.unitsUsed} units (bound 2 + 5·N = ${2 + 5 * changed})`);

    // The next cursor starts after all of it.
    assert.deepEqual((await changes(response.next)).records, []);
  });

  it('stays within 2 + 5·N units for many messages, across batches and Gmail\'s per-second limit', async () => {
    const cursor = await baseline();
    const ids = await deliver(f, 60, { subject: 'bulk' });
    control().resetQuota(f.email);
    const response = await changes(cursor, '&pageSize=100');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.records.map((record) => record.id), ids);
    assert.ok(response.records.every((record) => record.eventType === 'CREATED' && record.subject?.startsWith('bulk')));
    const quota = control().quota(f.email);
    assert.equal(quota.requests['gmail.users.messages.get'], 60);
    assert.ok(quota.unitsUsed <= 2 + 5 * 60, `${quota.unitsUsed} units`);
    console.log(`quota: 60 changed messages = ${quota.unitsUsed} units (bound ${2 + 5 * 60}); parts refused by the 250 units/s limit and retried: ${quota.rateLimited}`);
  });

  it('pages through long histories with Elements-Has-More, committing a cursor per page', async () => {
    const cursor = await baseline();
    const ids = await deliver(f, 5, { subject: 'paged' });
    const seen: string[] = [];
    let next = cursor;
    let pages = 0;
    for (;;) {
      const page = await changes(next, '&pageSize=2');
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.records.length <= 2);
      seen.push(...page.records.map((record) => record.id));
      assert.notEqual(page.next, next, 'every page moves the cursor');
      next = page.next;
      pages++;
      if (!page.hasMore) break;
      assert.ok(pages < 10);
    }
    assert.ok(pages >= 3, `${pages} pages`);
    assert.deepEqual(seen, ids);
    assert.deepEqual((await changes(next)).records, []);
  });

  it('fails the call when a fetch fails, so the same cursor still yields the changes', async () => {
    const cursor = await baseline();
    const [id] = await deliver(f, 1, { subject: 'must not be skipped' });
    const { execute } = f.inProcess({ provider: { retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 50 } } });
    control().injectFault({ method: 'users.messages.get', pathPattern: '/messages/', status: 500, times: 10 });
    await assert.rejects(execute({ method: 'GET', path: '/changed-messages', query: { cursor } }), { statusCode: 502 });
    control().clearFaults();
    const retried = await execute({ method: 'GET', path: '/changed-messages', query: { cursor } });
    assert.deepEqual((retried.body as ChangedRecord[]).map((record) => [record.id, record.eventType]), [[id, 'CREATED']]);
  });

  it('reports an expired cursor as 410 over HTTP and as CursorExpired in process', async () => {
    const cursor = await baseline();
    await deliver(f, 1, { subject: 'lost in the gap' });
    control().expireHistory(f.email);
    const response = await changes(cursor);
    assert.equal(response.status, 410);
    assert.match(response.body.message, /cursor has expired/);
    assert.ok(response.body.requestId);
    const { execute } = f.inProcess({});
    await assert.rejects(execute({ method: 'GET', path: '/changed-messages', query: { cursor } }), (error: unknown) => error instanceof CursorExpired && error.statusCode === 410);
    // A new baseline works again.
    const fresh = await baseline();
    assert.deepEqual((await changes(fresh)).records, []);
  });

  it('accepts the configured poll URL form and a bare history id, and refuses a foreign cursor', async () => {
    const profile = await f.hub('GET', '/ping');
    const [id] = await deliver(f, 1, { subject: 'bare' });
    const { execute } = f.inProcess({});
    const viaUrl = await execute({ method: 'GET', path: `/hubs/general/changed-messages?cursor=${profile.body.historyId}` });
    assert.deepEqual((viaUrl.body as ChangedRecord[]).map((record) => record.id), [id]);
    const bad = await changes('not-a-cursor');
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /cursor/);
  });
});

function cursorHistoryId(cursor: string): string {
  return (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { h: string }).h;
}
