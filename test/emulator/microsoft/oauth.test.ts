// The identity platform v2.0 code flow over HTTP, as an app without msal meets it: the consent form,
// the token endpoint's grants and Microsoft's error bodies (AADSTS codes), refresh-token rotation,
// revocation, and the discovery document msal reads.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { approveConsent, ConsentFailed, type MicrosoftEmulator } from '../../../emulators/microsoft/index.ts';
import { authorizeUrl, graph, postToken, REDIRECT_URI, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, signIn, startEmulator } from './helpers.ts';

let emulator: MicrosoftEmulator;

before(async () => {
  emulator = await startEmulator();
});

after(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.control.reset();
});

function codeForm(code: string, extra: Record<string, string> = {}): Record<string, string> {
  return { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET, ...extra };
}

describe('authorize', () => {
  test('answers a consent page with the documented form', async () => {
    const response = await fetch(authorizeUrl(emulator.baseUrl));
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /<form method="post"/);
    assert.match(html, /<input type="email" id="email" name="email"/);
    assert.match(html, /name="decision" value="allow"/);
    assert.match(html, /name="decision" value="deny"/);
  });

  test('allow redirects with code and state; deny with access_denied', async () => {
    const allowed = await approveConsent(authorizeUrl(emulator.baseUrl, { state: 'xyz' }), 'ada@example.com');
    assert.equal(allowed.state, 'xyz');
    assert.ok(allowed.location.startsWith(REDIRECT_URI));
    assert.ok(allowed.clientInfo !== undefined);
    await assert.rejects(
      () => approveConsent(authorizeUrl(emulator.baseUrl), 'ada@example.com', 'deny'),
      (error: ConsentFailed) => error instanceof ConsentFailed && error.error === 'access_denied',
    );
  });

  test('an unknown client or redirect URI gets an error page, not a redirect', async () => {
    const unknownClient = await fetch(authorizeUrl(emulator.baseUrl, { client_id: '11111111-1111-4111-8111-111111111111' }), { redirect: 'manual' });
    assert.equal(unknownClient.status, 400);
    assert.match(await unknownClient.text(), /AADSTS700016/);
    const badRedirect = await fetch(authorizeUrl(emulator.baseUrl, { redirect_uri: 'http://evil.example.com/cb' }), { redirect: 'manual' });
    assert.equal(badRedirect.status, 400);
    assert.match(await badRedirect.text(), /AADSTS50011/);
  });

  test('an unknown scope is redirected back as invalid_scope', async () => {
    const response = await fetch(authorizeUrl(emulator.baseUrl, { scope: 'Mail.Read Calendars.Nope' }), { redirect: 'manual' });
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location') as string);
    assert.equal(location.searchParams.get('error'), 'invalid_scope');
    assert.equal(location.searchParams.get('state'), 'st');
  });
});

describe('token endpoint', () => {
  test('code exchange answers the documented fields; the code works once', async () => {
    const consent = await approveConsent(authorizeUrl(emulator.baseUrl), 'ada@example.com');
    const answer = await postToken(emulator.baseUrl, codeForm(consent.code));
    assert.equal(answer.status, 200);
    assert.equal(answer.body.token_type, 'Bearer');
    assert.equal(answer.body.expires_in, 3599);
    assert.equal(answer.body.ext_expires_in, 3599);
    for (const field of ['access_token', 'refresh_token', 'id_token', 'scope']) assert.equal(typeof answer.body[field], 'string', field);
    assert.match(answer.body.scope as string, /Mail\.ReadWrite/);
    const claims = JSON.parse(Buffer.from((answer.body.id_token as string).split('.')[1] as string, 'base64url').toString());
    assert.equal(claims.preferred_username, 'ada@example.com');
    assert.equal(claims.aud, SANDBOX_CLIENT_ID);
    for (const claim of ['oid', 'tid', 'iss', 'exp', 'iat']) assert.ok(claims[claim] !== undefined, claim);

    const again = await postToken(emulator.baseUrl, codeForm(consent.code));
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
    assert.deepEqual(again.body.error_codes, [54005]);
    assert.match(again.body.error_description as string, /^AADSTS54005: /);
    for (const field of ['timestamp', 'trace_id', 'correlation_id']) assert.equal(typeof again.body[field], 'string', field);
  });

  test('no refresh token without offline_access; no id_token without openid', async () => {
    const consent = await approveConsent(authorizeUrl(emulator.baseUrl, { scope: 'Mail.Read' }), 'ada@example.com');
    const answer = await postToken(emulator.baseUrl, codeForm(consent.code));
    assert.equal(answer.status, 200);
    assert.equal(answer.body.refresh_token, undefined);
    assert.equal(answer.body.id_token, undefined);
  });

  test('PKCE: the verifier must match the S256 challenge', async () => {
    const verifier = 'verifier-'.repeat(6);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = authorizeUrl(emulator.baseUrl, { code_challenge: challenge, code_challenge_method: 'S256' });
    const wrong = await postToken(emulator.baseUrl, codeForm((await approveConsent(url, 'ada@example.com')).code, { code_verifier: 'something-else-entirely-long-enough-1234' }));
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
    assert.deepEqual(wrong.body.error_codes, [501481]);
    const right = await postToken(emulator.baseUrl, codeForm((await approveConsent(url, 'ada@example.com')).code, { code_verifier: verifier }));
    assert.equal(right.status, 200);
  });

  test('wrong secret is 401 invalid_client AADSTS7000215; other errors as documented', async () => {
    const consent = await approveConsent(authorizeUrl(emulator.baseUrl), 'ada@example.com');
    const wrongSecret = await postToken(emulator.baseUrl, codeForm(consent.code, { client_secret: 'nope' }));
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.body.error, 'invalid_client');
    assert.deepEqual(wrongSecret.body.error_codes, [7000215]);
    const unsupported = await postToken(emulator.baseUrl, { grant_type: 'password', client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET });
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.body.error, 'unsupported_grant_type');
    const noGrant = await postToken(emulator.baseUrl, { client_id: SANDBOX_CLIENT_ID });
    assert.equal(noGrant.body.error, 'invalid_request');
    const wrongRedirect = await postToken(emulator.baseUrl, codeForm(consent.code, { redirect_uri: 'http://localhost:3000/other' }));
    assert.equal(wrongRedirect.body.error, 'invalid_grant');
  });

  test('refresh requires scope, rotates the refresh token, and the old one keeps working', async () => {
    const { refreshToken } = await signIn(emulator.baseUrl, 'ada@example.com');
    const base = { grant_type: 'refresh_token', client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET, refresh_token: refreshToken };
    const noScope = await postToken(emulator.baseUrl, base);
    assert.equal(noScope.status, 400);
    assert.equal(noScope.body.error, 'invalid_request');
    assert.match(noScope.body.error_description as string, /AADSTS900144: .*'scope'/);
    const first = await postToken(emulator.baseUrl, { ...base, scope: 'offline_access https://graph.microsoft.com/Mail.ReadWrite' });
    assert.equal(first.status, 200);
    assert.ok(typeof first.body.refresh_token === 'string');
    assert.notEqual(first.body.refresh_token, refreshToken);
    const withNew = await postToken(emulator.baseUrl, { ...base, refresh_token: first.body.refresh_token as string, scope: 'Mail.ReadWrite offline_access' });
    assert.equal(withNew.status, 200);
    const withOld = await postToken(emulator.baseUrl, { ...base, scope: 'Mail.ReadWrite offline_access' });
    assert.equal(withOld.status, 200);
    const widened = await postToken(emulator.baseUrl, { ...base, scope: 'Calendars.Read' });
    assert.equal(widened.body.error, 'invalid_scope');
  });

  test('revoked grants: refresh is invalid_grant AADSTS50173 and Graph answers 401', async () => {
    const { accessToken, refreshToken } = await signIn(emulator.baseUrl, 'ada@example.com');
    assert.equal((await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me')).status, 200);
    assert.ok(emulator.control.revokeGrants('ada@example.com') >= 2);
    const refresh = await postToken(emulator.baseUrl, { grant_type: 'refresh_token', client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET, refresh_token: refreshToken, scope: 'Mail.ReadWrite' });
    assert.equal(refresh.status, 400);
    assert.equal(refresh.body.error, 'invalid_grant');
    assert.deepEqual(refresh.body.error_codes, [50173]);
    const me = await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me');
    assert.equal(me.status, 401);
    assert.equal(me.body.error.code, 'InvalidAuthenticationToken');
  });

  test('access tokens expire (settable lifetime, expireAccessTokens); refresh gets a working one', async () => {
    emulator.control.setAccessTokenTtl(120);
    const { accessToken, refreshToken } = await signIn(emulator.baseUrl, 'ada@example.com');
    emulator.control.expireAccessTokens('ada@example.com');
    const expired = await graph(emulator.baseUrl, accessToken, 'GET', '/v1.0/me');
    assert.equal(expired.status, 401);
    assert.match(expired.body.error.message, /expired/);
    const refreshed = await postToken(emulator.baseUrl, { grant_type: 'refresh_token', client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET, refresh_token: refreshToken, scope: 'Mail.ReadWrite' });
    assert.equal(refreshed.body.expires_in, 120);
    assert.equal((await graph(emulator.baseUrl, refreshed.body.access_token as string, 'GET', '/v1.0/me')).status, 200);
  });
});

test('openid-configuration points at this origin, as msal-node reads it', async () => {
  const response = await fetch(`${emulator.baseUrl}/common/v2.0/.well-known/openid-configuration`);
  const document = (await response.json()) as Record<string, string>;
  assert.equal(document.authorization_endpoint, `${emulator.baseUrl}/common/oauth2/v2.0/authorize`);
  assert.equal(document.token_endpoint, `${emulator.baseUrl}/common/oauth2/v2.0/token`);
  assert.equal(document.issuer, `${emulator.baseUrl}/{tenantid}/v2.0`);
  const keys = (await (await fetch(document.jwks_uri as string)).json()) as { keys: unknown[] };
  assert.equal(keys.keys.length, 1);
});
