// The Gmail API over plain HTTP, where the official client would not let a test go: bad input of
// every kind (Google's error body, never a 500), authentication, scopes, and listing semantics.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GoogleEmulator } from '../../emulators/google/index.ts';
import { base64Url, googleError, http, rfc822, SCOPES, signIn, startEmulator, waitFor, type HttpAnswer } from './helpers.ts';

let emulator: GoogleEmulator;
let api: string;
let token: string;
const EMAIL = 'api@example.com';

before(async () => {
  emulator = await startEmulator({ quotaUnitsPerSecond: 1_000_000 });
  api = `${emulator.baseUrl}/gmail/v1/users/me`;
  token = (await signIn(emulator.baseUrl, EMAIL)).access_token;
});

after(async () => {
  await emulator.close();
});

function get(path: string, withToken = token): Promise<HttpAnswer> {
  return http('GET', `${api}${path}`, { token: withToken });
}

function post(path: string, json: unknown, withToken = token): Promise<HttpAnswer> {
  return http('POST', `${api}${path}`, { token: withToken, json });
}

async function insert(subject: string, labelIds: string[] = ['INBOX']): Promise<string> {
  const answer = await post('/messages', { raw: base64Url(rfc822({ to: EMAIL, subject })), labelIds });
  assert.equal(answer.status, 200, answer.text);
  return (answer.json as { id: string }).id;
}

function expectError(answer: HttpAnswer, status: number, reason: string): void {
  assert.equal(answer.status, status, answer.text);
  const error = googleError(answer);
  assert.equal(error.reason, reason, answer.text);
}

describe('bad input gets Google\'s error, never a 500', () => {
  test('malformed and mistyped JSON bodies: 400', async () => {
    const id = await insert('json');
    const malformed = await http('POST', `${api}/messages/${id}/modify`, { token, body: '{"addLabelIds": [', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.status, 400);
    assert.match(googleError(malformed).message, /Invalid JSON payload/);
    expectError(await post(`/messages/${id}/modify`, [1, 2]), 400, 'invalid');
    expectError(await post(`/messages/${id}/modify`, { addLabelIds: 'STARRED' }), 400, 'invalid');
    expectError(await post('/labels', 'just a string'), 400, 'invalid');
    const empty = await http('POST', `${api}/messages/${id}/modify`, { token, body: '', headers: { 'content-type': 'application/json' } });
    assert.equal(empty.status, 200, 'an empty modify is a no-op');
  });

  test('unknown ids are 404 notFound; malformed ids 400', async () => {
    expectError(await get('/messages/00000000000000ff'), 404, 'notFound');
    expectError(await get('/threads/00000000000000ff'), 404, 'notFound');
    expectError(await get('/labels/Label_999'), 404, 'notFound');
    expectError(await get('/drafts/r123'), 404, 'notFound');
    expectError(await post('/messages/00000000000000ff/trash', {}), 404, 'notFound');
    expectError(await http('DELETE', `${api}/messages/00000000000000ff`, { token }), 404, 'notFound');
    expectError(await get('/messages/not-an-id!'), 400, 'invalidArgument');
    const id = await insert('attachments');
    expectError(await get(`/messages/${id}/attachments/nope`), 400, 'invalidArgument');
  });

  test('bad page tokens: 400 invalidArgument, also when swapped between list kinds', async () => {
    for (let i = 0; i < 3; i++) await insert(`page ${i}`);
    expectError(await get('/messages?pageToken=garbage'), 400, 'invalidArgument');
    expectError(await get('/threads?pageToken=garbage'), 400, 'invalidArgument');
    expectError(await get('/drafts?pageToken=%3D%3D'), 400, 'invalidArgument');
    const page = await get('/messages?maxResults=1');
    const nextPageToken = (page.json as { nextPageToken: string }).nextPageToken;
    assert.ok(nextPageToken);
    expectError(await get(`/threads?pageToken=${nextPageToken}`), 400, 'invalidArgument');
    const tampered = Buffer.from(Buffer.from(nextPageToken, 'base64url').toString().replace(/^messages:\d/, 'messages:9')).toString('base64url');
    expectError(await get(`/messages?pageToken=${tampered}`), 400, 'invalidArgument');
    const historyId = ((await get('/profile')).json as { historyId: string }).historyId;
    expectError(await get(`/history?startHistoryId=${historyId}&pageToken=abc`), 400, 'invalidArgument');
  });

  test('startHistoryId: missing or not a number 400, out of range 404', async () => {
    expectError(await get('/history'), 400, 'invalidArgument');
    expectError(await get('/history?startHistoryId=abc'), 400, 'invalid');
    expectError(await get('/history?startHistoryId=-5'), 400, 'invalid');
    expectError(await get('/history?startHistoryId=99999999999999999999'), 404, 'notFound');
    const current = Number(((await get('/profile')).json as { historyId: string }).historyId);
    expectError(await get(`/history?startHistoryId=${current + 1000}`), 404, 'notFound');
    expectError(await get('/history?startHistoryId=1'), 404, 'notFound');
    assert.equal((await get(`/history?startHistoryId=${current}`)).status, 200, 'the current id itself is valid');
    assert.equal(googleError(await get('/history?startHistoryId=1')).message, 'Requested entity was not found.');
  });

  test('bad query parameter values: 400', async () => {
    expectError(await get('/messages?maxResults=lots'), 400, 'invalid');
    expectError(await get('/messages?includeSpamTrash=maybe'), 400, 'invalid');
    expectError(await get('/messages?q=(unbalanced'), 400, 'invalidArgument');
    const id = await insert('format');
    expectError(await get(`/messages/${id}?format=fancy`), 400, 'invalid');
    expectError(await get(`/threads/${id}?format=raw`), 400, 'invalid');
    const current = ((await get('/profile')).json as { historyId: string }).historyId;
    expectError(await get(`/history?startHistoryId=${current}&historyTypes=messageExploded`), 400, 'invalid');
  });

  test('message uploads: missing raw, garbage raw, wrong upload forms: 400', async () => {
    const missing = await post('/messages', {});
    expectError(missing, 400, 'invalidArgument');
    assert.match(googleError(missing).message, /raw/);
    expectError(await post('/messages', { raw: '!!!' }), 400, 'invalid');
    expectError(await post('/messages', { raw: base64Url('no headers at all, just text') }), 400, 'invalidArgument');
    expectError(await post('/messages', { raw: base64Url(rfc822({})), labelIds: ['NO_SUCH_LABEL'] }), 400, 'invalidArgument');
    const upload = `${emulator.baseUrl}/upload/gmail/v1/users/me/messages`;
    expectError(await http('POST', upload, { token, body: rfc822({}), headers: { 'content-type': 'message/rfc822' } }), 400, 'invalidArgument');
    expectError(await http('POST', `${upload}?uploadType=resumable`, { token, body: rfc822({}), headers: { 'content-type': 'message/rfc822' } }), 400, 'invalidArgument');
    expectError(
      await http('POST', `${upload}?uploadType=multipart`, { token, body: '--b\r\ncontent-type: application/json\r\n\r\n{}\r\n--b--', headers: { 'content-type': 'multipart/related; boundary=b' } }),
      400,
      'invalidArgument',
    );
    expectError(await http('POST', `${upload}?uploadType=multipart`, { token, body: 'no boundary here', headers: { 'content-type': 'multipart/related; boundary=b' } }), 400, 'invalidArgument');
    const media = await http('POST', `${upload}?uploadType=media`, { token, body: rfc822({ subject: 'via media' }), headers: { 'content-type': 'message/rfc822' } });
    assert.equal(media.status, 200);
  });

  test('send without recipients, batch calls without ids or labels: 400', async () => {
    const noRecipient = rfc822({}).replace(/^To: .*\r\n/m, '');
    expectError(await post('/messages/send', { raw: base64Url(noRecipient) }), 400, 'invalidArgument');
    expectError(await post('/messages/batchModify', { addLabelIds: ['STARRED'] }), 400, 'invalidArgument');
    const id = await insert('batch');
    expectError(await post('/messages/batchModify', { ids: [id] }), 400, 'invalidArgument');
    expectError(await post('/messages/batchDelete', {}), 400, 'invalidArgument');
    expectError(await post('/messages/batchDelete', { ids: ['zz!'] }), 400, 'invalidArgument');
  });

  test('labels: duplicate names 409, system labels cannot be changed or deleted, DRAFT cannot be set', async () => {
    assert.equal((await post('/labels', { name: 'Projects' })).status, 200);
    expectError(await post('/labels', { name: 'projects' }), 409, 'duplicate');
    expectError(await post('/labels', { name: 'INBOX' }), 400, 'invalidArgument');
    expectError(await post('/labels', {}), 400, 'invalidArgument');
    expectError(await http('DELETE', `${api}/labels/INBOX`, { token }), 400, 'invalidArgument');
    expectError(await http('PATCH', `${api}/labels/STARRED`, { token, json: { name: 'x' } }), 400, 'invalidArgument');
    expectError(await post('/labels', { name: 'Colour', color: { textColor: 'red' } }), 400, 'invalidArgument');
    const id = await insert('draft label');
    expectError(await post(`/messages/${id}/modify`, { addLabelIds: ['DRAFT'] }), 400, 'invalidArgument');
    expectError(await post(`/messages/${id}/modify`, { addLabelIds: ['Label_404'] }), 400, 'invalidArgument');
  });

  test('unknown URLs answer Google\'s HTML 404', async () => {
    for (const path of ['/nothing-here', '/gmail/v1/users/me/unknown', '/gmail/v2/users/me/profile']) {
      const answer = await http('GET', `${emulator.baseUrl}${path}`, { token });
      assert.equal(answer.status, 404);
      assert.match(answer.text, /That’s an error/);
    }
    const wrongVerb = await http('PUT', `${api}/profile`, { token, json: {} });
    assert.equal(wrongVerb.status, 404);
  });
});

describe('no input ends in a 500', () => {
  test('a corpus of broken bodies, parameters and methods over every route', async () => {
    const delivered = await emulator.control.deliverMessage(EMAIL, { subject: 'corpus' });
    const paths = [
      '/messages', `/messages/${delivered.id}`, `/messages/${delivered.id}/modify`, `/messages/${delivered.id}/trash`, '/messages/import',
      '/messages/send', '/messages/batchModify', '/messages/batchDelete', `/messages/${delivered.id}/attachments/x`, '/threads',
      `/threads/${delivered.threadId}/modify`, '/labels', '/labels/INBOX', '/drafts', '/drafts/send', '/history', '/profile',
    ];
    const bodies = ['{', '[]', 'null', '"x"', '{"raw": 5}', '{"raw": "%%%"}', '{"ids": [1]}', '{"addLabelIds": [null]}', '{"message": {"raw": []}}', '{"name": {"a": 1}}'];
    const queries = ['?maxResults=99999999999999999999', '?pageToken=%00', '?q=%22', '?q=after:2020/13/45', '?startHistoryId=0', '?uploadType=multipart'];
    const failures: string[] = [];
    for (const path of paths) {
      for (const [i, body] of bodies.entries()) {
        const method = (['POST', 'PUT', 'PATCH'] as const)[i % 3] as 'POST' | 'PUT' | 'PATCH';
        const prefix = i % 2 === 0 ? '/gmail/v1/users/me' : '/upload/gmail/v1/users/me';
        const query = queries[i % queries.length] as string;
        const contentType = i % 4 === 3 ? 'multipart/related; boundary=zz' : 'application/json';
        const answer = await http(method, `${emulator.baseUrl}${prefix}${path}${query}`, { token, body, headers: { 'content-type': contentType } });
        if (answer.status >= 500) failures.push(`${method} ${prefix}${path}${query} ${body}: ${answer.status}`);
      }
      for (const query of queries) {
        const answer = await http('GET', `${api}${path}${query}`, { token });
        if (answer.status >= 500) failures.push(`GET ${path}${query}: ${answer.status}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});

describe('authentication and scopes', () => {
  test('missing, malformed and unknown tokens: 401 authError with WWW-Authenticate', async () => {
    const variants: Record<string, string>[] = [{}, { authorization: 'Bearer' }, { authorization: 'Basic abc' }, { authorization: 'Bearer ya29.unknown' }];
    for (const headers of variants) {
      const answer = await http('GET', `${api}/profile`, { headers });
      expectError(answer, 401, 'authError');
      assert.equal(googleError(answer).status, 'UNAUTHENTICATED');
      assert.match(String(answer.headers['www-authenticate']), /^Bearer realm=/);
    }
  });

  test('another user\'s address is a 403; the own address works like me', async () => {
    expectError(await http('GET', `${emulator.baseUrl}/gmail/v1/users/other@example.com/profile`, { token }), 403, 'forbidden');
    const own = await http('GET', `${emulator.baseUrl}/gmail/v1/users/${encodeURIComponent('API@example.com')}/profile`, { token });
    assert.equal(own.status, 200);
  });

  test('each scope allows what Google allows, and 403 insufficientPermissions otherwise', async () => {
    const id = await insert('scopes');
    const readonly = (await signIn(emulator.baseUrl, EMAIL, [SCOPES.readonly])).access_token;
    assert.equal((await get(`/messages/${id}`, readonly)).status, 200);
    for (const [path, body] of [[`/messages/${id}/modify`, { addLabelIds: ['STARRED'] }], [`/messages/${id}/trash`, {}], ['/labels', { name: 'ro' }]] as const) {
      const answer = await post(path, body, readonly);
      expectError(answer, 403, 'insufficientPermissions');
      assert.match(String(answer.headers['www-authenticate']), /insufficient_scope/);
    }

    const modify = (await signIn(emulator.baseUrl, EMAIL, [SCOPES.modify])).access_token;
    assert.equal((await post(`/messages/${id}/modify`, { addLabelIds: ['STARRED'] }, modify)).status, 200);
    expectError(await http('DELETE', `${api}/messages/${id}`, { token: modify }), 403, 'insufficientPermissions');

    const send = (await signIn(emulator.baseUrl, EMAIL, [SCOPES.send])).access_token;
    assert.equal((await post('/messages/send', { raw: base64Url(rfc822({ to: 'elsewhere@example.com' })) }, send)).status, 200);
    expectError(await get('/messages', send), 403, 'insufficientPermissions');

    const labels = (await signIn(emulator.baseUrl, EMAIL, [SCOPES.labels])).access_token;
    assert.equal((await get('/labels', labels)).status, 200);
    expectError(await get('/messages', labels), 403, 'insufficientPermissions');

    const metadata = (await signIn(emulator.baseUrl, EMAIL, [SCOPES.metadata])).access_token;
    assert.equal((await get(`/messages/${id}?format=metadata`, metadata)).status, 200);
    assert.equal((await get('/messages?labelIds=INBOX', metadata)).status, 200);
    expectError(await get(`/messages/${id}?format=full`, metadata), 403, 'forbidden');
    expectError(await get('/messages?q=subject:scopes', metadata), 403, 'forbidden');

    const insertOnly = (await signIn(emulator.baseUrl, EMAIL, [SCOPES.insert])).access_token;
    assert.equal((await post('/messages', { raw: base64Url(rfc822({})) }, insertOnly)).status, 200);
    expectError(await get('/profile', insertOnly), 403, 'insufficientPermissions');
  });
});

describe('listing and history semantics', () => {
  test('spam and trash are hidden unless asked for', async () => {
    const owner = await signIn(emulator.baseUrl, 'spam@example.com');
    const base = `${emulator.baseUrl}/gmail/v1/users/me`;
    const add = async (labelIds: string[]): Promise<string> =>
      ((await http('POST', `${base}/messages`, { token: owner.access_token, json: { raw: base64Url(rfc822({})), labelIds } })).json as { id: string }).id;
    const inbox = await add(['INBOX']);
    const spam = await add(['SPAM']);
    const trash = await add(['TRASH']);
    const ids = async (query: string): Promise<string[]> =>
      (((await http('GET', `${base}/messages${query}`, { token: owner.access_token })).json as { messages?: { id: string }[] }).messages ?? []).map((m) => m.id);
    assert.deepEqual(await ids(''), [inbox]);
    assert.deepEqual((await ids('?includeSpamTrash=true')).sort(), [inbox, spam, trash].sort());
    assert.deepEqual(await ids('?labelIds=SPAM'), [spam]);
    assert.deepEqual(await ids('?q=in:trash'), [trash]);
    const estimate = (await http('GET', `${base}/messages`, { token: owner.access_token })).json as { resultSizeEstimate: number };
    assert.equal(estimate.resultSizeEstimate, 1);
  });

  test('threads page by their newest message, each thread once', async () => {
    const owner = await signIn(emulator.baseUrl, 'threads@example.com');
    const base = `${emulator.baseUrl}/gmail/v1/users/me`;
    const add = async (subject: string, headers: Record<string, string>): Promise<{ id: string; threadId: string }> =>
      (await http('POST', `${base}/messages`, { token: owner.access_token, json: { raw: base64Url(rfc822({ subject, headers })), labelIds: ['INBOX'] } })).json as { id: string; threadId: string };
    const roots = [];
    for (let i = 0; i < 3; i++) roots.push(await add(`thread ${i}`, { 'Message-ID': `<root-${i}@example.com>` }));
    // Replies arrive in the opposite order, so the oldest thread becomes the newest.
    for (let i = 2; i >= 0; i--) await add(`Re: thread ${i}`, { 'In-Reply-To': `<root-${i}@example.com>` });
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = (await http('GET', `${base}/threads?maxResults=2${pageToken ? `&pageToken=${pageToken}` : ''}`, { token: owner.access_token })).json as {
        threads?: { id: string; snippet: string; historyId: string }[];
        nextPageToken?: string;
      };
      seen.push(...(page.threads ?? []).map((t) => t.id));
      pageToken = page.nextPageToken ?? '';
    } while (pageToken !== '');
    assert.deepEqual(seen, [roots[0]?.threadId, roots[1]?.threadId, roots[2]?.threadId]);
  });

  test('labels.update replaces what labels.patch merges', async () => {
    const owner = await signIn(emulator.baseUrl, 'labels@example.com');
    const base = `${emulator.baseUrl}/gmail/v1/users/me/labels`;
    const created = (await http('POST', base, { token: owner.access_token, json: { name: 'Work', labelListVisibility: 'labelHide', color: { textColor: '#000000', backgroundColor: '#ffffff' } } })).json as { id: string };
    const patched = (await http('PATCH', `${base}/${created.id}`, { token: owner.access_token, json: { name: 'Work 2' } })).json as Record<string, unknown>;
    assert.equal(patched.labelListVisibility, 'labelHide');
    assert.deepEqual(patched.color, { textColor: '#000000', backgroundColor: '#ffffff' });
    const updated = (await http('PUT', `${base}/${created.id}`, { token: owner.access_token, json: { name: 'Work 3' } })).json as Record<string, unknown>;
    assert.equal(updated.name, 'Work 3');
    assert.equal(updated.labelListVisibility, 'labelShow');
    assert.equal(updated.color, undefined);
    const missingName = await http('PUT', `${base}/${created.id}`, { token: owner.access_token, json: {} });
    assert.equal(missingName.status, 400);
  });

  test('history ids grow but not one by one, and every message carries its latest', async () => {
    const owner = await signIn(emulator.baseUrl, 'steps@example.com');
    const base = `${emulator.baseUrl}/gmail/v1/users/me`;
    const start = ((await http('GET', `${base}/profile`, { token: owner.access_token })).json as { historyId: string }).historyId;
    let id = '';
    for (let i = 0; i < 20; i++) {
      const answer = await http('POST', `${base}/messages`, { token: owner.access_token, json: { raw: base64Url(rfc822({ subject: `step ${i}` })), labelIds: ['INBOX'] } });
      id = (answer.json as { id: string }).id;
    }
    const history = (await http('GET', `${base}/history?startHistoryId=${start}`, { token: owner.access_token })).json as { history: { id: string }[]; historyId: string };
    const steps = history.history.map((h, i, all) => Number(h.id) - Number(i === 0 ? start : (all[i - 1] as { id: string }).id));
    assert.ok(steps.every((s) => s >= 1));
    assert.ok(steps.some((s) => s > 1), `steps ${steps.join(',')} must not all be 1`);
    const message = (await http('GET', `${base}/messages/${id}?format=minimal`, { token: owner.access_token })).json as { historyId: string };
    assert.equal(message.historyId, history.historyId);
  });

  test('history retention: records older than the window are gone, and so are their start ids', async () => {
    const owner = await signIn(emulator.baseUrl, 'retention@example.com');
    const base = `${emulator.baseUrl}/gmail/v1/users/me`;
    const start = ((await http('GET', `${base}/profile`, { token: owner.access_token })).json as { historyId: string }).historyId;
    await http('POST', `${base}/messages`, { token: owner.access_token, json: { raw: base64Url(rfc822({})) } });
    const written = Date.now();
    assert.equal((await http('GET', `${base}/history?startHistoryId=${start}`, { token: owner.access_token })).status, 200);
    // With a window of 0 a record is gone once it is older than now: from the next millisecond on.
    await waitFor(() => Date.now() > written || undefined, 'a millisecond after the write');
    emulator.control.setHistoryRetention(0);
    try {
      expectError(await http('GET', `${base}/history?startHistoryId=${start}`, { token: owner.access_token }), 404, 'notFound');
    } finally {
      emulator.control.setHistoryRetention(7 * 24 * 3600);
    }
  });
});
