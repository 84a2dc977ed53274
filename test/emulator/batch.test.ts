// POST /batch/gmail/v1 in the format of Google's "Batching requests" guide: parts answered in order
// with `Content-ID: <response-…>`, each part authenticated and charged like a separate call.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import type { GoogleEmulator } from '../../emulators/google/index.ts';
import { base64Url, googleError, http, rfc822, signIn, startEmulator, waitFor } from './helpers.ts';

let emulator: GoogleEmulator;
let token: string;
const EMAIL = 'batch@example.com';

before(async () => {
  emulator = await startEmulator({ quotaUnitsPerSecond: 1_000_000 });
  token = (await signIn(emulator.baseUrl, EMAIL)).access_token;
});

after(async () => {
  await emulator.close();
});

interface PartRequest {
  id?: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

function batchBody(boundary: string, parts: PartRequest[]): string {
  const chunks = parts.map((part) => {
    const headers = Object.entries(part.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    return `--${boundary}\r\nContent-Type: application/http\r\n${part.id !== undefined ? `Content-ID: <${part.id}>\r\n` : ''}\r\n${part.method} ${part.path} HTTP/1.1\r\n${headers}\r\n${part.body ?? ''}\r\n`;
  });
  return `${chunks.join('')}--${boundary}--\r\n`;
}

interface PartAnswer {
  contentId: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Reads a multipart/mixed batch answer the way a client library would. */
function readBatch(contentType: string, text: string): PartAnswer[] {
  const boundary = /boundary=([^;\s]+)/.exec(contentType)?.[1];
  assert.ok(boundary, 'multipart answer has a boundary');
  const sections = text.split(`--${boundary}`).slice(1, -1);
  return sections.map((section) => {
    const [outerHeaders, ...rest] = section.replace(/^\r\n/, '').split('\r\n\r\n');
    const inner = rest.join('\r\n\r\n');
    const [statusAndHeaders, ...bodyParts] = inner.split('\r\n\r\n');
    const [statusLine, ...headerLines] = (statusAndHeaders ?? '').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
    return {
      contentId: /Content-ID: <([^>]+)>/i.exec(outerHeaders ?? '')?.[1] ?? '',
      status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1]),
      headers,
      body: bodyParts.join('\r\n\r\n').replace(/\r\n$/, ''),
    };
  });
}

async function sendBatch(parts: PartRequest[], authorization = `Bearer ${token}`): Promise<PartAnswer[]> {
  const boundary = 'batch_foobarbaz';
  const answer = await http('POST', `${emulator.baseUrl}/batch/gmail/v1`, {
    body: batchBody(boundary, parts),
    headers: { 'content-type': `multipart/mixed; boundary=${boundary}`, authorization },
  });
  assert.equal(answer.status, 200, answer.text);
  return readBatch(String(answer.headers['content-type']), answer.text);
}

async function insert(subject: string): Promise<string> {
  const answer = await http('POST', `${emulator.baseUrl}/gmail/v1/users/me/messages`, { token, json: { raw: base64Url(rfc822({ subject })), labelIds: ['INBOX'] } });
  return (answer.json as { id: string }).id;
}

describe('batch', () => {
  test('parts are answered in order, with response Content-IDs, each charged like a single call', async () => {
    const first = await insert('batch one');
    const second = await insert('batch two');
    emulator.control.resetQuota(EMAIL);
    const answers = await sendBatch([
      { id: 'item1:12930812@barnyard.example.com', method: 'GET', path: `/gmail/v1/users/me/messages/${first}?format=minimal` },
      { id: 'item2', method: 'POST', path: `/gmail/v1/users/me/messages/${second}/modify`, headers: { 'Content-Type': 'application/json' }, body: '{"addLabelIds":["STARRED"]}' },
      { id: 'item3', method: 'GET', path: 'https://gmail.googleapis.com/gmail/v1/users/me/messages/00000000000000aa' },
      { method: 'GET', path: '/gmail/v1/users/me/profile' },
    ]);
    assert.deepEqual(
      answers.map((a) => [a.contentId, a.status]),
      [
        ['response-item1:12930812@barnyard.example.com', 200],
        ['response-item2', 200],
        ['response-item3', 404],
        ['response-4', 200],
      ],
    );
    assert.equal((JSON.parse(answers[0]?.body ?? '{}') as { id: string }).id, first);
    assert.deepEqual((JSON.parse(answers[1]?.body ?? '{}') as { labelIds: string[] }).labelIds, ['INBOX', 'STARRED']);
    assert.equal((JSON.parse(answers[2]?.body ?? '{}') as { error: { errors: { reason: string }[] } }).error.errors[0]?.reason, 'notFound');
    assert.match(answers[0]?.headers['content-type'] ?? '', /application\/json/);
    const report = emulator.control.quota(EMAIL);
    assert.equal(report.requests['gmail.users.messages.get'], 2);
    assert.equal(report.requests['gmail.users.messages.modify'], 1);
    assert.equal(report.unitsUsed, 5 + 5 + 5 + 1);
    await waitFor(() => (emulator.control.quota(EMAIL).inFlight === 0 ? true : undefined), 'parts to free their concurrency slots');
  });

  test('parts use the outer credentials unless they bring their own', async () => {
    const other = (await signIn(emulator.baseUrl, 'batch-other@example.com')).access_token;
    const answers = await sendBatch([
      { method: 'GET', path: '/gmail/v1/users/me/profile' },
      { method: 'GET', path: '/gmail/v1/users/me/profile', headers: { Authorization: `Bearer ${other}` } },
      { method: 'GET', path: '/gmail/v1/users/me/profile', headers: { Authorization: 'Bearer ya29.invalid' } },
    ]);
    assert.equal((JSON.parse(answers[0]?.body ?? '{}') as { emailAddress: string }).emailAddress, EMAIL);
    assert.equal((JSON.parse(answers[1]?.body ?? '{}') as { emailAddress: string }).emailAddress, 'batch-other@example.com');
    assert.equal(answers[2]?.status, 401);
    assert.match(answers[2]?.headers['www-authenticate'] ?? '', /Bearer/);
  });

  test('bad batches: not multipart, too many parts, no parts: 400; a bad part only fails itself', async () => {
    const notMultipart = await http('POST', `${emulator.baseUrl}/batch/gmail/v1`, { token, json: {} });
    assert.equal(googleError(notMultipart).code, 400);
    const many = Array.from({ length: 101 }, () => ({ method: 'GET', path: '/gmail/v1/users/me/profile' }));
    const tooMany = await http('POST', `${emulator.baseUrl}/batch/gmail/v1`, {
      body: batchBody('b', many),
      headers: { 'content-type': 'multipart/mixed; boundary=b', authorization: `Bearer ${token}` },
    });
    assert.equal(googleError(tooMany).code, 400);
    const none = await http('POST', `${emulator.baseUrl}/batch/gmail/v1`, { body: '--b--\r\n', headers: { 'content-type': 'multipart/mixed; boundary=b' } });
    assert.equal(googleError(none).code, 400);
    const unterminated = await http('POST', `${emulator.baseUrl}/batch/gmail/v1`, { body: '--b\r\nContent-Type: application/http\r\n\r\nGET /x', headers: { 'content-type': 'multipart/mixed; boundary=b' } });
    assert.equal(googleError(unterminated).code, 400);
    const answers = await sendBatch([
      { method: 'GET', path: '/gmail/v1/users/me/profile' },
      { method: 'NOT A REQUEST LINE', path: '' },
      { method: 'GET', path: '/drive/v3/files' },
    ]);
    assert.deepEqual(answers.map((a) => a.status), [200, 400, 404]);
  });

  test('exactly 100 parts are fine', async () => {
    const answers = await sendBatch(Array.from({ length: 100 }, (_, i) => ({ id: `p${i}`, method: 'GET', path: '/gmail/v1/users/me/labels/INBOX' })));
    assert.equal(answers.length, 100);
    assert.ok(answers.every((a) => a.status === 200));
  });

  test('a dropped connection on one part drops the whole batch', async () => {
    emulator.control.injectFault({ method: 'gmail.users.getProfile', pathPattern: '/profile', dropConnection: true, times: 1 });
    const body = batchBody('b', [
      { method: 'GET', path: '/gmail/v1/users/me/labels' },
      { method: 'GET', path: '/gmail/v1/users/me/profile' },
    ]);
    await assert.rejects(
      request(`${emulator.baseUrl}/batch/gmail/v1`, { method: 'POST', body, headers: { 'content-type': 'multipart/mixed; boundary=b', authorization: `Bearer ${token}` } }).then((r) => r.body.text()),
      (error: unknown) => (error as { code?: string }).code === 'UND_ERR_SOCKET',
    );
  });
});
