// Fidelity: the emulator driven only by Google's own Node libraries (@googleapis/gmail and
// google-auth-library's OAuth2Client), configured with nothing but the emulator's URLs. What passes
// here is what an app written against Google will see.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { OAuth2Client } from 'google-auth-library';
import { approveConsent, type GoogleEmulator } from '../../emulators/google/index.ts';
import { REDIRECT_URI, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SCOPES, rfc822, startEmulator } from './helpers.ts';

const EMAIL = 'fidelity@example.com';

let emulator: GoogleEmulator;

before(async () => {
  // The suite calls far faster than any app would; the quota limit has its own tests.
  emulator = await startEmulator({ quotaUnitsPerSecond: 1_000_000 });
});

after(async () => {
  await emulator.close();
});

function oauthClient(): OAuth2Client {
  const base = emulator.baseUrl;
  return new OAuth2Client({
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    redirectUri: REDIRECT_URI,
    endpoints: {
      oauth2AuthBaseUrl: `${base}/o/oauth2/v2/auth`,
      oauth2TokenUrl: `${base}/token`,
      oauth2RevokeUrl: `${base}/revoke`,
      tokenInfoUrl: `${base}/tokeninfo`,
    },
  });
}

/** The OAuth dance as an app does it: auth URL, user consent, code exchange. */
async function connect(email: string, scopes: string[] = [SCOPES.mail]): Promise<{ auth: OAuth2Client; api: gmail_v1.Gmail }> {
  const auth = oauthClient();
  const url = auth.generateAuthUrl({ access_type: 'offline', prompt: 'consent', scope: scopes, state: 'fidelity-state', login_hint: email });
  const consent = await approveConsent(url, email);
  assert.equal(consent.state, 'fidelity-state');
  const { tokens } = await auth.getToken(consent.code);
  auth.setCredentials(tokens);
  // The library's own retries would hide the emulator's first answer; tests want to see it.
  // Two copies of google-auth-library are installed (ours and the one @googleapis/gmail bundles);
  // their classes are the same at run time but distinct types, hence the cast.
  const api = gmail({ version: 'v1', auth: auth as unknown as gmail_v1.Options['auth'], rootUrl: `${emulator.baseUrl}/`, retry: false });
  return { auth, api };
}

function errorStatus(error: unknown): number | undefined {
  return (error as { status?: number; response?: { status?: number } }).response?.status ?? (error as { status?: number }).status;
}

function errorReason(error: unknown): string | undefined {
  const data = (error as { response?: { data?: { error?: { errors?: { reason?: string }[] } } } }).response?.data;
  return data?.error?.errors?.[0]?.reason;
}

async function insert(api: gmail_v1.Gmail, subject: string, labelIds: string[] = ['INBOX', 'UNREAD']): Promise<gmail_v1.Schema$Message> {
  const raw = Buffer.from(rfc822({ from: 'friend@example.com', to: EMAIL, subject, body: `Body of ${subject}` })).toString('base64url');
  const { data } = await api.users.messages.insert({ userId: 'me', requestBody: { raw, labelIds } });
  return data;
}

describe('OAuth with google-auth-library', () => {
  test('code exchange gives access and refresh tokens and tokeninfo describes them', async () => {
    const { auth } = await connect('oauth-lib@example.com', [SCOPES.readonly, SCOPES.email]);
    const credentials = auth.credentials;
    assert.match(credentials.access_token ?? '', /^ya29\./);
    assert.ok(credentials.refresh_token);
    assert.equal(credentials.token_type, 'Bearer');
    assert.ok((credentials.expiry_date ?? 0) > Date.now() + 3500 * 1000);
    const info = await auth.getTokenInfo(credentials.access_token as string);
    assert.equal(info.aud, SANDBOX_CLIENT_ID);
    assert.equal(info.email, 'oauth-lib@example.com');
    assert.deepEqual(info.scopes.sort(), [SCOPES.readonly, SCOPES.email].sort());
  });

  test('an expired access token is refreshed by the library and the call succeeds', async () => {
    const email = 'refresh-lib@example.com';
    const { auth, api } = await connect(email);
    const before = auth.credentials.access_token;
    emulator.control.expireAccessTokens(email);
    // The library only refreshes on 401 when told the local expiry may be wrong.
    auth.forceRefreshOnFailure = true;
    const { data } = await api.users.getProfile({ userId: 'me' });
    assert.equal(data.emailAddress, email);
    assert.notEqual(auth.credentials.access_token, before);
  });

  test('after revocation, refresh fails with invalid_grant', async () => {
    const email = 'revoke-lib@example.com';
    const { auth } = await connect(email);
    await auth.revokeToken(auth.credentials.refresh_token as string);
    await assert.rejects(auth.refreshAccessToken(), (error: unknown) => {
      assert.equal(errorStatus(error), 400);
      assert.equal((error as { response?: { data?: { error?: string } } }).response?.data?.error, 'invalid_grant');
      return true;
    });
  });

  test('a control-API grant revocation also ends in invalid_grant', async () => {
    const email = 'revoke-control@example.com';
    const { auth, api } = await connect(email);
    emulator.control.revokeGrants(email);
    await assert.rejects(api.users.getProfile({ userId: 'me' }), (error: unknown) => errorStatus(error) === 401);
    await assert.rejects(auth.refreshAccessToken(), (error: unknown) => (error as Error).message.includes('invalid_grant'));
  });
});

describe('Gmail with @googleapis/gmail', () => {
  let api: gmail_v1.Gmail;

  before(async () => {
    ({ api } = await connect(EMAIL));
  });

  test('getProfile', async () => {
    const { data } = await api.users.getProfile({ userId: EMAIL });
    assert.equal(data.emailAddress, EMAIL);
    assert.match(data.historyId ?? '', /^\d+$/);
  });

  test('insert, then get in every format', async () => {
    const inserted = await insert(api, 'Formats');
    assert.match(inserted.id ?? '', /^[0-9a-f]{16}$/);
    const id = inserted.id as string;

    const minimal = (await api.users.messages.get({ userId: 'me', id, format: 'minimal' })).data;
    assert.deepEqual(minimal.labelIds, ['INBOX', 'UNREAD']);
    assert.equal(minimal.payload, undefined);
    assert.match(minimal.internalDate ?? '', /^\d+$/);
    assert.match(minimal.historyId ?? '', /^\d+$/);
    assert.equal(minimal.snippet, 'Body of Formats');

    const metadata = (await api.users.messages.get({ userId: 'me', id, format: 'metadata', metadataHeaders: ['Subject', 'From'] })).data;
    assert.deepEqual(
      metadata.payload?.headers?.map((h) => h.name),
      ['From', 'Subject'],
    );
    assert.equal(metadata.payload?.headers?.find((h) => h.name === 'Subject')?.value, 'Formats');

    const full = (await api.users.messages.get({ userId: 'me', id, format: 'full' })).data;
    assert.equal(full.payload?.mimeType, 'text/plain');
    assert.equal(Buffer.from(full.payload?.body?.data ?? '', 'base64url').toString().trim(), 'Body of Formats');

    const raw = (await api.users.messages.get({ userId: 'me', id, format: 'raw' })).data;
    assert.match(Buffer.from(raw.raw ?? '', 'base64url').toString(), /Subject: Formats/);
    assert.equal(raw.payload, undefined);
  });

  test('list with labelIds, q and paging', async () => {
    // A mailbox of its own, so that the counts below do not depend on other tests.
    const { api } = await connect('paging-lib@example.com');
    for (let i = 0; i < 5; i++) await insert(api, `Paging ${i}`, ['INBOX', 'STARRED']);
    await insert(api, 'Not starred', ['INBOX']);
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const { data } = await api.users.messages.list({ userId: 'me', labelIds: ['STARRED'], maxResults: 2, ...(pageToken !== undefined ? { pageToken } : {}) });
      seen.push(...(data.messages ?? []).map((m) => m.id as string));
      pageToken = data.nextPageToken ?? undefined;
      pages++;
    } while (pageToken !== undefined);
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen).size, 5);
    assert.equal(pages, 3);
    const sorted = [...seen].sort().reverse();
    assert.deepEqual(seen, sorted, 'newest first');

    const { data } = await api.users.messages.list({ userId: 'me', q: 'subject:"Paging 3"' });
    assert.equal(data.messages?.length, 1);
  });

  test('history after insert, modify, trash, untrash and delete', async () => {
    const start = (await api.users.getProfile({ userId: 'me' })).data.historyId as string;
    const message = await insert(api, 'History');
    const id = message.id as string;
    await api.users.messages.modify({ userId: 'me', id, requestBody: { addLabelIds: ['STARRED'], removeLabelIds: ['UNREAD'] } });
    await api.users.messages.trash({ userId: 'me', id });
    const trashed = (await api.users.messages.get({ userId: 'me', id, format: 'minimal' })).data;
    assert.ok(trashed.labelIds?.includes('TRASH'));
    assert.ok(!trashed.labelIds?.includes('INBOX'));
    await api.users.messages.untrash({ userId: 'me', id });
    await api.users.messages.delete({ userId: 'me', id });

    const { data } = await api.users.history.list({ userId: 'me', startHistoryId: start });
    const records = data.history ?? [];
    const kinds = records.map((r) =>
      r.messagesAdded ? 'added' : r.messagesDeleted ? 'deleted' : r.labelsAdded ? `+${r.labelsAdded[0]?.labelIds?.join(',')}` : `-${r.labelsRemoved?.[0]?.labelIds?.join(',')}`,
    );
    assert.deepEqual(kinds, ['added', '+STARRED', '-UNREAD', '+TRASH', '-INBOX', '+INBOX', '-TRASH', 'deleted']);
    const ids = records.map((r) => BigInt(r.id as string));
    for (let i = 1; i < ids.length; i++) assert.ok((ids[i] as bigint) > (ids[i - 1] as bigint), 'history ids increase');
    assert.equal(data.historyId, records[records.length - 1]?.id, 'response historyId is the latest');
    assert.ok(records.every((r) => r.messages?.[0]?.id === id));

    const onlyAdded = await api.users.history.list({ userId: 'me', startHistoryId: start, historyTypes: ['messageAdded'] });
    assert.equal(onlyAdded.data.history?.length, 1);
    const byLabel = await api.users.history.list({ userId: 'me', startHistoryId: start, labelId: 'STARRED' });
    assert.ok((byLabel.data.history ?? []).length >= 1);
  });

  test('history pages with maxResults and pageToken', async () => {
    const start = (await api.users.getProfile({ userId: 'me' })).data.historyId as string;
    for (let i = 0; i < 5; i++) await insert(api, `History page ${i}`);
    const collected: string[] = [];
    let pageToken: string | undefined;
    do {
      const { data } = await api.users.history.list({ userId: 'me', startHistoryId: start, maxResults: 2, ...(pageToken ? { pageToken } : {}) });
      collected.push(...(data.history ?? []).map((h) => h.id as string));
      pageToken = data.nextPageToken ?? undefined;
    } while (pageToken);
    assert.equal(collected.length, 5);
  });

  test('a history id from before the retained history gives 404 notFound', async () => {
    const start = (await api.users.getProfile({ userId: 'me' })).data.historyId as string;
    await insert(api, 'Before expiry');
    emulator.control.expireHistory(EMAIL);
    await assert.rejects(api.users.history.list({ userId: 'me', startHistoryId: start }), (error: unknown) => {
      assert.equal(errorStatus(error), 404);
      assert.equal(errorReason(error), 'notFound');
      return true;
    });
    const now = (await api.users.getProfile({ userId: 'me' })).data.historyId as string;
    const { data } = await api.users.history.list({ userId: 'me', startHistoryId: now });
    assert.equal(data.history, undefined);
    assert.equal(data.historyId, now);
  });

  test('send through the media upload the library uses, delivered to another emulator mailbox', async () => {
    emulator.control.createMailbox('recipient@example.com');
    const raw = rfc822({ from: EMAIL, to: 'recipient@example.com', subject: 'Sent by library', headers: { Bcc: 'hidden@example.com' } });
    // @googleapis/gmail builds media upload URLs from the per-call rootUrl only (the client-wide one is
    // applied to plain URLs alone), so uploads need it repeated here — the same is true against Google.
    const { data } = await api.users.messages.send({ userId: 'me', requestBody: {}, media: { mimeType: 'message/rfc822', body: raw } }, { rootUrl: `${emulator.baseUrl}/` });
    assert.deepEqual(data.labelIds, ['SENT']);
    const { data: viaJson } = await api.users.messages.send({ userId: 'me', requestBody: { raw: Buffer.from(raw).toString('base64url') } });
    assert.ok(viaJson.id);
    const recipient = emulator.control.listMailboxes().find((m) => m.email === 'recipient@example.com');
    assert.equal(recipient?.messagesTotal, 2);
  });

  test('insert through uploadType=media', async () => {
    const raw = rfc822({ subject: 'Media insert' });
    const { data } = await api.users.messages.insert({ userId: 'me', media: { mimeType: 'message/rfc822', body: raw } }, { rootUrl: `${emulator.baseUrl}/` });
    const got = (await api.users.messages.get({ userId: 'me', id: data.id as string, format: 'metadata', metadataHeaders: ['Subject'] })).data;
    assert.equal(got.payload?.headers?.[0]?.value, 'Media insert');
  });

  test('import honours the Date header as internalDate', async () => {
    const date = new Date('2020-02-03T04:05:06Z');
    const raw = Buffer.from(rfc822({ subject: 'Imported', date })).toString('base64url');
    const { data } = await api.users.messages.import({ userId: 'me', requestBody: { raw, labelIds: ['INBOX'] } });
    const got = (await api.users.messages.get({ userId: 'me', id: data.id as string, format: 'minimal' })).data;
    assert.equal(got.internalDate, String(date.getTime()));
  });

  test('labels: create, get with counts, patch, delete', async () => {
    const { data: label } = await api.users.labels.create({ userId: 'me', requestBody: { name: 'Fidelity label' } });
    assert.match(label.id ?? '', /^Label_\d+$/);
    const message = await insert(api, 'Labelled', ['INBOX', label.id as string]);
    const { data: withCounts } = await api.users.labels.get({ userId: 'me', id: label.id as string });
    assert.equal(withCounts.messagesTotal, 1);
    const { data: patched } = await api.users.labels.patch({ userId: 'me', id: label.id as string, requestBody: { name: 'Renamed' } });
    assert.equal(patched.name, 'Renamed');
    const { data: found } = await api.users.messages.list({ userId: 'me', q: 'label:renamed' });
    assert.deepEqual(found.messages?.map((m) => m.id), [message.id]);
    await api.users.labels.delete({ userId: 'me', id: label.id as string });
    const { data: after } = await api.users.messages.get({ userId: 'me', id: message.id as string, format: 'minimal' });
    assert.ok(!after.labelIds?.includes(label.id as string));
    const { data: all } = await api.users.labels.list({ userId: 'me' });
    assert.ok(all.labels?.some((l) => l.id === 'INBOX' && l.type === 'system'));
  });

  test('threads: replies join the thread; list, get, modify, trash, delete', async () => {
    const first = rfc822({ subject: 'Thread start', headers: { 'Message-ID': '<thread-root@example.com>' } });
    const root = (await api.users.messages.insert({ userId: 'me', requestBody: { raw: Buffer.from(first).toString('base64url'), labelIds: ['INBOX'] } })).data;
    const reply = rfc822({ subject: 'Re: Thread start', headers: { 'In-Reply-To': '<thread-root@example.com>' } });
    const second = (await api.users.messages.insert({ userId: 'me', requestBody: { raw: Buffer.from(reply).toString('base64url'), labelIds: ['INBOX'] } })).data;
    assert.equal(second.threadId, root.threadId);
    const { data: thread } = await api.users.threads.get({ userId: 'me', id: root.threadId as string, format: 'minimal' });
    assert.equal(thread.messages?.length, 2);
    const { data: threads } = await api.users.threads.list({ userId: 'me', q: 'subject:"Thread start"' });
    assert.deepEqual(threads.threads?.map((t) => t.id), [root.threadId]);
    await api.users.threads.modify({ userId: 'me', id: root.threadId as string, requestBody: { addLabelIds: ['IMPORTANT'] } });
    await api.users.threads.trash({ userId: 'me', id: root.threadId as string });
    const { data: trashed } = await api.users.threads.get({ userId: 'me', id: root.threadId as string, format: 'minimal' });
    assert.ok(trashed.messages?.every((m) => m.labelIds?.includes('TRASH') && m.labelIds.includes('IMPORTANT')));
    await api.users.threads.untrash({ userId: 'me', id: root.threadId as string });
    await api.users.threads.delete({ userId: 'me', id: root.threadId as string });
    await assert.rejects(api.users.threads.get({ userId: 'me', id: root.threadId as string }), (error: unknown) => errorStatus(error) === 404);
  });

  test('drafts: create, update, list, get, send', async () => {
    const raw = Buffer.from(rfc822({ from: EMAIL, to: 'someone@example.com', subject: 'Draft v1' })).toString('base64url');
    const { data: draft } = await api.users.drafts.create({ userId: 'me', requestBody: { message: { raw } } });
    assert.match(draft.id ?? '', /^r\d+$/);
    const raw2 = Buffer.from(rfc822({ from: EMAIL, to: 'someone@example.com', subject: 'Draft v2' })).toString('base64url');
    const { data: updated } = await api.users.drafts.update({ userId: 'me', id: draft.id as string, requestBody: { message: { raw: raw2 } } });
    assert.notEqual(updated.message?.id, draft.message?.id);
    const { data: list } = await api.users.drafts.list({ userId: 'me' });
    assert.ok(list.drafts?.some((d) => d.id === draft.id));
    const { data: got } = await api.users.drafts.get({ userId: 'me', id: draft.id as string, format: 'metadata' });
    assert.equal(got.message?.payload?.headers?.find((h) => h.name === 'Subject')?.value, 'Draft v2');
    const { data: sent } = await api.users.drafts.send({ userId: 'me', requestBody: { id: draft.id as string } });
    assert.deepEqual(sent.labelIds, ['SENT']);
    await assert.rejects(api.users.drafts.get({ userId: 'me', id: draft.id as string }), (error: unknown) => errorStatus(error) === 404);
  });

  test('batchModify, batchDelete and attachments.get', async () => {
    const a = await insert(api, 'Batch A');
    const b = await insert(api, 'Batch B');
    await api.users.messages.batchModify({ userId: 'me', requestBody: { ids: [a.id as string, b.id as string], addLabelIds: ['STARRED'] } });
    const { data: starred } = await api.users.messages.get({ userId: 'me', id: b.id as string, format: 'minimal' });
    assert.ok(starred.labelIds?.includes('STARRED'));
    await api.users.messages.batchDelete({ userId: 'me', requestBody: { ids: [a.id as string, b.id as string] } });
    await assert.rejects(api.users.messages.get({ userId: 'me', id: a.id as string }), (error: unknown) => errorStatus(error) === 404);

    const delivered = await emulator.control.deliverMessage(EMAIL, {
      from: 'files@example.com',
      subject: 'With attachment',
      text: 'see attached',
      attachments: [{ filename: 'notes.txt', contentType: 'text/plain', content: Buffer.from('attachment bytes') }],
    });
    const { data: full } = await api.users.messages.get({ userId: 'me', id: delivered.id });
    const part = full.payload?.parts?.find((p) => p.filename === 'notes.txt');
    assert.ok(part?.body?.attachmentId);
    const { data: attachment } = await api.users.messages.attachments.get({ userId: 'me', messageId: delivered.id, id: part.body.attachmentId });
    assert.equal(Buffer.from(attachment.data ?? '', 'base64url').toString(), 'attachment bytes');
    const { data: found } = await api.users.messages.list({ userId: 'me', q: 'has:attachment filename:notes.txt' });
    assert.deepEqual(found.messages?.map((m) => m.id), [delivered.id]);
  });

  test('unknown message id: 404 with Google\'s error body', async () => {
    await assert.rejects(api.users.messages.get({ userId: 'me', id: '0000000000000001' }), (error: unknown) => {
      assert.equal(errorStatus(error), 404);
      assert.equal(errorReason(error), 'notFound');
      return true;
    });
  });

  test('a read-only token cannot modify: 403 insufficientPermissions', async () => {
    const { api: readOnly } = await connect('readonly-lib@example.com', [SCOPES.readonly]);
    await readOnly.users.messages.list({ userId: 'me' });
    await assert.rejects(readOnly.users.labels.create({ userId: 'me', requestBody: { name: 'nope' } }), (error: unknown) => {
      assert.equal(errorStatus(error), 403);
      assert.equal(errorReason(error), 'insufficientPermissions');
      return true;
    });
  });
});
