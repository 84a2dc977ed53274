// The control API over HTTP (/__emulator/…), each endpoint as the README documents it, plus the
// in-process twin where the two differ in shape (Buffers instead of base64).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { approveConsent, type GoogleEmulator } from '../../emulators/google/index.ts';
import { authUrl, http, postForm, signIn, startEmulator } from './helpers.ts';

let emulator: GoogleEmulator;
let control: string;

before(async () => {
  emulator = await startEmulator({ quotaUnitsPerSecond: 1_000_000 });
  control = `${emulator.baseUrl}/__emulator`;
});

after(async () => {
  await emulator.close();
});

describe('control API', () => {
  test('health, mailboxes and delivery (fields, attachments, raw, labels)', async () => {
    assert.deepEqual((await http('GET', `${control}/health`)).json, { ok: true });
    const created = await http('POST', `${control}/mailboxes`, { json: { email: 'Seeded@Example.com' } });
    assert.equal(created.status, 201);
    assert.equal((created.json as { email: string }).email, 'seeded@example.com');

    const delivered = await http('POST', `${control}/mailboxes/seeded@example.com/messages`, {
      json: {
        from: 'Alice <alice@example.com>',
        subject: 'Quarterly report',
        text: 'See attachment',
        date: '2024-05-06T07:08:09Z',
        labelIds: ['INBOX', 'IMPORTANT'],
        attachments: [{ filename: 'report.csv', contentType: 'text/csv', contentBase64: Buffer.from('a,b\n1,2\n').toString('base64') }],
      },
    });
    assert.equal(delivered.status, 201, delivered.text);
    const { id, threadId, historyId } = delivered.json as { id: string; threadId: string; historyId: string };
    assert.equal(id, threadId);
    assert.match(historyId, /^\d+$/);

    const raw = await http('POST', `${control}/mailboxes/seeded@example.com/messages`, {
      json: { raw: 'From: bob@example.com\r\nTo: seeded@example.com\r\nSubject: Raw one\r\n\r\nbody\r\n' },
    });
    assert.equal(raw.status, 201);

    const { access_token: token } = await signIn(emulator.baseUrl, 'seeded@example.com');
    const message = (await http('GET', `${emulator.baseUrl}/gmail/v1/users/me/messages/${id}`, { token })).json as {
      labelIds: string[];
      internalDate: string;
      payload: { parts: { filename: string }[] };
    };
    assert.deepEqual(message.labelIds, ['INBOX', 'IMPORTANT']);
    assert.equal(message.internalDate, String(Date.parse('2024-05-06T07:08:09Z')));
    assert.ok(message.payload.parts.some((p) => p.filename === 'report.csv'));

    const list = (await http('GET', `${control}/mailboxes`)).json as { mailboxes: { email: string; messagesTotal: number }[] };
    assert.equal(list.mailboxes.find((m) => m.email === 'seeded@example.com')?.messagesTotal, 2);

    assert.equal((await http('POST', `${control}/mailboxes/nobody@example.com/messages`, { json: { subject: 'x' } })).status, 404);
    assert.equal((await http('POST', `${control}/mailboxes/seeded@example.com/messages`, { json: { labelIds: ['NOPE'] } })).status, 400);
    assert.equal((await http('POST', `${control}/mailboxes/seeded@example.com/messages`, { json: { raw: 'not a message' } })).status, 400);
    assert.equal((await http('POST', `${control}/mailboxes`, { json: { email: 'not an email' } })).status, 400);
    assert.equal((await http('POST', `${control}/mailboxes`, { body: '{oops', headers: { 'content-type': 'application/json' } })).status, 400);
    assert.equal((await http('GET', `${control}/nothing`)).status, 404);
  });

  test('in-process delivery shows up in history as messagesAdded', async () => {
    const email = 'inproc@example.com';
    emulator.control.createMailbox(email);
    const { access_token: token } = await signIn(emulator.baseUrl, email);
    const start = ((await http('GET', `${emulator.baseUrl}/gmail/v1/users/me/profile`, { token })).json as { historyId: string }).historyId;
    const delivered = await emulator.control.deliverMessage(email, { from: 'x@example.com', subject: 'In process', text: 'hi' });
    const history = (await http('GET', `${emulator.baseUrl}/gmail/v1/users/me/history?startHistoryId=${start}`, { token })).json as {
      history: { messagesAdded?: { message: { id: string; labelIds: string[] } }[] }[];
      historyId: string;
    };
    assert.equal(history.history[0]?.messagesAdded?.[0]?.message.id, delivered.id);
    assert.deepEqual(history.history[0]?.messagesAdded?.[0]?.message.labelIds, ['INBOX', 'UNREAD', 'CATEGORY_PERSONAL']);
    assert.equal(history.historyId, delivered.historyId);
  });

  test('tokens/expire, grants/revoke, history/expire and history/retention', async () => {
    const email = 'steer@example.com';
    const tokens = await signIn(emulator.baseUrl, email);
    const profileUrl = `${emulator.baseUrl}/gmail/v1/users/me/profile`;
    const start = ((await http('GET', profileUrl, { token: tokens.access_token })).json as { historyId: string }).historyId;
    await emulator.control.deliverMessage(email, { subject: 'x' });

    assert.deepEqual((await http('POST', `${control}/tokens/expire`, { json: { email } })).json, { expired: 1 });
    assert.equal((await http('GET', profileUrl, { token: tokens.access_token })).status, 401);
    const refreshed = await postForm(`${emulator.baseUrl}/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token as string,
      client_id: 'sandbox-client-id.apps.googleusercontent.com',
      client_secret: 'sandbox-client-secret',
    });
    const token = (refreshed.json as { access_token: string }).access_token;
    assert.equal((await http('GET', `${profileUrl}`, { token })).status, 200);

    const historyUrl = `${emulator.baseUrl}/gmail/v1/users/me/history?startHistoryId=${start}`;
    assert.equal((await http('GET', historyUrl, { token })).status, 200);
    assert.equal((await http('PUT', `${control}/history/retention`, { json: { seconds: 3600 } })).status, 204);
    assert.equal((await http('GET', historyUrl, { token })).status, 200, 'records younger than the retention stay');
    assert.equal((await http('POST', `${control}/history/expire`, { json: { email } })).status, 204);
    assert.equal((await http('GET', historyUrl, { token })).status, 404);
    assert.equal((await http('PUT', `${control}/history/retention`, { json: { seconds: -1 } })).status, 400);

    assert.deepEqual((await http('POST', `${control}/grants/revoke`, { json: { email } })).json, { revoked: 1 });
    assert.equal((await http('GET', profileUrl, { token })).status, 401);
    const again = await postForm(`${emulator.baseUrl}/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token as string,
      client_id: 'sandbox-client-id.apps.googleusercontent.com',
      client_secret: 'sandbox-client-secret',
    });
    assert.equal((again.json as { error: string }).error, 'invalid_grant');
  });

  test('quota counters, reset and limits', async () => {
    const email = 'counted@example.com';
    const { access_token: token } = await signIn(emulator.baseUrl, email);
    const callsBefore = ((await http('GET', `${control}/calls`)).json as { calls: Record<string, number> }).calls;
    await http('GET', `${emulator.baseUrl}/gmail/v1/users/me/profile`, { token });
    const callsAfter = ((await http('GET', `${control}/calls`)).json as { calls: Record<string, number> }).calls;
    assert.equal((callsAfter['gmail.users.getProfile'] ?? 0) - (callsBefore['gmail.users.getProfile'] ?? 0), 1, 'the totals count the call');
    const report = (await http('GET', `${control}/quota/${email}`)).json as { unitsUsed: number; requests: Record<string, number> };
    assert.equal(report.unitsUsed, 1);
    assert.deepEqual(report.requests, { 'gmail.users.getProfile': 1 });
    assert.equal((await http('POST', `${control}/quota/reset`, { json: { email } })).status, 204);
    assert.equal(((await http('GET', `${control}/quota/${email}`)).json as { unitsUsed: number }).unitsUsed, 0);
    assert.equal((await http('PUT', `${control}/quota/limits`, { json: { unitsPerSecond: 1 } })).status, 204);
    try {
      assert.equal((await http('GET', `${emulator.baseUrl}/gmail/v1/users/me/messages`, { token })).status, 429);
    } finally {
      await http('PUT', `${control}/quota/limits`, { json: { unitsPerSecond: 1_000_000 } });
    }
    assert.equal((await http('PUT', `${control}/quota/limits`, { json: { maxConcurrentRequests: 0 } })).status, 400);
  });

  test('clients: register one with redirect URIs and use it', async () => {
    const registered = await http('POST', `${control}/clients`, {
      json: { clientId: 'my-app.apps.googleusercontent.com', clientSecret: 'my-secret', redirectUris: ['https://my-app.example.com/oauth'] },
    });
    assert.equal(registered.status, 201);
    const clients = (await http('GET', `${control}/clients`)).json as { clients: { clientId: string; clientSecret?: string }[] };
    assert.ok(clients.clients.some((c) => c.clientId === 'my-app.apps.googleusercontent.com' && c.clientSecret === undefined), 'secrets are not listed');
    const consent = await approveConsent(
      authUrl(emulator.baseUrl, { client_id: 'my-app.apps.googleusercontent.com', redirect_uri: 'https://my-app.example.com/oauth' }),
      'client-user@example.com',
    );
    const exchanged = await postForm(`${emulator.baseUrl}/token`, {
      grant_type: 'authorization_code',
      code: consent.code,
      redirect_uri: consent.redirectUri,
      client_id: 'my-app.apps.googleusercontent.com',
      client_secret: 'my-secret',
    });
    assert.equal(exchanged.status, 200);
    assert.equal((await http('POST', `${control}/clients`, { json: { clientId: 'x', clientSecret: 'y', redirectUris: ['not a url'] } })).status, 400);
  });

  test('reset forgets mailboxes, tokens and faults but keeps configured clients', async () => {
    // A separate emulator: reset must not disturb the other tests of this file.
    const own = await startEmulator({ clients: [{ clientId: 'kept.apps.googleusercontent.com', clientSecret: 's' }] });
    try {
      const tokens = await signIn(own.baseUrl, 'gone@example.com');
      own.control.injectFault({ pathPattern: '/profile', status: 500, times: 10 });
      assert.equal((await http('POST', `${own.baseUrl}/__emulator/reset`)).status, 204);
      assert.deepEqual(own.control.listMailboxes(), []);
      assert.deepEqual(own.control.listFaults(), []);
      assert.equal((await http('GET', `${own.baseUrl}/gmail/v1/users/me/profile`, { token: tokens.access_token })).status, 401);
      assert.ok(own.control.listClients().some((c) => c.clientId === 'kept.apps.googleusercontent.com'));
    } finally {
      await own.close();
    }
  });
});
