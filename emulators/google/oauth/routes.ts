// Google's OAuth 2.0 web-server flow on the emulator's origin: the consent screen
// (/o/oauth2/v2/auth), the token endpoint (/token), revocation (/revoke), tokeninfo, userinfo and the
// id_token signing certificates. Answers and error bodies follow Google's.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorState } from '../emulatorState.ts';
import { carryOutFault, type ErrorDialect } from '../faultResponder.ts';
import { OAuthError } from '../googleErrors.ts';
import type { OAuthClientRegistration } from './clientRegistry.ts';
import { renderConsentPage, renderOAuthErrorPage } from './consentPage.ts';
import { subjectFor } from './idToken.ts';
import { isKnownScope, parseScopeParameter, revealsEmail, SCOPES } from './scopes.ts';

const AUTH_PATHS = ['/o/oauth2/v2/auth', '/o/oauth2/auth'];
const TOKEN_PATHS = ['/token', '/o/oauth2/token', '/oauth2/v4/token'];
const REVOKE_PATHS = ['/revoke', '/o/oauth2/revoke'];
const TOKENINFO_PATHS = ['/tokeninfo', '/oauth2/v3/tokeninfo', '/oauth2/v1/tokeninfo'];
const USERINFO_PATHS = ['/oauth2/v3/userinfo', '/oauth2/v2/userinfo', '/v1/userinfo'];

const EMAIL_PATTERN = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

export function registerOAuthRoutes(app: FastifyInstance, state: EmulatorState): void {
  const withFaults = (dialect: ErrorDialect) => async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const fault = state.faults.take(request.method, request.url, undefined);
    if (fault !== undefined && (await carryOutFault(fault, request, reply, dialect, state)) === 'handled') return reply;
    return undefined;
  };

  for (const url of AUTH_PATHS) {
    app.route({ method: 'GET', url, onRequest: withFaults('oauth'), handler: (request, reply) => consentGet(state, request, reply) });
    app.route({ method: 'POST', url, onRequest: withFaults('oauth'), handler: (request, reply) => consentPost(state, request, reply) });
  }
  for (const url of TOKEN_PATHS) {
    app.route({ method: 'POST', url, onRequest: withFaults('oauth'), handler: (request, reply) => token(state, request, reply) });
  }
  for (const url of REVOKE_PATHS) {
    app.route({ method: ['GET', 'POST'], url, onRequest: withFaults('oauth'), handler: (request, reply) => revoke(state, request, reply) });
  }
  for (const url of TOKENINFO_PATHS) {
    app.route({ method: ['GET', 'POST'], url, onRequest: withFaults('oauth'), handler: (request, reply) => tokenInfo(state, request, reply) });
  }
  for (const url of USERINFO_PATHS) {
    app.route({ method: 'GET', url, onRequest: withFaults('oauth'), handler: (request, reply) => userInfo(state, request, reply) });
  }
  app.get('/oauth2/v3/certs', { onRequest: withFaults('oauth') }, async () => state.idTokens.jwks());
  app.get('/oauth2/v1/certs', { onRequest: withFaults('oauth') }, async () => state.idTokens.pemCerts());
}

// --- consent -----------------------------------------------------------------------------------

interface AuthorizationRequest {
  client: OAuthClientRegistration;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  offline: boolean;
  prompts: Set<string>;
  loginHint: string;
  includeGrantedScopes: boolean;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
}

/** Errors shown as Google's error page (the redirect target itself is not trustworthy yet). */
class AuthorizationPageError extends Error {
  constructor(
    readonly error: string,
    readonly detail: string,
    readonly googleCode = 400,
  ) {
    super(detail);
  }
}

function readAuthorizationRequest(state: EmulatorState, query: Record<string, string | undefined>): AuthorizationRequest {
  const clientId = query.client_id;
  if (clientId === undefined || clientId === '') throw new AuthorizationPageError('invalid_request', 'Missing required parameter: client_id');
  const client = state.clients.get(clientId);
  if (client === undefined) throw new AuthorizationPageError('invalid_client', 'The OAuth client was not found.', 401);
  const redirectUri = query.redirect_uri;
  if (redirectUri === undefined || redirectUri === '') throw new AuthorizationPageError('invalid_request', 'Missing required parameter: redirect_uri');
  if (!state.clients.allowsRedirect(client, redirectUri)) {
    throw new AuthorizationPageError(
      'redirect_uri_mismatch',
      `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. If you're the app developer, register the redirect URI in the Google Cloud Console. Request details: redirect_uri=${redirectUri}`,
    );
  }
  const responseType = query.response_type;
  if (responseType === undefined || responseType === '') throw new AuthorizationPageError('invalid_request', 'Required parameter is missing: response_type');
  if (responseType !== 'code') throw new AuthorizationPageError('unsupported_response_type', `Invalid response_type: ${responseType}`);
  const scopeParameter = query.scope;
  if (scopeParameter === undefined || scopeParameter.trim() === '') throw new AuthorizationPageError('invalid_request', 'Missing required parameter: scope');
  const scopes = parseScopeParameter(scopeParameter);
  const unknown = scopes.filter((s) => !isKnownScope(s));
  if (unknown.length > 0) throw new AuthorizationPageError('invalid_scope', `Some requested scopes were invalid. {invalid=[${unknown.join(', ')}]}`);
  const accessType = query.access_type ?? 'online';
  if (accessType !== 'online' && accessType !== 'offline') throw new AuthorizationPageError('invalid_request', `Invalid access_type: ${accessType}`);
  const prompts = new Set(parseScopeParameter(query.prompt ?? ''));
  for (const prompt of prompts) {
    if (!['none', 'consent', 'select_account'].includes(prompt)) throw new AuthorizationPageError('invalid_request', `Invalid prompt: ${prompt}`);
  }
  if (prompts.has('none') && prompts.size > 1) throw new AuthorizationPageError('invalid_request', 'prompt=none cannot be combined with other values');
  const method = query.code_challenge_method;
  if (method !== undefined && method !== 'S256' && method !== 'plain') throw new AuthorizationPageError('invalid_request', `Invalid code_challenge_method: ${method}`);
  return {
    client,
    redirectUri,
    scopes,
    state: query.state,
    offline: accessType === 'offline',
    prompts,
    loginHint: query.login_hint ?? '',
    includeGrantedScopes: query.include_granted_scopes === 'true',
    ...(query.code_challenge !== undefined && query.code_challenge !== ''
      ? { codeChallenge: query.code_challenge, codeChallengeMethod: method ?? 'plain' }
      : {}),
    ...(query.nonce !== undefined ? { nonce: query.nonce } : {}),
  };
}

function redirectTo(reply: FastifyReply, request: AuthorizationRequest, params: Record<string, string>): FastifyReply {
  const url = new URL(request.redirectUri);
  if (request.state !== undefined) url.searchParams.set('state', request.state);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return reply.code(302).header('location', url.toString()).header('cache-control', 'no-store').send();
}

function issueCodeAndRedirect(state: EmulatorState, reply: FastifyReply, request: AuthorizationRequest, email: string): FastifyReply {
  // Signing in with Google means having an account: the mailbox exists from the first consent on.
  state.mailboxes.getOrCreate(email);
  const code = state.grants.issueCode({
    clientId: request.client.clientId,
    redirectUri: request.redirectUri,
    email,
    scopes: request.scopes,
    offline: request.offline,
    forceConsent: request.prompts.has('consent'),
    includeGrantedScopes: request.includeGrantedScopes,
    ...(request.codeChallenge !== undefined ? { codeChallenge: request.codeChallenge, codeChallengeMethod: request.codeChallengeMethod ?? 'plain' } : {}),
    ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
  });
  const granted = request.includeGrantedScopes ? [...new Set([...state.grants.grantedScopes(email, request.client.clientId), ...request.scopes])] : request.scopes;
  return redirectTo(reply, request, { code, scope: granted.join(' '), authuser: '0', prompt: request.prompts.has('none') ? 'none' : 'consent' });
}

function pageError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof AuthorizationPageError) {
    return reply.code(400).type('text/html; charset=utf-8').send(renderOAuthErrorPage(error.error, error.detail, error.googleCode));
  }
  throw error;
}

async function consentGet(state: EmulatorState, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let authorization: AuthorizationRequest;
  try {
    authorization = readAuthorizationRequest(state, singleValues(request.query));
  } catch (error) {
    return pageError(reply, error);
  }
  if (authorization.prompts.has('none')) {
    // No screen may be shown: succeed only for a known user who already granted every scope.
    const email = authorization.loginHint.toLowerCase();
    if (email === '' || state.mailboxes.get(email) === undefined) return redirectTo(reply, authorization, { error: 'login_required' });
    const granted = state.grants.grantedScopes(email, authorization.client.clientId);
    if (!authorization.scopes.every((s) => granted.has(s))) return redirectTo(reply, authorization, { error: 'consent_required' });
    return issueCodeAndRedirect(state, reply, authorization, email);
  }
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(renderConsentPage({ action: request.url, clientId: authorization.client.clientId, scopes: authorization.scopes, loginHint: authorization.loginHint }));
}

async function consentPost(state: EmulatorState, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let authorization: AuthorizationRequest;
  try {
    authorization = readAuthorizationRequest(state, singleValues(request.query));
  } catch (error) {
    return pageError(reply, error);
  }
  const form = formFields(request.body);
  const decision = form.decision;
  if (decision === 'deny') return redirectTo(reply, authorization, { error: 'access_denied' });
  const email = (form.email ?? '').trim().toLowerCase();
  const problem = decision !== 'allow' ? 'Choose Allow or Cancel.' : !EMAIL_PATTERN.test(email) ? 'Enter a valid email address.' : undefined;
  if (problem !== undefined) {
    return reply
      .code(400)
      .type('text/html; charset=utf-8')
      .send(
        renderConsentPage({
          action: request.url,
          clientId: authorization.client.clientId,
          scopes: authorization.scopes,
          loginHint: form.email ?? authorization.loginHint,
          errorMessage: problem,
        }),
      );
  }
  return issueCodeAndRedirect(state, reply, authorization, email);
}

// --- token -------------------------------------------------------------------------------------

async function token(state: EmulatorState, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const form = formFields(request.body);
  const client = authenticateClient(state, request, form);
  const grantType = form.grant_type ?? '';
  let issued: ReturnType<typeof state.grants.refresh>;
  if (grantType === 'authorization_code') {
    if (form.code === undefined || form.code === '') throw new OAuthError(400, 'invalid_request', 'Missing required parameter: code');
    issued = state.grants.exchangeCode({ code: form.code, clientId: client.clientId, redirectUri: form.redirect_uri, codeVerifier: form.code_verifier });
  } else if (grantType === 'refresh_token') {
    if (form.refresh_token === undefined || form.refresh_token === '') throw new OAuthError(400, 'invalid_request', 'Missing required parameter: refresh_token');
    issued = state.grants.refresh({ refreshToken: form.refresh_token, clientId: client.clientId });
  } else {
    throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
  }
  const record = issued.accessToken;
  const body: Record<string, string | number> = {
    access_token: record.token,
    expires_in: Math.max(0, Math.round((record.expiresAt - Date.now()) / 1000)),
  };
  if (issued.refreshToken !== undefined) body.refresh_token = issued.refreshToken;
  body.scope = issued.scope;
  body.token_type = 'Bearer';
  if (record.scopes.has(SCOPES.openid)) {
    body.id_token = state.idTokens.sign({
      clientId: client.clientId,
      email: record.email,
      subject: subjectFor(record.email),
      accessToken: record.token,
      includeEmail: revealsEmail(record.scopes),
      ttlSeconds: 3600,
      ...(issued.nonce !== undefined ? { nonce: issued.nonce } : {}),
    });
  }
  return reply.header('cache-control', 'no-cache, no-store, max-age=0, must-revalidate').header('pragma', 'no-cache').send(body);
}

/** Client credentials from HTTP Basic (client_secret_basic) or the form (client_secret_post). */
function authenticateClient(state: EmulatorState, request: FastifyRequest, form: Record<string, string | undefined>): OAuthClientRegistration {
  let clientId = form.client_id;
  let clientSecret = form.client_secret;
  const header = request.headers.authorization;
  if (typeof header === 'string' && /^basic\s/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError(401, 'invalid_client', 'Unauthorized');
    // RFC 6749 §2.3.1: both parts are form-urlencoded inside the Basic credentials.
    clientId = safeDecode(decoded.slice(0, colon));
    clientSecret = safeDecode(decoded.slice(colon + 1));
  }
  if (clientId === undefined || clientId === '') throw new OAuthError(400, 'invalid_request', 'Could not determine client ID from request.');
  const client = state.clients.get(clientId);
  if (client === undefined) throw new OAuthError(401, 'invalid_client', 'The OAuth client was not found.');
  if (clientSecret !== client.clientSecret) throw new OAuthError(401, 'invalid_client', 'Unauthorized');
  return client;
}

// --- revoke, tokeninfo, userinfo ---------------------------------------------------------------

async function revoke(state: EmulatorState, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const token = singleValues(request.query).token ?? formFields(request.body).token;
  if (token === undefined || token === '') throw new OAuthError(400, 'invalid_request', 'Missing required parameter: token');
  if (!state.grants.revokeToken(token)) throw new OAuthError(400, 'invalid_token', 'Token expired or revoked');
  return reply.type('application/json; charset=utf-8').send('{}');
}

function bearerOrParameter(request: FastifyRequest, parameter: string): string | undefined {
  const fromQuery = singleValues(request.query)[parameter] ?? formFields(request.body)[parameter];
  if (fromQuery !== undefined && fromQuery !== '') return fromQuery;
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)/i.exec(header) : null;
  return match?.[1];
}

async function tokenInfo(state: EmulatorState, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const accessToken = bearerOrParameter(request, 'access_token');
  const record = accessToken === undefined ? undefined : state.grants.authenticate(accessToken);
  if (record === undefined) throw new OAuthError(400, 'invalid_token', 'Invalid Value');
  const expiresIn = Math.max(0, Math.floor((record.expiresAt - Date.now()) / 1000));
  // Google's tokeninfo returns its numbers as strings.
  const body: Record<string, string> = {
    azp: record.clientId,
    aud: record.clientId,
    sub: subjectFor(record.email),
    scope: [...record.scopes].join(' '),
    exp: String(Math.floor(record.expiresAt / 1000)),
    expires_in: String(expiresIn),
  };
  if (revealsEmail(record.scopes)) {
    body.email = record.email;
    body.email_verified = 'true';
  }
  body.access_type = record.offline ? 'offline' : 'online';
  return reply.send(body);
}

async function userInfo(state: EmulatorState, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const accessToken = bearerOrParameter(request, 'access_token');
  const record = accessToken === undefined ? undefined : state.grants.authenticate(accessToken);
  if (record === undefined) throw new OAuthError(401, 'invalid_request', 'Invalid Credentials');
  const body: Record<string, string | boolean> = { sub: subjectFor(record.email) };
  if (revealsEmail(record.scopes)) {
    body.email = record.email;
    body.email_verified = true;
  }
  return reply.send(body);
}

// --- helpers -----------------------------------------------------------------------------------

/** Form fields of a urlencoded (or JSON) body as strings; anything else reads as no fields. */
function formFields(body: unknown): Record<string, string | undefined> {
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body) || Array.isArray(body)) return {};
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
  }
  return out;
}

/** Query parameters with repeated keys reduced to their first value, as Google's OAuth server reads them. */
function singleValues(query: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (query === null || typeof query !== 'object') return out;
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value) && typeof value[0] === 'string') out[key] = value[0];
  }
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
