// The Outlook Email hub against the Microsoft emulator: messages (list with paging and where, get,
// change, move, delete, send, attachments) and folders, through HubService.execute (the path of the
// hub routes and the poller alike) and over HTTP; Graph's errors as the hub answers them (a refused
// token refreshed once, throttling waited out after its Retry-After, a missing message).

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ProviderError } from '../../../src/errors/index.ts';
import type { RetryEvent } from '../../../src/hubs/index.ts';
import { startOutlookHub, type OutlookHub } from './outlookFixture.ts';

/** The fields of Graph's messages, folders and attachments these tests read. */
interface Message {
  id: string;
  subject?: string;
  isRead?: boolean;
  flag?: { flagStatus: string };
  categories?: string[];
  parentFolderId?: string;
  body?: { content: string };
  toRecipients?: { emailAddress: { address: string } }[];
  displayName?: string;
  name?: string;
  contentType?: string;
  contentBytes?: string;
}

describe('Outlook hub: messages and folders', () => {
  let f: OutlookHub;
  const retries: RetryEvent[] = [];
  const control = () => f.app.microsoft.control;
  const deliver = (subject: string, fields: Record<string, unknown> = {}) => control().deliverMessage(f.email, { subject, body: `${subject} text`, ...fields });
  const folderId = async (name: string) => ((await f.execute('GET', '/folders')).body as Message[]).find((folder) => folder.displayName === name)?.id;

  before(async () => {
    f = await startOutlookHub('hub@example.com', { hub: { provider: { onRetry: (event) => retries.push(event) } } });
  });
  beforeEach(() => {
    control().clearFaults();
    retries.length = 0;
  });
  after(async () => {
    await f?.close();
  });

  it('lists messages a page at a time with Elements-Next-Page-Token, and filters with where', async () => {
    const ids = ['page one', 'page two', 'page three'].map((subject) => deliver(subject, { isRead: subject === 'page two' }));
    const seen: string[] = [];
    let nextPage: string | undefined;
    let pages = 0;
    do {
      const response = await f.execute('GET', '/messages', { pageSize: '2', ...(nextPage ? { nextPage } : {}) });
      assert.equal(response.status, 200);
      assert.ok((response.body as Message[]).length <= 2);
      seen.push(...(response.body as Message[]).map((message) => message.id));
      nextPage = response.headers['Elements-Next-Page-Token'];
      pages += 1;
    } while (nextPage && pages < 50);
    assert.ok(pages >= 2, 'more than one page');
    for (const id of ids) assert.ok(seen.includes(id), `listed ${id}`);
    assert.equal(new Set(seen).size, seen.length, 'no message twice');

    const unread = (await f.execute('GET', '/messages', { where: 'isRead = false', pageSize: '100' })).body as Message[];
    assert.ok(unread.every((message) => message.isRead === false));
    assert.ok(!unread.some((message) => message.id === ids[1]));
    // (hasAttachments, which Graph filters on too, is not in the emulator's $filter.)
    const recent = (await f.execute('GET', '/messages', { where: "receivedDateTime >= '2000-01-01T00:00:00Z' AND isRead = false" })).body as Message[];
    assert.ok(recent.some((message) => message.id === ids[0]));
    const future = (await f.execute('GET', '/messages', { where: "receivedDateTime > '2999-01-01T00:00:00Z'" })).body as Message[];
    assert.deepEqual(future, []);
    await assert.rejects(f.execute('GET', '/messages', { where: "subject = 'x'" }), /unknown field 'subject'/);
  });

  it('gets a message with its body and without OData annotations', async () => {
    const id = deliver('with a body');
    const message = (await f.execute('GET', `/messages/${encodeURIComponent(id)}`)).body as Message;
    assert.equal(message.id, id);
    assert.equal(message.subject, 'with a body');
    assert.equal(message.body?.content, 'with a body text');
    assert.equal(Object.keys(message).some((key) => key.startsWith('@odata')), false);
  });

  it('changes read state, flag and categories, and refuses what it cannot change', async () => {
    const id = deliver('to change');
    const changed = (await f.execute('PATCH', `/messages/${encodeURIComponent(id)}`, {}, { isRead: true, flag: { flagStatus: 'flagged' }, categories: ['Blue'] })).body as Message;
    assert.equal(changed.isRead, true);
    assert.equal(changed.flag?.flagStatus, 'flagged');
    assert.deepEqual(changed.categories, ['Blue']);
    const read = (await f.execute('GET', `/messages/${encodeURIComponent(id)}`)).body as Message;
    assert.equal(read.isRead, true);
    await assert.rejects(f.execute('PATCH', `/messages/${encodeURIComponent(id)}`, {}, { parentFolderId: 'x' }), /cannot be changed here/);
  });

  it('moves a message to a folder by well-known name, keeping its id', async () => {
    const id = deliver('to archive');
    const moved = await f.http('POST', `/messages/${encodeURIComponent(id)}/move`, { folderId: 'archive' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.id, id);
    assert.equal(moved.body.parentFolderId, await folderId('Archive'));
    const inArchive = await f.http('GET', '/folders/archive/messages?pageSize=100');
    assert.equal(inArchive.status, 200, JSON.stringify(inArchive.body));
    assert.ok((inArchive.body as Message[]).some((message) => message.id === id));
  });

  it('deletes a message: reading it again is a 404 with Graph’s message', async () => {
    const id = deliver('to delete');
    assert.equal((await f.execute('DELETE', `/messages/${encodeURIComponent(id)}`)).status, 200);
    await assert.rejects(f.execute('GET', `/messages/${encodeURIComponent(id)}`), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.statusCode, 404);
      assert.equal(error.details.providerError, 'ErrorItemNotFound');
      return true;
    });
  });

  it('sends a message (sendMail): a copy lands in Sent Items', async () => {
    // (The emulator's sendMail drops a message's attachments, which Graph sends; so none here.)
    const sent = await f.execute('POST', '/messages', {}, { to: 'friend@example.com, other@example.com', subject: 'Sent from the hub', body: 'hello' });
    assert.equal(sent.status, 200);
    assert.equal((sent.body as { sent: boolean }).sent, true);
    const copies = ((await f.execute('GET', '/folders/sentitems/messages', { pageSize: '100' })).body as Message[]).filter((message) => message.subject === 'Sent from the hub');
    assert.equal(copies.length, 1);
    assert.deepEqual(copies[0]!.toRecipients?.map((r) => r.emailAddress.address), ['friend@example.com', 'other@example.com']);
    await assert.rejects(f.execute('POST', '/messages', {}, { subject: 'nobody' }), /recipient/);
  });

  it("lists a message's attachments with their content", async () => {
    const id = deliver('with an attachment', { attachments: [{ name: 'a.txt', contentType: 'text/plain', content: 'abc' }] });
    const attachments = await f.http('GET', `/messages/${encodeURIComponent(id)}/attachments`);
    assert.equal(attachments.status, 200, JSON.stringify(attachments.body));
    assert.deepEqual((attachments.body as Message[]).map((a) => [a.name, a.contentType, Buffer.from(a.contentBytes ?? '', 'base64').toString()]), [['a.txt', 'text/plain', 'abc']]);
  });

  it('lists the folders with their well-known ones', async () => {
    const folders = await f.http('GET', '/folders');
    assert.equal(folders.status, 200, JSON.stringify(folders.body));
    const names = (folders.body as Message[]).map((folder) => folder.displayName);
    for (const name of ['Inbox', 'Sent Items', 'Drafts', 'Deleted Items', 'Archive', 'Junk Email']) assert.ok(names.includes(name), name);
  });

  it('refreshes a refused access token once and goes on', async () => {
    control().expireAccessTokens(f.email);
    control().clearCalls();
    const response = await f.execute('GET', '/folders');
    assert.equal(response.status, 200);
    assert.deepEqual(
      control().calls().filter((call) => call.path.endsWith('/mailFolders')).map((call) => call.status),
      [401, 200],
    );
  });

  it('waits out throttling (429 ApplicationThrottled) for its Retry-After and goes on', async () => {
    control().injectFault({ method: 'GET', pathPattern: '/mailFolders', status: 429, code: 'ApplicationThrottled', retryAfterSeconds: 1, times: 1 });
    const response = await f.execute('GET', '/folders');
    assert.equal(response.status, 200);
    assert.equal(retries.length, 1);
    assert.ok(retries[0]!.delayMs >= 1000, `waited ${retries[0]!.delayMs} ms for Retry-After: 1`);
    assert.match(retries[0]!.reason, /429 ApplicationThrottled/);
  });

  it('answers throttling that outlasts its retries as a 429 with Retry-After', async () => {
    control().injectFault({ method: 'GET', pathPattern: '/mailFolders', status: 429, code: 'ApplicationThrottled', retryAfterSeconds: 3600, times: 1 });
    const response = await f.http('GET', '/folders');
    assert.equal(response.status, 429, JSON.stringify(response.body));
    assert.ok(response.headers.get('retry-after'));
  });

  it('serves the routes it shares with Gmail over HTTP in its own shapes', async () => {
    const id = deliver('over http');
    for (const path of ['/messages', `/messages/${encodeURIComponent(id)}`, '/changed-messages', '/message-states']) {
      const response = await f.http('GET', path);
      assert.equal(response.status, 200, `${path}: ${JSON.stringify(response.body)}`);
    }
  });
});
