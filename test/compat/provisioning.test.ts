// Cloud Elements compatibility: provisioning an instance from a refresh token a migrating user already
// holds, deleting instances that share one Google grant, and hub calls with a deleted instance's token.
// Driven through the public HTTP API only; the Google emulator is the ground truth for grants.
//
// Pages these tests were written from:
// - CE, "Provisioning an Instance with an Existing Refresh Token":
//   https://docs.cloud-elements.com/home/provisioning-instance-existing-refresh-token
// - CE, "Error Codes" (401: "an invalid element token, user secret and/or org secret provided"):
//   https://docs.cloud-elements.com/home/error-codes
// - Google, "Using OAuth 2.0 for Web Server Applications", revoking a token (revoking ends the whole
//   authorization of the user to the client), and RFC 7009 §2.1:
//   https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { approveConsent } from '../../emulators/google/index.ts';
import { testDialects } from '../support/databases.ts';
import { apiCall, createInstance, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startTestApp, type TestApp } from '../support/testApp.ts';

const PROVISIONING_PAGE = 'CE "Provisioning an Instance with an Existing Refresh Token"';
const OLD_SYSTEM_REDIRECT = 'https://old-system.example.com/oauth/callback';

/** What the migrating user's old system did once: Google's code flow, straight against the emulator. */
async function existingRefreshToken(app: TestApp, email: string): Promise<string> {
  app.emulator.control.createMailbox(email);
  const authUrl = new URL('/o/oauth2/v2/auth', app.emulator.baseUrl);
  authUrl.search = new URLSearchParams({
    client_id: SANDBOX_CLIENT_ID,
    redirect_uri: OLD_SYSTEM_REDIRECT,
    response_type: 'code',
    scope: 'https://mail.google.com/',
    access_type: 'offline',
    prompt: 'consent',
  }).toString();
  const { code } = await approveConsent(authUrl.toString(), email);
  const response = await googleToken(app, { grant_type: 'authorization_code', code, redirect_uri: OLD_SYSTEM_REDIRECT });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(typeof response.body.refresh_token, 'string');
  return response.body.refresh_token as string;
}

/** The emulator's own token endpoint: what Google says about a grant, independent of Changehook. */
async function googleToken(app: TestApp, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL('/token', app.emulator.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET, ...form }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function refreshAtGoogle(app: TestApp, refreshToken: string) {
  return googleToken(app, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** The page's request body, verbatim but for the values. */
function provisioningBody(refreshToken: unknown, overrides: { configuration?: Record<string, unknown>; [key: string]: unknown } = {}) {
  const { configuration, ...rest } = overrides;
  return {
    element: { key: 'gmail' },
    configuration: {
      'oauth.user.refresh_token': refreshToken,
      'oauth.api.key': SANDBOX_CLIENT_ID,
      'oauth.api.secret': SANDBOX_CLIENT_SECRET,
      'oauth.scope': 'https://mail.google.com/',
      ...configuration,
    },
    name: 'Creating instance from refresh token',
    externalAuthentication: 'initial',
    ...rest,
  };
}

function hubPing(app: TestApp, token: string) {
  return apiCall({ api: app.api, auth: `${app.auth}, Element ${token}` }, 'GET', '/hubs/general/ping');
}

async function instanceIds(app: TestApp): Promise<number[]> {
  const listed = await apiCall(app, 'GET', '/instances');
  assert.equal(listed.status, 200);
  return (listed.body as { id: number }[]).map((instance) => instance.id);
}

for (const dialect of testDialects()) {
  describe(`CE compatibility: provisioning and deleting instances on ${dialect}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(dialect);
    });
    after(() => app?.close());

    test(`${PROVISIONING_PAGE}: the page's body creates an instance whose hub calls work, and the token is never shown`, async () => {
      const refreshToken = await existingRefreshToken(app, 'migrated@example.com');
      const created = await apiCall(app, 'POST', '/instances', provisioningBody(refreshToken));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.name, 'Creating instance from refresh token');
      assert.equal(created.body.valid, true);
      assert.equal(created.body.providerAccount, 'migrated@example.com', 'the account is identified as in the code flow');
      assert.equal(created.body.configuration['oauth.api.secret'], '********');
      const views = [created, await apiCall(app, 'GET', `/instances/${created.body.id}`), await apiCall(app, 'GET', '/instances')];
      for (const view of views) assert.ok(!JSON.stringify(view.body).includes(refreshToken), 'the refresh token is never echoed');

      const ping = await hubPing(app, created.body.token);
      assert.equal(ping.status, 200, JSON.stringify(ping.body));
      assert.equal(ping.body.emailAddress, 'migrated@example.com');

      // An instance without oauth.callback.url (the page's body has none) can be changed like any other.
      const patched = await apiCall(app, 'PATCH', `/instances/${created.body.id}`, { configuration: { 'event.poller.refresh_interval': 30 } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      const current = (await apiCall(app, 'GET', `/instances/${created.body.id}`)).body;
      const replaced = await apiCall(app, 'PUT', `/instances/${created.body.id}`, { name: 'Replaced', configuration: current.configuration });
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.equal((await hubPing(app, created.body.token)).status, 200, 'PUT without a grant keeps the tokens');

      for (const view of [patched, replaced]) assert.ok(!JSON.stringify(view.body).includes(refreshToken), 'the refresh token is never echoed');

      // Provisioning refreshed the token; it did not use up or revoke the old system's grant.
      assert.equal((await refreshAtGoogle(app, refreshToken)).status, 200);
    });

    test(`${PROVISIONING_PAGE}: a refused refresh token is a 400 naming the key, and leaves no instance behind`, async () => {
      const before = await instanceIds(app);

      const unknown = await apiCall(app, 'POST', '/instances', provisioningBody('1//0not-a-refresh-token-from-google'));
      assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
      assert.equal(typeof unknown.body.requestId, 'string');
      assert.match(unknown.body.message, /oauth\.user\.refresh_token/);
      assert.match(unknown.body.message, /invalid_grant/);
      assert.ok(!unknown.body.message.includes('not-a-refresh-token'), 'the token is not echoed in the error');

      const revoked = await existingRefreshToken(app, 'revoked-before@example.com');
      const revocation = await fetch(new URL('/revoke', app.emulator.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: revoked }).toString(),
      });
      assert.equal(revocation.status, 200);
      const refused = await apiCall(app, 'POST', '/instances', provisioningBody(revoked));
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.match(refused.body.message, /oauth\.user\.refresh_token/);

      // Wrong client credentials: refused, and the caller's good token is left alone (not revoked).
      const good = await existingRefreshToken(app, 'wrong-secret@example.com');
      const wrongSecret = await apiCall(app, 'POST', '/instances', provisioningBody(good, { configuration: { 'oauth.api.secret': 'not-the-secret' } }));
      assert.equal(wrongSecret.status, 400, JSON.stringify(wrongSecret.body));
      assert.match(wrongSecret.body.message, /oauth\.api\.(key|secret)/);
      assert.ok(!JSON.stringify(wrongSecret.body).includes(good));
      assert.equal((await refreshAtGoogle(app, good)).status, 200);

      // Malformed requests name the field at fault.
      for (const [body, field] of [
        [provisioningBody(undefined), /configuration\.oauth\.user\.refresh_token is required/],
        [provisioningBody(good, { externalAuthentication: undefined }), /externalAuthentication/],
        [provisioningBody(good, { externalAuthentication: 'full' }), /externalAuthentication/],
        [provisioningBody(good, { providerData: { code: '4/0abc' } }), /providerData\.code/],
        [provisioningBody(good, { configuration: { 'oauth.user.token': 'ya29.access' } }), /oauth\.user\.token/],
        [provisioningBody(good, { configuration: { 'oauth.scope': 'https://www.googleapis.com/auth/drive' } }), /oauth\.scope/],
      ] as const) {
        const response = await apiCall(app, 'POST', '/instances', body);
        assert.equal(response.status, 400, `${field}: ${JSON.stringify(response.body)}`);
        assert.match(response.body.message, field);
        assert.ok(!response.body.message.includes(good));
      }

      assert.deepEqual(await instanceIds(app), before, 'no instance row left behind');
    });

    test(`${PROVISIONING_PAGE} + Google's revocation rule: deleting one of two instances of one mailbox and client keeps the grant; deleting the last revokes it`, async () => {
      const email = 'shared-grant@example.com';
      const refreshToken = await existingRefreshToken(app, email);
      const migrated = await apiCall(app, 'POST', '/instances', provisioningBody(refreshToken, { name: 'migrated' }));
      assert.equal(migrated.status, 200, JSON.stringify(migrated.body));
      const fresh = await createInstance(app, email, { name: 'fresh', configuration: { 'event.notification.enabled': false } });
      assert.equal((await hubPing(app, migrated.body.token)).status, 200);
      assert.equal((await hubPing(app, fresh.token)).status, 200);

      assert.equal((await apiCall(app, 'DELETE', `/instances/${migrated.body.id}`)).status, 200);
      // Google's answer: the (mailbox, client) authorization is still alive…
      assert.equal((await refreshAtGoogle(app, refreshToken)).status, 200, 'the shared grant was not revoked');
      // …and the other instance keeps working, also after it must refresh its own token.
      app.emulator.control.expireAccessTokens(email);
      const stillWorks = await hubPing(app, fresh.token);
      assert.equal(stillWorks.status, 200, JSON.stringify(stillWorks.body));
      assert.equal((await apiCall(app, 'GET', `/instances/${fresh.id}`)).body.valid, true);

      assert.equal((await apiCall(app, 'DELETE', `/instances/${fresh.id}`)).status, 200);
      const afterLast = await refreshAtGoogle(app, refreshToken);
      assert.equal(afterLast.status, 400, 'the last instance of the grant revokes it');
      assert.equal(afterLast.body.error, 'invalid_grant');
    });

    test("CE Error Codes: a hub call with a deleted instance's token is a 401 with the error body, like a token never issued", async () => {
      const refreshToken = await existingRefreshToken(app, 'deleted-token@example.com');
      const created = await apiCall(app, 'POST', '/instances', provisioningBody(refreshToken));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal((await hubPing(app, created.body.token)).status, 200);
      assert.equal((await apiCall(app, 'DELETE', `/instances/${created.body.id}`)).status, 200);

      const deleted = await hubPing(app, created.body.token);
      assert.equal(deleted.status, 401, JSON.stringify(deleted.body));
      assert.deepEqual(Object.keys(deleted.body).sort(), ['message', 'requestId']);
      assert.equal(typeof deleted.body.requestId, 'string');
      assert.ok(!deleted.body.message.includes(created.body.token));
      const neverIssued = await hubPing(app, 'a-token-that-was-never-issued-0123456789');
      assert.equal(neverIssued.status, 401);
      assert.equal(deleted.body.message, neverIssued.body.message, 'no hint whether the token ever existed');
    });
  });
}
