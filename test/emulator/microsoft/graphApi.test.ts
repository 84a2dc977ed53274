// Graph v1.0 mail over HTTP: folders, listing options, message changes, permissions, error shapes,
// request ids and the call log.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { MicrosoftEmulator } from '../../../emulators/microsoft/index.ts';
import { graph, signIn, startEmulator } from './helpers.ts';

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

const get = (path: string, headers: Record<string, string> = {}) => graph(emulator.baseUrl, token, 'GET', path, undefined, headers);

describe('folders', () => {
  test('well-known folders with counts; get by name; create, rename, delete with its messages', async () => {
    emulator.control.deliverMessage(EMAIL, { subject: 'one' });
    emulator.control.deliverMessage(EMAIL, { subject: 'two', isRead: true });
    const list = await get('/v1.0/me/mailFolders');
    assert.equal(list.status, 200);
    const names = list.body.value.map((f: { displayName: string }) => f.displayName);
    for (const name of ['Inbox', 'Drafts', 'Sent Items', 'Deleted Items', 'Archive', 'Junk Email']) assert.ok(names.includes(name), name);
    const inbox = await get('/v1.0/me/mailFolders/inbox');
    assert.equal(inbox.body.totalItemCount, 2);
    assert.equal(inbox.body.unreadItemCount, 1);
    assert.equal(inbox.body.childFolderCount, 0);

    const created = await graph(emulator.baseUrl, token, 'POST', '/v1.0/me/mailFolders', { displayName: 'Projects' });
    assert.equal(created.status, 201);
    const duplicate = await graph(emulator.baseUrl, token, 'POST', '/v1.0/me/mailFolders', { displayName: 'projects' });
    assert.equal(duplicate.status, 409);
    const renamed = await graph(emulator.baseUrl, token, 'PATCH', `/v1.0/me/mailFolders/${created.body.id}`, { displayName: 'Work' });
    assert.equal(renamed.body.displayName, 'Work');
    const id = emulator.control.deliverMessage(EMAIL, { subject: 'filed', folder: created.body.id });
    assert.equal((await graph(emulator.baseUrl, token, 'DELETE', `/v1.0/me/mailFolders/${created.body.id}`)).status, 204);
    assert.equal((await get(`/v1.0/me/messages/${id}`)).status, 404);
    assert.equal((await graph(emulator.baseUrl, token, 'DELETE', '/v1.0/me/mailFolders/inbox')).status, 403);
  });
});

describe('listing messages', () => {
  test('$filter on receivedDateTime and isRead, $orderby, $top/$skip paging with nextLink', async () => {
    for (let day = 1; day <= 5; day++) {
      emulator.control.deliverMessage(EMAIL, { subject: `day ${day}`, receivedDateTime: `2026-03-0${day}T10:00:00Z`, isRead: day % 2 === 0 });
    }
    const recent = await get("/v1.0/me/messages?$filter=receivedDateTime ge 2026-03-03T00:00:00Z and isRead eq false&$select=subject");
    assert.deepEqual(
      recent.body.value.map((m: { subject: string }) => m.subject),
      ['day 5', 'day 3'],
    );
    const ascending = await get('/v1.0/me/mailFolders/inbox/messages?$orderby=receivedDateTime asc&$top=2&$select=subject');
    assert.deepEqual(
      ascending.body.value.map((m: { subject: string }) => m.subject),
      ['day 1', 'day 2'],
    );
    const next = ascending.body['@odata.nextLink'] as string;
    assert.match(next, /\$skip=2/);
    const second = await get(next);
    assert.deepEqual(
      second.body.value.map((m: { subject: string }) => m.subject),
      ['day 3', 'day 4'],
    );
    const last = await get(second.body['@odata.nextLink']);
    assert.equal(last.body.value.length, 1);
    assert.equal(last.body['@odata.nextLink'], undefined);
    assert.match(ascending.body['@odata.context'], /\/v1\.0\/\$metadata#users\('[0-9a-f-]+'\)\/mailFolders\('inbox'\)\/messages/);
    const bad = await get('/v1.0/me/messages?$filter=subject eq \'x\'');
    assert.equal(bad.status, 400);
  });

  test('default page is 10, $top is capped at 1000', async () => {
    for (let i = 0; i < 12; i++) emulator.control.deliverMessage(EMAIL, { subject: `m${i}` });
    const page = await get('/v1.0/me/messages?$select=id');
    assert.equal(page.body.value.length, 10);
    assert.ok(page.body['@odata.nextLink']);
    const all = await get('/v1.0/me/messages?$top=5000&$select=id');
    assert.equal(all.body.value.length, 12);
  });
});

describe('changing messages', () => {
  test('PATCH answers the updated message with a new changeKey; move keeps the id', async () => {
    const id = emulator.control.deliverMessage(EMAIL, { subject: 'x' });
    const before = await get(`/v1.0/me/messages/${id}`);
    const patched = await graph(emulator.baseUrl, token, 'PATCH', `/v1.0/me/messages/${id}`, { isRead: true, importance: 'high', flag: { flagStatus: 'complete' } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.isRead, true);
    assert.equal(patched.body.importance, 'high');
    assert.notEqual(patched.body.changeKey, before.body.changeKey);
    assert.equal(patched.body['@odata.etag'], `W/"${patched.body.changeKey}"`);
    const readOnly = await graph(emulator.baseUrl, token, 'PATCH', `/v1.0/me/messages/${id}`, { id: 'other' });
    assert.equal(readOnly.status, 400);
    const moved = await graph(emulator.baseUrl, token, 'POST', `/v1.0/me/messages/${id}/move`, { destinationId: 'deleteditems' });
    assert.equal(moved.status, 201);
    assert.equal(moved.body.id, id);
    const deleted = await get('/v1.0/me/mailFolders/deleteditems');
    assert.equal(moved.body.parentFolderId, deleted.body.id);
  });

  test('drafts, send and sendMail between mailboxes', async () => {
    emulator.control.createMailbox('bob@example.com');
    const draft = await graph(emulator.baseUrl, token, 'POST', '/v1.0/me/messages', { subject: 'draft', toRecipients: [{ emailAddress: { address: 'bob@example.com' } }] });
    assert.equal(draft.status, 201);
    assert.equal(draft.body.isDraft, true);
    assert.equal((await graph(emulator.baseUrl, token, 'POST', `/v1.0/me/messages/${draft.body.id}/send`)).status, 202);
    const noSave = await graph(emulator.baseUrl, token, 'POST', '/v1.0/me/sendMail', { message: { subject: 'quiet', toRecipients: [{ emailAddress: { address: 'bob@example.com' } }] }, saveToSentItems: false });
    assert.equal(noSave.status, 202);
    assert.deepEqual(
      emulator.control.listMessages('bob@example.com', 'inbox').map((m) => m.subject).sort(),
      ['draft', 'quiet'],
    );
    assert.deepEqual(
      emulator.control.listMessages(EMAIL, 'sentitems').map((m) => m.subject),
      ['draft'],
    );
    const noRecipient = await graph(emulator.baseUrl, token, 'POST', '/v1.0/me/sendMail', { message: { subject: 'nobody' } });
    assert.equal(noRecipient.status, 400);
  });
});

describe('authorization and error shape', () => {
  test('401 without a token, 403 without a mail permission, Graph error body with request ids', async () => {
    const anonymous = await fetch(`${emulator.baseUrl}/v1.0/me/messages`, { headers: { 'client-request-id': 'mine-123' } });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('client-request-id'), 'mine-123');
    const requestId = anonymous.headers.get('request-id');
    assert.ok(requestId);
    const body = (await anonymous.json()) as { error: { code: string; innerError: Record<string, string> } };
    assert.equal(body.error.code, 'InvalidAuthenticationToken');
    assert.equal(body.error.innerError['request-id'], requestId);
    assert.equal(body.error.innerError['client-request-id'], 'mine-123');

    const profileOnly = (await signIn(emulator.baseUrl, 'eve@example.com', 'openid User.Read')).accessToken;
    assert.equal((await graph(emulator.baseUrl, profileOnly, 'GET', '/v1.0/me')).status, 200);
    const forbidden = await graph(emulator.baseUrl, profileOnly, 'GET', '/v1.0/me/messages');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.error.code, 'ErrorAccessDenied');
    const readOnly = (await signIn(emulator.baseUrl, 'eve@example.com', 'Mail.Read')).accessToken;
    assert.equal((await graph(emulator.baseUrl, readOnly, 'GET', '/v1.0/me/messages')).status, 200);
    assert.equal((await graph(emulator.baseUrl, readOnly, 'POST', '/v1.0/me/sendMail', { message: { toRecipients: [{ emailAddress: { address: 'x@example.com' } }] } })).status, 403);
  });

  test('/users/{userPrincipalName} is the signed-in user; someone else is 403', async () => {
    assert.equal((await get(`/v1.0/users/${EMAIL}/messages`)).status, 200);
    assert.equal((await get('/v1.0/users/other@example.com/messages')).status, 403);
  });

  test('the call log records method, path, mailbox and status', async () => {
    emulator.control.clearCalls();
    await get('/v1.0/me/mailFolders/inbox/messages?$top=1');
    await get('/v1.0/me/messages/nope');
    const calls = emulator.control.calls({ mailbox: EMAIL });
    assert.deepEqual(
      calls.map((c) => [c.method, c.path, c.mailbox, c.status]),
      [
        ['GET', '/v1.0/me/mailFolders/inbox/messages', EMAIL, 200],
        ['GET', '/v1.0/me/messages/nope', EMAIL, 404],
      ],
    );
  });
});
