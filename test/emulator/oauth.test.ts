// The OAuth 2.0 endpoints over plain HTTP: the consent page as a browser sees it, the token
// endpoint's grants and Google's error answers, revocation and tokeninfo.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { approveConsent, ConsentFailed, type GoogleEmulator } from '../../emulators/google/index.ts';
import { authUrl, http, postForm, REDIRECT_URI, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SCOPES, signIn, startEmulator } from './helpers.ts';

let emulator: GoogleEmulator;

before(async () => {
  emulator = await startEmulator({
    clients: [{ clientId: 'strict-client.apps.googleusercontent.com', clientSecret: 'strict-secret', redirectUris: ['https://app.example.com/callback'] }],
  });
});

after(async () => {
  await emulator.close();
});

function exchange(code: string, overrides: Record<string, string> = {}) {
  return postForm(`${emulator.baseUrl}/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    client_id: SANDBOX_CLIENT_ID,
    client_secret: SANDBOX_CLIENT_SECRET,
    ...overrides,
  });
}

function oauthError(answer: { json: unknown }): { error: string; error_description: string } {
  const body = answer.json as { error?: unknown; error_description?: unknown };
  assert.equal(typeof body.error, 'string', 'OAuth error body has error');
  assert.equal(typeof body.error_description, 'string', 'OAuth error body has error_description');
  return body as { error: string; error_description: string };
}

describe('consent page', () => {
  test('is a plain form posting back to the same URL, email prefilled from login_hint', async () => {
    const url = authUrl(emulator.baseUrl, { state: 's1', login_hint: 'hint@example.com', scope: `${SCOPES.readonly} ${SCOPES.modify}` });
    const page = await http('GET', url);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    const form = /<form method="post" action="([^"]+)">/.exec(page.text);
    assert.ok(form, 'a method=post form');
    const action = (form[1] as string).replace(/&amp;/g, '&');
    assert.equal(new URL(action, url).toString(), url, 'action is the same URL, query preserved');
    assert.match(page.text, /<input type="email" id="email" name="email" value="hint@example.com"/);
    assert.match(page.text, /<button type="submit" name="decision" value="allow">/);
    assert.match(page.text, /<button type="submit" name="decision" value="deny"/);
  });

  test('allow redirects with code and state; deny with access_denied', async () => {
    const url = authUrl(emulator.baseUrl, { state: 'abc/def' });
    const allowed = await postForm(url, { email: 'Person@Example.com', decision: 'allow' });
    assert.equal(allowed.status, 302);
    const location = new URL(String(allowed.headers.location));
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    assert.equal(location.searchParams.get('state'), 'abc/def');
    assert.match(location.searchParams.get('code') ?? '', /^4\//);

    const denied = await postForm(url, { email: 'person@example.com', decision: 'deny' });
    assert.equal(denied.status, 302);
    const deniedLocation = new URL(String(denied.headers.location));
    assert.equal(deniedLocation.searchParams.get('error'), 'access_denied');
    assert.equal(deniedLocation.searchParams.get('state'), 'abc/def');
    await assert.rejects(approveConsent(url, 'x@example.com', 'deny'), (error: unknown) => error instanceof ConsentFailed && error.error === 'access_denied');
  });

  test('an invalid email re-shows the form with an error', async () => {
    const answer = await postForm(authUrl(emulator.baseUrl, {}), { email: 'not-an-address', decision: 'allow' });
    assert.equal(answer.status, 400);
    assert.match(answer.text, /valid email/);
    assert.match(answer.text, /<form method="post"/);
  });

  test('unknown client, redirect mismatch, bad scope and missing parameters show Google\'s error page with 400', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ client_id: 'nobody.apps.googleusercontent.com' }, 'invalid_client'],
      [{ client_id: 'strict-client.apps.googleusercontent.com', redirect_uri: 'https://evil.example.com/callback' }, 'redirect_uri_mismatch'],
      [{ redirect_uri: 'ftp://example.com/x' }, 'redirect_uri_mismatch'],
      [{ scope: 'https://www.googleapis.com/auth/drive' }, 'invalid_scope'],
      [{ scope: '' }, 'invalid_request'],
      [{ response_type: 'token id_token' }, 'unsupported_response_type'],
      [{ access_type: 'sometimes' }, 'invalid_request'],
    ];
    for (const [params, error] of cases) {
      const page = await http('GET', authUrl(emulator.baseUrl, params));
      assert.equal(page.status, 400, JSON.stringify(params));
      assert.match(page.text, new RegExp(`Error \\d{3}: ${error}`), JSON.stringify(params));
      const posted = await postForm(authUrl(emulator.baseUrl, params), { email: 'a@example.com', decision: 'allow' });
      assert.equal(posted.status, 400, 'POST is validated the same way');
    }
  });

  test('a registered redirect URI must match exactly', async () => {
    const url = authUrl(emulator.baseUrl, { client_id: 'strict-client.apps.googleusercontent.com', redirect_uri: 'https://app.example.com/callback' });
    const consent = await approveConsent(url, 'strict@example.com');
    assert.equal(consent.redirectUri, 'https://app.example.com/callback');
  });

  test('prompt=none succeeds only for a user who already granted the scopes', async () => {
    const email = 'silent@example.com';
    const none = await http('GET', authUrl(emulator.baseUrl, { prompt: 'none', login_hint: email }));
    assert.equal(none.status, 302);
    assert.equal(new URL(String(none.headers.location)).searchParams.get('error'), 'login_required');
    await signIn(emulator.baseUrl, email);
    const again = await approveConsent(authUrl(emulator.baseUrl, { prompt: 'none', login_hint: email }), email);
    assert.match(again.code, /^4\//);
    const wider = await http('GET', authUrl(emulator.baseUrl, { prompt: 'none', login_hint: email, scope: `${SCOPES.mail} ${SCOPES.labels}` }));
    assert.equal(new URL(String(wider.headers.location)).searchParams.get('error'), 'consent_required');
  });
});

describe('token endpoint', () => {
  test('authorization_code: tokens only once; a replayed code is invalid_grant and revokes what it issued', async () => {
    const consent = await approveConsent(authUrl(emulator.baseUrl, { access_type: 'offline', prompt: 'consent' }), 'once@example.com');
    const first = await exchange(consent.code);
    assert.equal(first.status, 200);
    const tokens = first.json as { access_token: string; refresh_token: string; expires_in: number; scope: string; token_type: string };
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.scope, SCOPES.mail);
    assert.ok(tokens.expires_in > 3500 && tokens.expires_in <= 3599);
    assert.ok(tokens.refresh_token);
    assert.match(String(first.headers['cache-control']), /no-store/);

    const replay = await exchange(consent.code);
    assert.equal(replay.status, 400);
    assert.equal(oauthError(replay).error, 'invalid_grant');
    const profile = await http('GET', `${emulator.baseUrl}/gmail/v1/users/me/profile`, { token: tokens.access_token });
    assert.equal(profile.status, 401, 'tokens from a replayed code are revoked');
    const refresh = await postForm(`${emulator.baseUrl}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET });
    assert.equal(oauthError(refresh).error, 'invalid_grant');
  });

  test('a code is bound to its redirect URI and client', async () => {
    const consent = await approveConsent(authUrl(emulator.baseUrl, {}), 'bound@example.com');
    const wrongRedirect = await exchange(consent.code, { redirect_uri: 'http://127.0.0.1:1/other' });
    assert.equal(wrongRedirect.status, 400);
    assert.equal(oauthError(wrongRedirect).error, 'redirect_uri_mismatch');
    const consent2 = await approveConsent(authUrl(emulator.baseUrl, {}), 'bound@example.com');
    const otherClient = await exchange(consent2.code, { client_id: 'strict-client.apps.googleusercontent.com', client_secret: 'strict-secret' });
    assert.equal(otherClient.status, 400);
    assert.equal(oauthError(otherClient).error, 'invalid_grant');
  });

  test('client credentials in HTTP Basic work like form credentials', async () => {
    const consent = await approveConsent(authUrl(emulator.baseUrl, {}), 'basic@example.com');
    const basic = Buffer.from(`${encodeURIComponent(SANDBOX_CLIENT_ID)}:${encodeURIComponent(SANDBOX_CLIENT_SECRET)}`).toString('base64');
    const answer = await postForm(`${emulator.baseUrl}/token`, { grant_type: 'authorization_code', code: consent.code, redirect_uri: REDIRECT_URI }, { authorization: `Basic ${basic}` });
    assert.equal(answer.status, 200);
  });

  test('online access has no refresh token; offline has one only on first consent unless prompt=consent', async () => {
    const online = await approveConsent(authUrl(emulator.baseUrl, {}), 'online@example.com');
    const onlineTokens = (await exchange(online.code)).json as { access_token?: string; refresh_token?: string };
    assert.ok(onlineTokens.access_token);
    assert.equal(onlineTokens.refresh_token, undefined);

    const email = 'offline@example.com';
    const first = await approveConsent(authUrl(emulator.baseUrl, { access_type: 'offline' }), email);
    assert.ok(((await exchange(first.code)).json as { refresh_token?: string }).refresh_token, 'first offline consent');
    const second = await approveConsent(authUrl(emulator.baseUrl, { access_type: 'offline' }), email);
    assert.equal(((await exchange(second.code)).json as { refresh_token?: string }).refresh_token, undefined, 'Google omits it on re-consent');
    const forced = await approveConsent(authUrl(emulator.baseUrl, { access_type: 'offline', prompt: 'consent' }), email);
    assert.ok(((await exchange(forced.code)).json as { refresh_token?: string }).refresh_token, 'prompt=consent forces a new one');
  });

  test('refresh_token grant: new access token, same scopes, no new refresh token', async () => {
    const tokens = await signIn(emulator.baseUrl, 'refresher@example.com', [SCOPES.readonly]);
    const answer = await postForm(`${emulator.baseUrl}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET });
    assert.equal(answer.status, 200);
    const refreshed = answer.json as { access_token: string; refresh_token?: string; scope: string };
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal(refreshed.refresh_token, undefined);
    assert.equal(refreshed.scope, SCOPES.readonly);
    const wrongClient = await postForm(`${emulator.baseUrl}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: 'strict-client.apps.googleusercontent.com', client_secret: 'strict-secret' });
    assert.equal(wrongClient.status, 401);
    assert.equal(oauthError(wrongClient).error, 'unauthorized_client');
  });

  test('Google\'s error answers: invalid_client 401, invalid_request / unsupported_grant_type / invalid_grant 400', async () => {
    const base = emulator.baseUrl;
    const cases: [Record<string, string>, number, string][] = [
      [{ grant_type: 'authorization_code', code: 'x', client_id: 'nobody', client_secret: 'x' }, 401, 'invalid_client'],
      [{ grant_type: 'authorization_code', code: 'x', client_id: SANDBOX_CLIENT_ID, client_secret: 'wrong' }, 401, 'invalid_client'],
      [{ grant_type: 'authorization_code', code: 'x' }, 400, 'invalid_request'],
      [{ grant_type: 'password', client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET }, 400, 'unsupported_grant_type'],
      [{ client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET }, 400, 'unsupported_grant_type'],
      [{ grant_type: 'authorization_code', client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET }, 400, 'invalid_request'],
      [{ grant_type: 'authorization_code', code: '4/garbage', redirect_uri: REDIRECT_URI, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET }, 400, 'invalid_grant'],
      [{ grant_type: 'refresh_token', refresh_token: '1//garbage', client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET }, 400, 'invalid_grant'],
    ];
    for (const [fields, status, error] of cases) {
      const answer = await postForm(`${base}/token`, fields);
      assert.equal(answer.status, status, JSON.stringify(fields));
      assert.equal(oauthError(answer).error, error, JSON.stringify(fields));
    }
    const json = await http('POST', `${base}/token`, { body: '{not json', headers: { 'content-type': 'application/json' } });
    assert.equal(json.status, 400);
    oauthError(json);
  });

  test('PKCE: the code verifier must match the challenge', async () => {
    const verifier = 'a-verifier-that-is-long-enough-for-pkce-0123456789abcdef';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = authUrl(emulator.baseUrl, { code_challenge: challenge, code_challenge_method: 'S256' });
    const bad = await exchange((await approveConsent(url, 'pkce@example.com')).code, { code_verifier: 'wrong' });
    assert.equal(oauthError(bad).error, 'invalid_grant');
    const good = await exchange((await approveConsent(url, 'pkce@example.com')).code, { code_verifier: verifier });
    assert.equal(good.status, 200);
  });

  test('openid scope adds a signed id_token', async () => {
    const tokens = await signIn(emulator.baseUrl, 'oidc@example.com', ['openid', 'email', SCOPES.readonly]);
    const [, payload] = (tokens.id_token ?? '').split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims.aud, SANDBOX_CLIENT_ID);
    assert.equal(claims.email, 'oidc@example.com');
    assert.equal(claims.iss, 'https://accounts.google.com');
    const jwks = await http('GET', `${emulator.baseUrl}/oauth2/v3/certs`);
    assert.equal((jwks.json as { keys: unknown[] }).keys.length, 1);
  });
});

describe('revoke and tokeninfo', () => {
  test('revoking an access token ends the whole grant; unknown tokens are invalid_token', async () => {
    const tokens = await signIn(emulator.baseUrl, 'revoker@example.com');
    const revoked = await http('POST', `${emulator.baseUrl}/revoke?token=${encodeURIComponent(tokens.access_token)}`);
    assert.equal(revoked.status, 200);
    const profile = await http('GET', `${emulator.baseUrl}/gmail/v1/users/me/profile`, { token: tokens.access_token });
    assert.equal(profile.status, 401);
    const refresh = await postForm(`${emulator.baseUrl}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET });
    assert.equal(oauthError(refresh).error, 'invalid_grant');
    const again = await postForm(`${emulator.baseUrl}/revoke`, { token: tokens.refresh_token as string });
    assert.equal(again.status, 400);
    assert.equal(oauthError(again).error, 'invalid_token');
  });

  test('tokeninfo answers for live tokens and 400 for others', async () => {
    const tokens = await signIn(emulator.baseUrl, 'info@example.com', [SCOPES.readonly]);
    const info = await http('GET', `${emulator.baseUrl}/tokeninfo?access_token=${tokens.access_token}`);
    assert.equal(info.status, 200);
    const body = info.json as Record<string, string>;
    assert.equal(body.aud, SANDBOX_CLIENT_ID);
    assert.equal(body.scope, SCOPES.readonly);
    assert.equal(body.access_type, 'offline');
    assert.equal(body.email, undefined, 'no email without the email scope');
    const bad = await http('GET', `${emulator.baseUrl}/oauth2/v3/tokeninfo?access_token=nope`);
    assert.equal(bad.status, 400);
    assert.equal(oauthError(bad).error, 'invalid_token');
  });
});
