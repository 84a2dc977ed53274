// Cloud Elements compatibility of the Gmail hub's message resources, through the public HTTP API only
// (SQLite: the hub touches the store for the instance alone). Written from:
// - CE's Gmail element guide (developer portal docs/elements/gmail, elementId 6409): the element sits
//   in the general hub and its API is Google's ("API Documentation: Google API documentation");
// - CE's own Gmail element tests (churros, src/test/elements/gmail/messages.js and its assets
//   messages.json, updateMessages.json, updateMultipleMessages.json): POST /messages as multipart with
//   `formData: { body: JSON.stringify({to, subject}) }` plus a `file` part, then GET /messages/{id} and
//   `r.body.payload.parts[1].body.attachmentId` into GET /messages/{id}/attachments/{attachmentId},
//   POST /messages/import in the same form, PATCH /messages/multiple with {ids, addLabelIds};
// - Google's Gmail API reference: the Message and MessagePart resources, users.messages.get (format
//   full by default), users.messages.import (internalDateSource, labelIds), users.messages.batchModify
//   and users.messages.attachments.get.
// Ground truth is what the mailbox holds afterwards, read by Google's own client library
// (@googleapis/gmail) with a grant of its own, never the hub's answer alone.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { OAuth2Client } from 'google-auth-library';
import { approveConsent } from '../../emulators/google/index.ts';
import { testDialects } from '../support/databases.ts';
import { deliver, startHubFixture, type HubFixture } from '../hubs/hubFixture.ts';
import { OAUTH_CALLBACK, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../support/testApp.ts';

const EMAIL = 'compat-gmail@example.com';
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7) % 256)), Buffer.from('\n%%EOF\n')]);

/**
 * A message nested three levels deep, as mail clients compose one with an inline image: mixed >
 * related > alternative > text and html, the image beside the alternative, the PDF after the related.
 */
function nestedMessage(to: string): Buffer {
  const image = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  return Buffer.from(
    [
      'From: Dana <dana@example.com>',
      `To: ${to}`,
      'Subject: quarterly report',
      'Message-ID: <compat-nested@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="mixed"',
      '',
      '--mixed',
      'Content-Type: multipart/related; boundary="related"',
      '',
      '--related',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'report attached',
      '--alt',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>report attached <img src="cid:logo"></p>',
      '--alt--',
      '--related',
      'Content-Type: image/png',
      'Content-ID: <logo>',
      'Content-Transfer-Encoding: base64',
      '',
      image.toString('base64'),
      '--related--',
      '--mixed',
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Disposition: attachment; filename="report.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      PDF.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--mixed--',
      '',
    ].join('\r\n'),
  );
}

/** What the mailbox holds, read as an app written against Google reads it. */
async function googleClient(f: HubFixture): Promise<gmail_v1.Gmail> {
  const base = f.app.emulator.baseUrl;
  const auth = new OAuth2Client({
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    redirectUri: OAUTH_CALLBACK,
    endpoints: { oauth2AuthBaseUrl: `${base}/o/oauth2/v2/auth`, oauth2TokenUrl: `${base}/token`, oauth2RevokeUrl: `${base}/revoke`, tokenInfoUrl: `${base}/tokeninfo` },
  });
  const url = auth.generateAuthUrl({ access_type: 'offline', scope: ['https://mail.google.com/'], login_hint: f.email });
  const { code } = await approveConsent(url, f.email);
  auth.setCredentials((await auth.getToken(code)).tokens);
  // Two copies of google-auth-library are installed (ours and @googleapis/gmail's): same class at run time.
  return gmail({ version: 'v1', auth: auth as unknown as gmail_v1.Options['auth'], rootUrl: `${base}/`, retry: false });
}

/** CE's multipart form: the message's fields as JSON in a `body` part, files as `file` parts. */
function ceForm(fields: Record<string, unknown>, files: { name: string; type: string; content: Buffer }[] = []): FormData {
  const form = new FormData();
  form.append('body', JSON.stringify(fields));
  for (const file of files) form.append('file', new Blob([new Uint8Array(file.content)], { type: file.type }), file.name);
  return form;
}

for (const dialect of testDialects()) {
  describe(`Cloud Elements' Gmail hub message resources on ${dialect}`, () => {
    let f: HubFixture;
    let google: gmail_v1.Gmail;

    before(async () => {
      f = await startHubFixture(EMAIL, dialect);
      google = await googleClient(f);
    });
    after(async () => {
      await f?.close();
    });

    async function postForm(path: string, form: FormData): ReturnType<HubFixture['hub']> {
      const response = await fetch(`${f.app.api}/hubs/general${path}`, { method: 'POST', headers: { authorization: f.hubAuth }, body: form });
      return { status: response.status, body: await response.json(), headers: response.headers };
    }

    async function truth(id: string): Promise<gmail_v1.Schema$Message> {
      return (await google.users.messages.get({ userId: 'me', id })).data;
    }

    async function attachmentBytes(messageId: string, attachmentId: string): Promise<Buffer> {
      const { data } = await google.users.messages.attachments.get({ userId: 'me', messageId, id: attachmentId });
      return Buffer.from(data.data ?? '', 'base64url');
    }

    /** Gmail's resource fields of a hub message equal what Gmail holds (labelIds: Gmail omits an empty list). */
    function assertGmailResource(hub: Record<string, unknown>, gmailMessage: gmail_v1.Schema$Message): void {
      for (const key of ['id', 'threadId', 'snippet', 'historyId', 'internalDate', 'sizeEstimate', 'payload'] as const) {
        assert.deepEqual(hub[key], gmailMessage[key], key);
      }
      assert.deepEqual(hub.labelIds, gmailMessage.labelIds ?? []);
    }

    test("reads (GET /messages/{id}, lists, threads) answer Gmail's message resource, flat fields alongside (Gmail element guide; churros messages.js; Gmail Message, users.messages.get)", async () => {
      const delivered = await f.app.emulator.control.deliverMessage(f.email, { raw: nestedMessage(f.email) });
      const read = await f.hub('GET', `/messages/${delivered.id}`);
      assert.equal(read.status, 200, JSON.stringify(read.body));
      // Gmail's own resource, format full by default as messages.get answers it, parts to any depth.
      assertGmailResource(read.body, await truth(delivered.id));
      assert.equal(read.body.payload.parts[0].parts[0].parts[1].mimeType, 'text/html');
      // The flat fields existing clients and the console read are still there.
      assert.equal(read.body.subject, 'quarterly report');
      assert.equal(read.body.from, 'Dana <dana@example.com>');
      assert.equal(read.body.date, new Date(Number(read.body.internalDate)).toISOString());

      // CE's flow: payload.parts[1].body.attachmentId into GET /messages/{id}/attachments/{attachmentId}.
      const part = read.body.payload.parts[1];
      assert.equal(part.filename, 'report.pdf');
      const attachment = await f.hub('GET', `/messages/${delivered.id}/attachments/${encodeURIComponent(part.body.attachmentId)}`);
      assert.equal(attachment.status, 200, JSON.stringify(attachment.body));
      assert.ok(Buffer.from(attachment.body.data, 'base64').equals(await attachmentBytes(delivered.id, part.body.attachmentId)));
      assert.ok(Buffer.from(attachment.body.data, 'base64').equals(PDF));

      // Gmail's format passes through; metadata carries the top-level headers, raw the message itself.
      const metadata = await f.hub('GET', `/messages/${delivered.id}?format=metadata`);
      assert.equal(metadata.body.payload.parts, undefined);
      assert.equal(metadata.body.payload.headers.find((h: { name: string }) => h.name === 'Subject').value, 'quarterly report');
      const raw = await f.hub('GET', `/messages/${delivered.id}?format=raw`);
      assert.equal(raw.body.raw, (await google.users.messages.get({ userId: 'me', id: delivered.id, format: 'raw' })).data.raw);
      const badFormat = await f.hub('GET', `/messages/${delivered.id}?format=fancy`);
      assert.equal(badFormat.status, 400);
      assert.match(badFormat.body.message, /format must be one of full, metadata, minimal, raw/);
      const conflicting = await f.hub('GET', `/messages/${delivered.id}?format=metadata&includeBody=true`);
      assert.equal(conflicting.status, 400);
      assert.match(conflicting.body.message, /includeBody=true needs format=full/);

      // Listings: each item is Gmail's resource in format metadata, or full when asked.
      const where = encodeURIComponent("q='from:dana@example.com'");
      const listed = await f.hub('GET', `/messages?where=${where}`);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.map((m: { id: string }) => m.id), [delivered.id]);
      assert.equal(listed.body[0].payload.mimeType, 'multipart/mixed');
      assert.ok(listed.body[0].payload.headers.some((h: { name: string; value: string }) => h.name === 'Subject' && h.value === 'quarterly report'));
      const listedFull = await f.hub('GET', `/messages?where=${where}&format=full`);
      assertGmailResource(listedFull.body[0], await truth(delivered.id));

      // A thread's messages are Gmail's resources too.
      const thread = await f.hub('GET', `/threads/${delivered.threadId}`);
      assert.equal(thread.status, 200);
      const gmailThread = (await google.users.threads.get({ userId: 'me', id: delivered.threadId })).data;
      assertGmailResource(thread.body.messages[0], gmailThread.messages?.[0] ?? {});
    });

    test('POST /messages as multipart with a body JSON part and a file part sends it with the file attached (churros messages.js, assets/messages.json)', async () => {
      const sent = await postForm('/messages', ceForm({ to: 'googledrive@example.com', subject: 'MrRobot' }, [{ name: 'MrRobotPdf.pdf', type: 'application/pdf', content: PDF }]));
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      const held = await truth(sent.body.id);
      assert.ok(held.labelIds?.includes('SENT'));
      const headers = new Map((held.payload?.headers ?? []).map((h) => [h.name?.toLowerCase(), h.value]));
      assert.equal(headers.get('to'), 'googledrive@example.com');
      assert.equal(headers.get('subject'), 'MrRobot');
      assert.equal(headers.get('from'), EMAIL);
      // The body part first, the file after it: CE's clients read the file at parts[1].
      const [bodyPart, filePart] = held.payload?.parts ?? [];
      assert.equal(bodyPart?.mimeType, 'text/plain');
      assert.equal(filePart?.filename, 'MrRobotPdf.pdf');
      assert.equal(filePart?.mimeType, 'application/pdf');
      assert.ok((await attachmentBytes(sent.body.id, filePart?.body?.attachmentId ?? '')).equals(PDF));
      assertGmailResource(sent.body, held);

      // The text of a CE body part, and cc and html, reach the message as in the JSON form.
      const withText = await postForm('/messages', ceForm({ to: ['a@example.com'], cc: 'b@example.com', subject: 'text too', body: 'plain words', html: '<p>html words</p>' }));
      assert.equal(withText.status, 200, JSON.stringify(withText.body));
      const read = await f.hub('GET', `/messages/${withText.body.id}?includeBody=true`);
      assert.equal(read.body.body.text.trim(), 'plain words');
      assert.equal(read.body.body.html.trim(), '<p>html words</p>');
      assert.equal(read.body.cc, 'b@example.com');

      const noRecipient = await postForm('/messages', ceForm({ subject: 'nobody' }, [{ name: 'a.txt', type: 'text/plain', content: Buffer.from('x') }]));
      assert.equal(noRecipient.status, 400);
      assert.match(noRecipient.body.message, /\bto\b is required/);
      const badAddress = await postForm('/messages', ceForm({ to: 'not an address', subject: 'x' }));
      assert.equal(badAddress.status, 400);
      assert.match(badAddress.body.message, /to contains an invalid address/);
    });

    test('POST /messages/import puts a message into the mailbox without sending it (churros messages.js; Gmail users.messages.import)', async () => {
      // CE's form, as its test posts it: the body JSON and a file.
      const imported = await postForm('/messages/import', ceForm({ to: EMAIL, from: 'archive@example.com', subject: 'imported', labelIds: ['INBOX'] }, [{ name: 'old.pdf', type: 'application/pdf', content: PDF }]));
      assert.equal(imported.status, 200, JSON.stringify(imported.body));
      const held = await truth(imported.body.id);
      assert.deepEqual(held.labelIds, ['INBOX']);
      const headers = new Map((held.payload?.headers ?? []).map((h) => [h.name?.toLowerCase(), h.value]));
      assert.equal(headers.get('from'), 'archive@example.com');
      assert.equal(headers.get('subject'), 'imported');
      assert.ok((await attachmentBytes(imported.body.id, held.payload?.parts?.[1]?.body?.attachmentId ?? '')).equals(PDF));
      assertGmailResource(imported.body, held);

      // raw (RFC 822, base64url) in JSON: Gmail dates it from its Date header unless told otherwise.
      const date = new Date('2019-03-04T05:06:07Z');
      const rfc822 = [`From: old@example.com`, `To: ${EMAIL}`, 'Subject: from 2019', `Date: ${date.toUTCString()}`, 'Message-ID: <compat-2019@example.com>', '', 'old text', ''].join('\r\n');
      const raw = Buffer.from(rfc822).toString('base64url');
      const byHeader = await f.hub('POST', '/messages/import', { raw, labelIds: ['INBOX', 'UNREAD'] });
      assert.equal(byHeader.status, 200, JSON.stringify(byHeader.body));
      const heldByHeader = await truth(byHeader.body.id);
      assert.equal(heldByHeader.internalDate, String(date.getTime()));
      assert.deepEqual([...(heldByHeader.labelIds ?? [])].sort(), ['INBOX', 'UNREAD']);
      const before = Date.now();
      const byReceipt = await f.hub('POST', '/messages/import?internalDateSource=receivedTime&neverMarkSpam=true', { raw });
      assert.equal(byReceipt.status, 200, JSON.stringify(byReceipt.body));
      const heldByReceipt = await truth(byReceipt.body.id);
      assert.ok(Number(heldByReceipt.internalDate) >= before, `${heldByReceipt.internalDate} is the time of import`);
      assert.equal(heldByReceipt.labelIds, undefined, 'Gmail applies no labels unless asked');

      const cases: [unknown, string, RegExp][] = [
        [{}, '', /raw \(an RFC 822 message, base64\), or the fields/],
        [{ raw, to: 'x@example.com' }, '', /raw is a complete message: give it alone, without to/],
        [{ raw: 'not base64!' }, '', /raw must be base64/],
        [{ raw, labelIds: 'INBOX' }, '', /labelIds must be an array/],
        [{ raw }, '?internalDateSource=yesterday', /internalDateSource must be dateHeader or receivedTime/],
        [{ raw }, '?neverMarkSpam=perhaps', /neverMarkSpam must be true or false/],
        [{ to: 'x@example.com', from: 'a@example.com, b@example.com' }, '', /from must be one address/],
      ];
      for (const [body, query, message] of cases) {
        const response = await f.hub('POST', `/messages/import${query}`, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.match(response.body.message, message);
      }
    });

    test('PATCH /messages/multiple changes the labels of many messages at once (churros messages.js, assets/updateMultipleMessages.json; Gmail users.messages.batchModify)', async () => {
      const ids = await deliver(f, 3, { subject: 'many' });
      const control = f.app.emulator.control;
      const batchCalls = control.calls()['gmail.users.messages.batchModify'] ?? 0;
      const response = await f.hub('PATCH', '/messages/multiple', { ids, addLabelIds: ['IMPORTANT'], removeLabelIds: ['UNREAD'] });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body, { ids, addLabelIds: ['IMPORTANT'], removeLabelIds: ['UNREAD'] });
      assert.equal(control.calls()['gmail.users.messages.batchModify'], batchCalls + 1, 'one batchModify');
      for (const id of ids) {
        const labels = (await truth(id)).labelIds ?? [];
        assert.ok(labels.includes('IMPORTANT'), id);
        assert.ok(!labels.includes('UNREAD'), id);
      }
      // One message's id still reaches PATCH /messages/{id}.
      const [first] = ids;
      const single = await f.hub('PATCH', `/messages/${first}`, { removeLabelIds: ['IMPORTANT'] });
      assert.equal(single.status, 200, JSON.stringify(single.body));
      assert.ok(!((await truth(first as string)).labelIds ?? []).includes('IMPORTANT'));

      const noIds = await f.hub('PATCH', '/messages/multiple', { ids: [], addLabelIds: ['STARRED'] });
      assert.equal(noIds.status, 400);
      assert.match(noIds.body.message, /ids must name at least one message/);
      const noLabels = await f.hub('PATCH', '/messages/multiple', { ids });
      assert.equal(noLabels.status, 400);
      assert.match(noLabels.body.message, /addLabelIds or removeLabelIds/);
      const tooMany = await f.hub('PATCH', '/messages/multiple', { ids: Array.from({ length: 1001 }, (_, i) => i.toString(16)), addLabelIds: ['STARRED'] });
      assert.equal(tooMany.status, 400);
      assert.match(tooMany.body.message, /ids may hold at most 1000/);
    });
  });
}
