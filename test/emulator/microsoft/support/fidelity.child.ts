// Fidelity, run in a child process that trusts the emulator's CA the ordinary way (the parent,
// fidelity.test.ts, starts it with NODE_EXTRA_CA_CERTS, which Node reads only at start-up): the
// emulator driven only by Microsoft's own libraries — @azure/msal-node's ConfidentialClientApplication
// and @microsoft/microsoft-graph-client — configured with nothing but the emulator's URLs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AuthenticationResult, ConfidentialClientApplication, type AuthError } from '@azure/msal-node';
import { Client, type GraphError, PageIterator, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { approveConsent, type MicrosoftEmulator, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startMicrosoftEmulator } from '../../../../emulators/microsoft/index.ts';

const caDirectory = process.env.MICROSOFT_EMULATOR_CA_DIR;
if (caDirectory === undefined) throw new Error('run through fidelity.test.ts: MICROSOFT_EMULATOR_CA_DIR is not set');

const REDIRECT_URI = 'http://localhost:3000/oauth/callback';
const SCOPES = ['User.Read', 'Mail.ReadWrite', 'Mail.Send'];
const EMAIL = 'grace.hopper@example.com';

let emulator: MicrosoftEmulator;

before(async () => {
  emulator = await startMicrosoftEmulator({ caDirectory });
});

after(async () => {
  await emulator.close();
});

function msalApp(): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: SANDBOX_CLIENT_ID,
      clientSecret: SANDBOX_CLIENT_SECRET,
      authority: `${emulator.httpsBaseUrl}/common`,
      // Documented setting for authorities that are not Microsoft's cloud: skips cloud discovery.
      knownAuthorities: [new URL(emulator.httpsBaseUrl).host],
    },
  });
}

/** The sign-in an app does: auth URL (with PKCE), the user's consent, the code exchange. */
async function signIn(app: ConfidentialClientApplication, email: string): Promise<AuthenticationResult> {
  const codeVerifier = 'a'.repeat(20) + Math.random().toString(36).slice(2).padEnd(30, 'x');
  const { createHash } = await import('node:crypto');
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
  const url = await app.getAuthCodeUrl({ scopes: SCOPES, redirectUri: REDIRECT_URI, state: 'fidelity-state', codeChallenge, codeChallengeMethod: 'S256', loginHint: email });
  assert.ok(url.startsWith(`${emulator.httpsBaseUrl}/common/oauth2/v2.0/authorize?`), url);
  const consent = await approveConsent(url, email);
  assert.equal(consent.state, 'fidelity-state');
  return app.acquireTokenByCode({ code: consent.code, scopes: SCOPES, redirectUri: REDIRECT_URI, codeVerifier });
}

function refreshTokenIn(app: ConfidentialClientApplication): string {
  const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
  const tokens = Object.values(cache.RefreshToken);
  assert.equal(tokens.length, 1, 'msal caches one refresh token per account');
  return (tokens[0] as { secret: string }).secret;
}

function graphClient(accessToken: () => string): Client {
  return Client.init({
    authProvider: (done) => done(null, accessToken()),
    baseUrl: `${emulator.httpsBaseUrl}/`,
    defaultVersion: 'v1.0',
    // The Graph client only sends the token to Graph's hosts and to these (host names, without port).
    customHosts: new Set([new URL(emulator.httpsBaseUrl).hostname]),
  });
}

/** The client's own retries would hide the emulator's first answer; these tests want to see it. */
const noRetry = [new RetryHandlerOptions(0, 0)];

describe('msal-node against the emulator', () => {
  test('sign-in, refresh with rotation, and invalid_grant once the grant is revoked', async () => {
    const app = msalApp();
    const first = await signIn(app, EMAIL);
    assert.ok(first.accessToken.length > 20);
    assert.equal(first.account?.username, EMAIL);
    assert.equal(first.account?.tenantId, '00000000-0000-4000-8000-00000000ca11');
    assert.equal(first.idTokenClaims && (first.idTokenClaims as { preferred_username?: string }).preferred_username, EMAIL);
    assert.ok(first.scopes.includes('Mail.ReadWrite'), `scopes: ${first.scopes.join(' ')}`);

    const firstRefreshToken = refreshTokenIn(app);
    const refreshed = await app.acquireTokenByRefreshToken({ refreshToken: firstRefreshToken, scopes: SCOPES });
    assert.ok(refreshed !== null);
    assert.notEqual(refreshed.accessToken, first.accessToken);
    const secondRefreshToken = refreshTokenIn(app);
    assert.notEqual(secondRefreshToken, firstRefreshToken, 'every refresh returns a new refresh token');
    // The rotated token works; the old one too (Microsoft does not revoke a used refresh token).
    assert.ok(await app.acquireTokenByRefreshToken({ refreshToken: secondRefreshToken, scopes: SCOPES }));
    assert.ok(await msalApp().acquireTokenByRefreshToken({ refreshToken: firstRefreshToken, scopes: SCOPES }));

    // Graph accepts the refreshed token.
    const me = await graphClient(() => refreshed.accessToken).api('/me').get();
    assert.equal(me.mail, EMAIL);

    emulator.control.revokeGrants(EMAIL);
    await assert.rejects(
      () => app.acquireTokenByRefreshToken({ refreshToken: refreshTokenIn(app), scopes: SCOPES }),
      (error: AuthError) => {
        assert.equal(error.errorCode, 'invalid_grant');
        assert.match(error.errorMessage, /AADSTS50173/);
        return true;
      },
    );
    await assert.rejects(
      () => graphClient(() => refreshed.accessToken).api('/me').middlewareOptions(noRetry).get(),
      (error: GraphError) => error.statusCode === 401 && error.code === 'InvalidAuthenticationToken',
    );
  });
});

describe('microsoft-graph-client against the emulator', () => {
  let token = '';
  let client: Client;
  const email = 'katherine.johnson@example.com';

  before(async () => {
    const result = await signIn(msalApp(), email);
    token = result.accessToken;
    client = graphClient(() => token);
  });

  test('/me, listing with $select/$top and PageIterator through @odata.nextLink', async () => {
    const me = await client.api('/me').get();
    assert.equal(me.userPrincipalName, email);
    for (let i = 0; i < 7; i++) emulator.control.deliverMessage(email, { subject: `paged ${i}`, receivedDateTime: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() });
    const firstPage = await client.api('/me/mailFolders/inbox/messages').select(['subject', 'receivedDateTime']).top(3).get();
    assert.equal(firstPage.value.length, 3);
    assert.deepEqual(Object.keys(firstPage.value[0]).sort(), ['@odata.etag', 'id', 'receivedDateTime', 'subject']);
    assert.ok(typeof firstPage['@odata.nextLink'] === 'string');
    const subjects: string[] = [];
    const iterator = new PageIterator(client, firstPage, (message: { subject: string }) => {
      subjects.push(message.subject);
      return true;
    });
    await iterator.iterate();
    assert.deepEqual(subjects, ['paged 6', 'paged 5', 'paged 4', 'paged 3', 'paged 2', 'paged 1', 'paged 0']);
  });

  test('update, move, copy, delete, send and attachments', async () => {
    const id = emulator.control.deliverMessage(email, { subject: 'to work on', body: 'body text', attachments: [{ name: 'a.txt', contentType: 'text/plain', content: 'hello' }] });
    const updated = await client.api(`/me/messages/${id}`).patch({ isRead: true, flag: { flagStatus: 'flagged' }, categories: ['Blue'] });
    assert.equal(updated.isRead, true);
    assert.deepEqual(updated.flag, { flagStatus: 'flagged' });
    const archive = await client.api('/me/mailFolders/archive').get();
    const moved = await client.api(`/me/messages/${id}/move`).post({ destinationId: 'archive' });
    assert.equal(moved.id, id, 'ids are immutable');
    assert.equal(moved.parentFolderId, archive.id);
    const copy = await client.api(`/me/messages/${id}/copy`).post({ destinationId: 'inbox' });
    assert.notEqual(copy.id, id);

    const attachments = await client.api(`/me/messages/${id}/attachments`).get();
    assert.equal(attachments.value.length, 1);
    assert.equal(Buffer.from(attachments.value[0].contentBytes, 'base64').toString(), 'hello');
    const added = await client
      .api(`/me/messages/${id}/attachments`)
      .post({ '@odata.type': '#microsoft.graph.fileAttachment', name: 'b.bin', contentType: 'application/octet-stream', contentBytes: Buffer.from([1, 2, 3]).toString('base64') });
    const fetched = await client.api(`/me/messages/${id}/attachments/${added.id}`).get();
    assert.equal(fetched.size, 3);

    await client.api(`/me/messages/${id}`).delete();
    await assert.rejects(
      () => client.api(`/me/messages/${id}`).middlewareOptions(noRetry).get(),
      (error: GraphError) => error.statusCode === 404 && error.code === 'ErrorItemNotFound',
    );

    emulator.control.createMailbox('ada@example.com');
    await client.api('/me/sendMail').post({ message: { subject: 'sent by graph', body: { contentType: 'Text', content: 'hi Ada' }, toRecipients: [{ emailAddress: { address: 'ada@example.com' } }] } });
    const sent = await client.api('/me/mailFolders/sentitems/messages').select('subject').get();
    assert.deepEqual(
      sent.value.map((m: { subject: string }) => m.subject),
      ['sent by graph'],
    );
    assert.deepEqual(
      emulator.control.listMessages('ada@example.com', 'inbox').map((m) => m.subject),
      ['sent by graph'],
    );
  });

  test('delta: initial rounds to a deltaLink, then exactly the changes, then 410 for an expired token', async () => {
    const folder = await client.api('/me/mailFolders').post({ displayName: 'Delta' });
    const ids = [0, 1, 2, 3, 4].map((i) => emulator.control.deliverMessage(email, { subject: `delta ${i}`, folder: folder.id }));
    const pages: { value: { id: string }[] }[] = [];
    let response = await client.api(`/me/mailFolders/${folder.id}/messages/delta`).header('Prefer', 'odata.maxpagesize=2').select('subject,isRead').get();
    pages.push(response);
    while (response['@odata.nextLink'] !== undefined) {
      response = await client.api(response['@odata.nextLink']).header('Prefer', 'odata.maxpagesize=2').get();
      pages.push(response);
    }
    assert.equal(pages.length, 3);
    assert.deepEqual(pages.flatMap((p) => p.value.map((m) => m.id)).sort(), [...ids].sort());
    const deltaLink: string = response['@odata.deltaLink'];
    assert.match(deltaLink, /\$deltatoken=/);

    // Nothing changed: an empty round with a new link.
    const idle = await client.api(deltaLink).get();
    assert.deepEqual(idle.value, []);

    const created = emulator.control.deliverMessage(email, { subject: 'delta new', folder: folder.id });
    await client.api(`/me/messages/${ids[0]}`).patch({ isRead: true });
    await client.api(`/me/messages/${ids[0]}`).patch({ subject: 'delta 0 renamed' });
    await client.api(`/me/messages/${ids[1]}/move`).post({ destinationId: 'inbox' });
    await client.api(`/me/messages/${ids[2]}`).delete();
    const movedIn = emulator.control.deliverMessage(email, { subject: 'moved in' });
    emulator.control.moveMessage(email, movedIn, folder.id);
    // A message created and removed between two rounds is not reported at all.
    const transient = emulator.control.deliverMessage(email, { subject: 'gone again', folder: folder.id });
    emulator.control.deleteMessage(email, transient);

    // The page size asked for in the first call stays with the round's tokens: follow the nextLinks.
    const entries: Record<string, unknown>[] = [];
    let changes = await client.api(deltaLink).get();
    entries.push(...changes.value);
    while (changes['@odata.nextLink'] !== undefined) {
      changes = await client.api(changes['@odata.nextLink']).get();
      entries.push(...changes.value);
    }
    const byId = new Map<string, Record<string, unknown>>(entries.map((entry) => [entry.id as string, entry]));
    assert.equal(entries.length, 5, JSON.stringify(entries));
    assert.equal(byId.size, 5, 'each change appears once');
    assert.equal(byId.get(created)?.subject, 'delta new');
    assert.equal(byId.get(ids[0] as string)?.subject, 'delta 0 renamed');
    assert.equal(byId.get(ids[0] as string)?.isRead, true);
    assert.deepEqual(byId.get(ids[1] as string)?.['@removed'], { reason: 'deleted' });
    assert.deepEqual(byId.get(ids[2] as string)?.['@removed'], { reason: 'deleted' });
    assert.equal(byId.get(movedIn)?.subject, 'moved in');
    assert.ok(!byId.has(transient));
    assert.ok(typeof changes['@odata.deltaLink'] === 'string');

    emulator.control.expireDeltaTokens(email);
    await assert.rejects(
      () => client.api(changes['@odata.deltaLink']).middlewareOptions(noRetry).get(),
      (error: GraphError) => error.statusCode === 410 && error.code === 'SyncStateNotFound',
    );
  });

  test('429 with Retry-After reaches the client', async () => {
    emulator.control.injectFault({ pathPattern: '/v1.0/me/messages', method: 'GET', status: 429, retryAfterSeconds: 7, times: 1 });
    await assert.rejects(
      () => client.api('/me/messages').middlewareOptions(noRetry).get(),
      (error: GraphError) => {
        assert.equal(error.statusCode, 429);
        assert.equal(error.code, 'ApplicationThrottled');
        assert.equal(error.headers?.get('retry-after'), '7');
        return true;
      },
    );
    // Two more requests than this mailbox has made in the window are allowed, then 429.
    emulator.control.setThrottleLimits({ requestsPerWindow: emulator.control.throttleReport(email).requestsInWindow + 2 });
    try {
      await client.api('/me/messages').middlewareOptions(noRetry).top(1).get();
      await client.api('/me/messages').middlewareOptions(noRetry).top(1).get();
      await assert.rejects(
        () => client.api('/me/messages').middlewareOptions(noRetry).top(1).get(),
        (error: GraphError) => error.statusCode === 429 && Number(error.headers?.get('retry-after')) > 0,
      );
    } finally {
      emulator.control.setThrottleLimits({ requestsPerWindow: 10_000 });
    }
  });
});
