// /hubs/general/messages over HTTP against the emulator: listing with paging and CEQL filters, reading
// with bodies, sending (JSON and multipart with attachments), labels, trash, delete, batch modify.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliver, startHubFixture, type HubFixture } from './hubFixture.ts';

const MESSAGE_FIELDS = ['cc', 'date', 'from', 'historyId', 'id', 'internalDate', 'labelIds', 'payload', 'sizeEstimate', 'snippet', 'subject', 'threadId', 'to'];

describe('hub messages', () => {
  let f: HubFixture;
  before(async () => {
    f = await startHubFixture('alice@example.com');
  });
  after(async () => {
    await f?.close();
  });

  it('lists messages in pages of pageSize, the next token in Elements-Next-Page-Token', async () => {
    await deliver(f, 3, { from: 'pager@example.com', subject: 'paging' });
    const where = encodeURIComponent("q='from:pager@example.com'");
    const first = await f.hub('GET', `/messages?where=${where}&pageSize=2`);
    assert.equal(first.status, 200);
    assert.equal(first.body.length, 2);
    assert.deepEqual(Object.keys(first.body[0]).sort(), MESSAGE_FIELDS);
    const token = first.headers.get('elements-next-page-token');
    assert.ok(token, 'a next page token');
    const second = await f.hub('GET', `/messages?where=${where}&pageSize=2&nextPage=${encodeURIComponent(token)}`);
    assert.equal(second.status, 200);
    assert.equal(second.body.length, 1);
    assert.equal(second.headers.get('elements-next-page-token'), null);
    const subjects = [...first.body, ...second.body].map((m: { subject: string }) => m.subject).sort();
    assert.deepEqual(subjects, ['paging 1', 'paging 2', 'paging 3']);
    const message = first.body[0];
    assert.equal(message.from, 'pager@example.com');
    assert.equal(message.to, 'alice@example.com');
    assert.match(message.internalDate, /^\d+$/);
    assert.equal(message.date, new Date(Number(message.internalDate)).toISOString());
    assert.ok(message.labelIds.includes('INBOX'));
  });

  it("filters with CEQL: q=, labelIds= and both AND-combined", async () => {
    const control = f.app.emulator.control;
    await control.deliverMessage(f.email, { from: 'bob@example.com', subject: 'invoice 42', text: 'pay' });
    await control.deliverMessage(f.email, { from: 'bob@example.com', subject: 'lunch', text: 'food' });
    await control.deliverMessage(f.email, { from: 'carol@example.com', subject: 'invoice 43', text: 'pay too' });
    await control.deliverMessage(f.email, { from: 'bob@example.com', subject: 'invoice archived', text: 'old', labelIds: ['CATEGORY_UPDATES'] });

    const subjects = async (where: string) => {
      const response = await f.hub('GET', `/messages?where=${encodeURIComponent(where)}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.map((m: { subject: string }) => m.subject).sort();
    };
    assert.deepEqual(await subjects("q='from:bob subject:invoice'"), ['invoice 42', 'invoice archived']);
    assert.deepEqual(await subjects("q='from:bob subject:invoice' AND labelIds='INBOX'"), ['invoice 42']);
    assert.deepEqual(await subjects("labelIds IN ('CATEGORY_UPDATES')"), ['invoice archived']);
    assert.deepEqual(await subjects("q='subject:invoice' AND q='from:carol'"), ['invoice 43']);
  });

  it('answers 400 naming the parameter for bad where, pageSize and includeBody', async () => {
    const cases: [string, RegExp][] = [
      [`/messages?where=${encodeURIComponent("q='unterminated")}`, /where/],
      [`/messages?where=${encodeURIComponent("subject='x'")}`, /where: unknown field 'subject'/],
      [`/messages?where=${encodeURIComponent("q='a' OR labelIds='INBOX'")}`, /where: labelIds can only be joined with AND/],
      ['/messages?pageSize=0', /pageSize must be an integer from 1 to 500/],
      ['/messages?pageSize=501', /pageSize/],
      ['/messages?pageSize=ten', /pageSize/],
      ['/messages?includeBody=maybe', /includeBody must be true or false/],
    ];
    for (const [path, message] of cases) {
      const response = await f.hub('GET', path);
      assert.equal(response.status, 400, path);
      assert.match(response.body.message, message, path);
      assert.ok(response.body.requestId);
    }
  });

  it("reads one message, with body and attachments on request, and 404 with Google's message for an unknown id", async () => {
    const delivered = await f.app.emulator.control.deliverMessage(f.email, {
      from: 'dave@example.com',
      subject: 'report',
      text: 'see attached',
      html: '<p>see <b>attached</b></p>',
      attachments: [{ filename: 'report.csv', contentType: 'text/csv', content: Buffer.from('a,b\n1,2\n') }],
    });
    const plain = await f.hub('GET', `/messages/${delivered.id}`);
    assert.equal(plain.status, 200);
    assert.equal(plain.body.subject, 'report');
    assert.equal(plain.body.body, undefined);
    const full = await f.hub('GET', `/messages/${delivered.id}?includeBody=true`);
    assert.equal(full.status, 200);
    assert.equal(full.body.body.text.trim(), 'see attached');
    assert.equal(full.body.body.html, '<p>see <b>attached</b></p>');
    assert.equal(full.body.attachments.length, 1);
    const [attachment] = full.body.attachments;
    assert.equal(attachment.filename, 'report.csv');
    assert.equal(attachment.mimeType, 'text/csv');
    const content = await f.hub('GET', `/messages/${delivered.id}/attachments/${encodeURIComponent(attachment.attachmentId)}`);
    assert.equal(content.status, 200);
    assert.equal(Buffer.from(content.body.data, 'base64').toString(), 'a,b\n1,2\n');
    assert.equal(content.body.size, 8);

    const missing = await f.hub('GET', '/messages/0000000000000000');
    assert.equal(missing.status, 404);
    assert.match(missing.body.message, /Requested entity was not found/);
  });

  it('sends JSON {to, cc, bcc, subject, body, html} and shows the sent message', async () => {
    const sent = await f.hub('POST', '/messages', {
      to: 'Erin <erin@example.com>',
      cc: ['frank@example.com'],
      bcc: 'grace@example.com',
      subject: 'Quarterly numbers ✓',
      body: 'plain text',
      html: '<p>html text</p>',
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.ok(sent.body.labelIds.includes('SENT'));
    assert.equal(sent.body.subject, 'Quarterly numbers ✓');
    assert.match(sent.body.to, /erin@example\.com/);
    assert.equal(sent.body.cc, 'frank@example.com');
    const full = await f.hub('GET', `/messages/${sent.body.id}?includeBody=true`);
    assert.equal(full.body.body.text.trim(), 'plain text');
    assert.equal(full.body.body.html.trim(), '<p>html text</p>');
    const listed = await f.hub('GET', `/messages?where=${encodeURIComponent("labelIds='SENT'")}`);
    assert.ok(listed.body.some((m: { id: string }) => m.id === sent.body.id));
  });

  it('sends multipart/form-data with file parts as attachments', async () => {
    const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));
    const form = new FormData();
    form.append('to', 'heidi@example.com');
    form.append('subject', 'with files');
    form.append('body', 'two files attached');
    form.append('file', new Blob([binary], { type: 'application/octet-stream' }), 'data.bin');
    form.append('file', new Blob(['hello notes'], { type: 'text/plain' }), 'notes.txt');
    const response = await fetch(`${f.app.api}/hubs/general/messages`, { method: 'POST', headers: { authorization: f.hubAuth }, body: form });
    const sent = (await response.json()) as { id: string; subject: string };
    assert.equal(response.status, 200, JSON.stringify(sent));
    assert.equal(sent.subject, 'with files');
    const full = await f.hub('GET', `/messages/${sent.id}?includeBody=true`);
    assert.equal(full.body.body.text.trim(), 'two files attached');
    const byName = new Map<string, { attachmentId: string; mimeType: string }>(full.body.attachments.map((a: { filename: string }) => [a.filename, a]));
    assert.deepEqual([...byName.keys()].sort(), ['data.bin', 'notes.txt']);
    const data = await f.hub('GET', `/messages/${sent.id}/attachments/${encodeURIComponent(byName.get('data.bin')!.attachmentId)}`);
    assert.ok(Buffer.from(data.body.data, 'base64').equals(binary));
    const notes = await f.hub('GET', `/messages/${sent.id}/attachments/${encodeURIComponent(byName.get('notes.txt')!.attachmentId)}`);
    assert.equal(Buffer.from(notes.body.data, 'base64').toString(), 'hello notes');
  });

  it('sends attachments given as base64 in JSON', async () => {
    const sent = await f.hub('POST', '/messages', {
      to: 'ivan@example.com',
      subject: 'json attachment',
      body: 'see file',
      attachments: [{ filename: 'hello.txt', mimeType: 'text/plain', data: Buffer.from('hi there').toString('base64') }],
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const full = await f.hub('GET', `/messages/${sent.body.id}?includeBody=true`);
    assert.deepEqual(full.body.attachments.map((a: { filename: string }) => a.filename), ['hello.txt']);
  });

  it('refuses a send without recipients or with a bad address, naming the field', async () => {
    const noRecipient = await f.hub('POST', '/messages', { subject: 'x', body: 'y' });
    assert.equal(noRecipient.status, 400);
    assert.match(noRecipient.body.message, /\bto\b is required/);
    const badAddress = await f.hub('POST', '/messages', { to: 'not an address', body: 'y' });
    assert.equal(badAddress.status, 400);
    assert.match(badAddress.body.message, /to contains an invalid address/);
    const badType = await f.hub('POST', '/messages', { to: 'a@example.com', subject: 42 });
    assert.equal(badType.status, 400);
    assert.match(badType.body.message, /subject must be a string/);
  });

  it('changes labels with PATCH, trashes and untrashes, and deletes', async () => {
    const [id] = await deliver(f, 1, { subject: 'label me' });
    const patched = await f.hub('PATCH', `/messages/${id}`, { addLabelIds: ['STARRED'], removeLabelIds: ['UNREAD'] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.ok(patched.body.labelIds.includes('STARRED'));
    assert.ok(!patched.body.labelIds.includes('UNREAD'));

    const empty = await f.hub('PATCH', `/messages/${id}`, {});
    assert.equal(empty.status, 400);
    assert.match(empty.body.message, /addLabelIds or removeLabelIds/);
    const unknownLabel = await f.hub('PATCH', `/messages/${id}`, { addLabelIds: ['Label_does_not_exist'] });
    assert.equal(unknownLabel.status, 400);
    assert.ok(unknownLabel.body.message.length > 0);

    const trashed = await f.hub('POST', `/messages/${id}/trash`);
    assert.equal(trashed.status, 200);
    assert.ok(trashed.body.labelIds.includes('TRASH'));
    const untrashed = await f.hub('POST', `/messages/${id}/untrash`);
    assert.equal(untrashed.status, 200);
    assert.ok(!untrashed.body.labelIds.includes('TRASH'));

    const deleted = await f.hub('DELETE', `/messages/${id}`);
    assert.equal(deleted.status, 200);
    assert.equal((await f.hub('GET', `/messages/${id}`)).status, 404);
  });

  it('changes labels of many messages with batch-modify', async () => {
    const ids = await deliver(f, 3, { subject: 'bulk' });
    const response = await f.hub('POST', '/messages/batch-modify', { ids, addLabelIds: ['IMPORTANT'], removeLabelIds: ['INBOX'] });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body.ids, ids);
    for (const id of ids) {
      const message = await f.hub('GET', `/messages/${id}`);
      assert.ok(message.body.labelIds.includes('IMPORTANT'));
      assert.ok(!message.body.labelIds.includes('INBOX'));
    }
    const noIds = await f.hub('POST', '/messages/batch-modify', { ids: [], addLabelIds: ['STARRED'] });
    assert.equal(noIds.status, 400);
    assert.match(noIds.body.message, /ids/);
  });
});
