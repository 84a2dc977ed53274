// Fidelity of the Gmail methods the hub's import and multi-message routes call, driven by Google's
// own client library (@googleapis/gmail) against the emulator, as Google's reference describes them:
// users.messages.import through the media upload the library uses (multipart/related: the resource's
// labelIds, then the message) with internalDateSource and neverMarkSpam, its attachments served by
// users.messages.attachments.get, and users.messages.batchModify removing and adding labels.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { OAuth2Client } from 'google-auth-library';
import type { GoogleEmulator } from '../../emulators/google/index.ts';
import { rfc822, signIn, startEmulator } from './helpers.ts';

const EMAIL = 'import-fidelity@example.com';

describe('import, attachments and batchModify with @googleapis/gmail', () => {
  let emulator: GoogleEmulator;
  let api: gmail_v1.Gmail;

  before(async () => {
    emulator = await startEmulator({ quotaUnitsPerSecond: 1_000_000 });
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: (await signIn(emulator.baseUrl, EMAIL)).access_token });
    // Two copies of google-auth-library are installed (ours and @googleapis/gmail's): same class at run time.
    api = gmail({ version: 'v1', auth: auth as unknown as gmail_v1.Options['auth'], rootUrl: `${emulator.baseUrl}/`, retry: false });
  });
  after(async () => {
    await emulator?.close();
  });

  test('import through the media upload keeps the labels asked for and dates the message as asked', async () => {
    const date = new Date('2018-01-02T03:04:05Z');
    const content = Buffer.from('attachment bytes \u00e9'.repeat(40));
    const raw = [
      'From: archive@example.com',
      `To: ${EMAIL}`,
      'Subject: migrated',
      `Date: ${date.toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'old mail',
      '--b',
      'Content-Type: application/octet-stream; name="old.bin"',
      'Content-Disposition: attachment; filename="old.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      content.toString('base64'),
      '--b--',
      '',
    ].join('\r\n');
    // Media uploads take the root URL per call (the client-wide one applies to plain URLs only).
    const upload = { rootUrl: `${emulator.baseUrl}/` };
    const { data: byHeader } = await api.users.messages.import(
      { userId: 'me', requestBody: { labelIds: ['INBOX', 'UNREAD'] }, media: { mimeType: 'message/rfc822', body: raw } },
      upload,
    );
    assert.deepEqual([...(byHeader.labelIds ?? [])].sort(), ['INBOX', 'UNREAD']);
    const held = (await api.users.messages.get({ userId: 'me', id: byHeader.id as string })).data;
    assert.equal(held.internalDate, String(date.getTime()));
    const part = held.payload?.parts?.[1];
    assert.equal(part?.filename, 'old.bin');
    const { data: attachment } = await api.users.messages.attachments.get({ userId: 'me', messageId: byHeader.id as string, id: part?.body?.attachmentId as string });
    assert.ok(Buffer.from(attachment.data ?? '', 'base64url').equals(content));
    assert.equal(attachment.size, content.length);

    const before = Date.now();
    const { data: byReceipt } = await api.users.messages.import(
      { userId: 'me', internalDateSource: 'receivedTime', neverMarkSpam: true, requestBody: {}, media: { mimeType: 'message/rfc822', body: raw } },
      upload,
    );
    const received = (await api.users.messages.get({ userId: 'me', id: byReceipt.id as string, format: 'minimal' })).data;
    assert.ok(Number(received.internalDate) >= before);
    assert.equal(received.labelIds, undefined, 'no labels unless asked');
  });

  test('batchModify adds and removes labels on every listed message; attachments.get refuses an unknown attachment', async () => {
    const ids: string[] = [];
    for (const subject of ['one', 'two']) {
      const raw = Buffer.from(rfc822({ to: EMAIL, subject })).toString('base64url');
      ids.push((await api.users.messages.insert({ userId: 'me', requestBody: { raw, labelIds: ['INBOX', 'UNREAD'] } })).data.id as string);
    }
    await api.users.messages.batchModify({ userId: 'me', requestBody: { ids, addLabelIds: ['IMPORTANT'], removeLabelIds: ['UNREAD'] } });
    for (const id of ids) {
      const labels = (await api.users.messages.get({ userId: 'me', id, format: 'minimal' })).data.labelIds ?? [];
      assert.deepEqual([...labels].sort(), ['IMPORTANT', 'INBOX']);
    }
    await assert.rejects(api.users.messages.attachments.get({ userId: 'me', messageId: ids[0] as string, id: 'ANGjdJ-not-an-attachment' }), (error: { status?: number }) => error.status === 400);
  });
});
