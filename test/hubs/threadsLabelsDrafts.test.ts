// /hubs/general threads, labels, drafts and ping over HTTP against the emulator.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliver, startHubFixture, type HubFixture } from './hubFixture.ts';

describe('hub threads, labels, drafts and ping', () => {
  let f: HubFixture;
  before(async () => {
    f = await startHubFixture('tlabels@example.com');
  });
  after(async () => {
    await f?.close();
  });

  it("pings the instance's Google account", async () => {
    const response = await f.hub('GET', '/ping');
    assert.equal(response.status, 200);
    assert.equal(response.body.emailAddress, 'tlabels@example.com');
    assert.match(response.body.historyId, /^\d+$/);
  });

  it('lists, reads, relabels, trashes, untrashes and deletes threads', async () => {
    const [first] = await deliver(f, 1, { subject: 'thread start', from: 'judy@example.com' });
    const original = await f.hub('GET', `/messages/${first}`);
    const reply = await f.hub('POST', '/messages', { to: 'judy@example.com', subject: 'Re: thread start 1', body: 'a reply', threadId: original.body.threadId });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.threadId, original.body.threadId);
    const threadId = original.body.threadId as string;

    const listed = await f.hub('GET', `/threads?where=${encodeURIComponent("q='from:judy@example.com'")}&pageSize=10`);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.map((t: { id: string }) => t.id), [threadId]);
    assert.deepEqual(Object.keys(listed.body[0]).sort(), ['historyId', 'id', 'snippet']);

    const thread = await f.hub('GET', `/threads/${threadId}?includeBody=true`);
    assert.equal(thread.status, 200);
    assert.equal(thread.body.messages.length, 2);
    assert.equal(thread.body.messages[1].body.text.trim(), 'a reply');

    const patched = await f.hub('PATCH', `/threads/${threadId}`, { addLabelIds: ['STARRED'] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.ok(patched.body.messages.every((m: { labelIds: string[] }) => m.labelIds.includes('STARRED')));

    const trashed = await f.hub('POST', `/threads/${threadId}/trash`);
    assert.ok(trashed.body.messages.every((m: { labelIds: string[] }) => m.labelIds.includes('TRASH')));
    const untrashed = await f.hub('POST', `/threads/${threadId}/untrash`);
    assert.ok(untrashed.body.messages.every((m: { labelIds: string[] }) => !m.labelIds.includes('TRASH')));

    assert.equal((await f.hub('DELETE', `/threads/${threadId}`)).status, 200);
    assert.equal((await f.hub('GET', `/threads/${threadId}`)).status, 404);
  });

  it('lists, creates, reads, changes and deletes labels', async () => {
    const listed = await f.hub('GET', '/labels');
    assert.equal(listed.status, 200);
    assert.ok(listed.body.some((l: { id: string; type: string }) => l.id === 'INBOX' && l.type === 'system'));

    const created = await f.hub('POST', '/labels', { name: 'Projects', labelListVisibility: 'labelShow', messageListVisibility: 'show' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.name, 'Projects');
    assert.equal(created.body.type, 'user');
    const id = created.body.id as string;

    const read = await f.hub('GET', `/labels/${id}`);
    assert.equal(read.body.name, 'Projects');
    assert.equal(typeof read.body.messagesTotal, 'number');

    const renamed = await f.hub('PATCH', `/labels/${id}`, { name: 'Projects 2026' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.name, 'Projects 2026');
    const replaced = await f.hub('PUT', `/labels/${id}`, { name: 'Archive', labelListVisibility: 'labelHide' });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.name, 'Archive');
    assert.equal(replaced.body.labelListVisibility, 'labelHide');

    assert.equal((await f.hub('DELETE', `/labels/${id}`)).status, 200);
    assert.equal((await f.hub('GET', `/labels/${id}`)).status, 404);

    const nameless = await f.hub('POST', '/labels', { labelListVisibility: 'labelShow' });
    assert.equal(nameless.status, 400);
    assert.match(nameless.body.message, /name is required/);
    const badVisibility = await f.hub('POST', '/labels', { name: 'x', labelListVisibility: 'sometimes' });
    assert.equal(badVisibility.status, 400);
    assert.match(badVisibility.body.message, /labelListVisibility/);
  });

  it('creates, lists, reads, replaces, sends and deletes drafts', async () => {
    const created = await f.hub('POST', '/drafts', { to: 'ken@example.com', subject: 'draft one', body: 'first words' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.message.subject, 'draft one');
    assert.ok(created.body.message.labelIds.includes('DRAFT'));
    const id = created.body.id as string;

    const noRecipient = await f.hub('POST', '/drafts', { subject: 'just an idea' });
    assert.equal(noRecipient.status, 200, 'drafts need no recipient yet');

    const listed = await f.hub('GET', `/drafts?where=${encodeURIComponent("q='subject:draft'")}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.map((d: { id: string }) => d.id), [id]);
    const badWhere = await f.hub('GET', `/drafts?where=${encodeURIComponent("labelIds='INBOX'")}`);
    assert.equal(badWhere.status, 400);

    const read = await f.hub('GET', `/drafts/${id}?includeBody=true`);
    assert.equal(read.body.message.body.text.trim(), 'first words');

    const form = new FormData();
    form.append('to', 'ken@example.com');
    form.append('subject', 'draft one, revised');
    form.append('body', 'better words');
    form.append('attachment', new Blob(['%PDF-1.4'], { type: 'application/pdf' }), 'plan.pdf');
    const replacedResponse = await fetch(`${f.app.api}/hubs/general/drafts/${id}`, { method: 'PUT', headers: { authorization: f.hubAuth }, body: form });
    const replaced = (await replacedResponse.json()) as { id: string; message: { id: string; subject: string } };
    assert.equal(replacedResponse.status, 200, JSON.stringify(replaced));
    assert.equal(replaced.id, id);
    assert.equal(replaced.message.subject, 'draft one, revised');
    const withAttachment = await f.hub('GET', `/drafts/${id}?includeBody=true`);
    assert.deepEqual(withAttachment.body.message.attachments.map((a: { filename: string }) => a.filename), ['plan.pdf']);

    const sent = await f.hub('POST', `/drafts/${id}/send`);
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.ok(sent.body.labelIds.includes('SENT'));
    assert.equal(sent.body.subject, 'draft one, revised');
    assert.equal((await f.hub('GET', `/drafts/${id}`)).status, 404);

    assert.equal((await f.hub('DELETE', `/drafts/${noRecipient.body.id}`)).status, 200);
    assert.equal((await f.hub('GET', `/drafts/${noRecipient.body.id}`)).status, 404);
  });

  it('answers 404 for an unknown resource and 405 for an unsupported method, in process too', async () => {
    const unknown = await f.hub('GET', '/contacts');
    assert.equal(unknown.status, 404);
    const { execute } = f.inProcess({});
    await assert.rejects(execute({ method: 'GET', path: '/contacts' }), { statusCode: 404 });
    await assert.rejects(execute({ method: 'PUT', path: '/messages/abc' }), (error: Error & { statusCode?: number }) => error.statusCode === 405 && /PUT is not supported/.test(error.message));
  });
});
