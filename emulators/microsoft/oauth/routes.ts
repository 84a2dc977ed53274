// The Microsoft identity platform v2.0 on the emulator's origin: the authorize endpoint (consent
// page and its form post), the token endpoint (authorization_code and refresh_token grants), and the
// discovery documents msal-node reads (`/{tenant}/v2.0/.well-known/openid-configuration`, the JWKS).
// Tenants `common`, `organizations`, `consumers` or a GUID/domain are accepted alike: every mailbox
// lives in the emulator's one directory. Answers and error bodies follow Microsoft's documentation.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorState } from '../emulatorState.ts';
import { carryOutFault } from '../faultResponder.ts';
import { IdentityError } from '../microsoftErrors.ts';
import type { OAuthClientRegistration } from './clientRegistry.ts';
import { renderConsentPage, renderSignInErrorPage } from './consentPage.ts';
import { displayNameFor, EMULATOR_TENANT_ID, objectIdFor } from './identities.ts';
import { canonicalScope, graphPermissionsOf, parseScopeParameter } from './scopes.ts';

const EMAIL_PATTERN = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;
const TENANT_PATTERN = /^(common|organizations|consumers|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9.-]+\.[a-z]{2,})$/i;

export function registerOAuthRoutes(app: FastifyInstance, state: EmulatorState): void {
  const withFaults = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const fault = state.faults.take(request.method, request.url);
    if (fault !== undefined && (await carryOutFault(fault, request, reply, 'identity', state.sleep)) === 'handled') return reply;
    return undefined;
  };

  app.route({ method: 'GET', url: '/:tenant/oauth2/v2.0/authorize', onRequest: withFaults, handler: (request, reply) => consentGet(state, request, reply) });
  app.route({ method: 'POST', url: '/:tenant/oauth2/v2.0/authorize', onRequest: withFaults, handler: (request, reply) => consentPost(state, request, reply) });
  app.route({ method: 'POST', url: '/:tenant/oauth2/v2.0/token', onRequest: withFaults, handler: (request, reply) => token(state, request, reply) });
  app.route({
    method: 'GET',
    url: '/:tenant/v2.0/.well-known/openid-configuration',
    onRequest: withFaults,
    handler: (request, reply) => reply.send(openIdConfiguration(originOf(request), tenantOf(request))),
  });
  app.route({
    method: 'GET',
    url: '/:tenant/discovery/v2.0/keys',
    onRequest: withFaults,
    handler: (request, reply) => reply.send(state.idTokens.jwks(`${originOf(request)}/${EMULATOR_TENANT_ID}/v2.0`)),
  });
}

function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? 'localhost'}`;
}

function tenantOf(request: FastifyRequest): string {
  const tenant = (request.params as { tenant: string }).tenant;
  if (!TENANT_PATTERN.test(tenant)) throw new IdentityError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  return tenant;
}

/** The OpenID Provider metadata Microsoft publishes per tenant, pointing at this origin. */
export function openIdConfiguration(origin: string, tenant: string): Record<string, unknown> {
  const issuerTenant = tenant === 'common' || tenant === 'organizations' || tenant === 'consumers' ? '{tenantid}' : EMULATOR_TENANT_ID;
  return {
    token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${origin}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    kerberos_endpoint: `${origin}/${tenant}/kerberos`,
    tenant_region_scope: null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

// --- authorize ---------------------------------------------------------------------------------

interface AuthorizationRequest {
  client: OAuthClientRegistration;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  prompt: string | undefined;
  loginHint: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
}

/** Shown as a sign-in error page: the redirect URI is not trustworthy (yet). */
class SignInPageError extends Error {
  constructor(
    readonly aadsts: number,
    readonly text: string,
  ) {
    super(text);
  }
}

/** Redirected back to the app as `error` / `error_description` (the redirect URI is known good). */
class RedirectError extends Error {
  constructor(
    readonly error: string,
    readonly aadsts: number,
    readonly text: string,
  ) {
    super(text);
  }
}

function readAuthorizationRequest(state: EmulatorState, query: Record<string, string | undefined>): AuthorizationRequest {
  const clientId = query.client_id;
  if (clientId === undefined || clientId === '') throw new SignInPageError(900144, "The request body must contain the following parameter: 'client_id'.");
  const client = state.clients.get(clientId);
  if (client === undefined) {
    throw new SignInPageError(
      700016,
      `Application with identifier '${clientId}' was not found in the directory 'Changehook emulator'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
    );
  }
  const redirectUri = query.redirect_uri;
  if (redirectUri === undefined || redirectUri === '' || !state.clients.allowsRedirect(client, redirectUri)) {
    throw new SignInPageError(
      50011,
      `The redirect URI '${redirectUri ?? ''}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
    );
  }
  const base = { client, redirectUri, state: query.state };
  const responseType = query.response_type;
  if (responseType !== 'code') {
    throw new RedirectError('unsupported_response_type', 700054, `response_type '${responseType ?? ''}' is not enabled for the application.`);
  }
  const responseMode = query.response_mode;
  if (responseMode !== undefined && responseMode !== 'query') {
    throw new RedirectError('invalid_request', 900144, `The emulator answers with response_mode=query only, not '${responseMode}'.`);
  }
  const scopeParameter = query.scope;
  if (scopeParameter === undefined || scopeParameter.trim() === '') throw new RedirectError('invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
  const scopes: string[] = [];
  for (const requested of parseScopeParameter(scopeParameter)) {
    const canonical = canonicalScope(requested);
    if (canonical === undefined) throw new RedirectError('invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope '${requested}' does not exist.`);
    if (!scopes.includes(canonical)) scopes.push(canonical);
  }
  const prompt = query.prompt;
  if (prompt !== undefined && !['login', 'none', 'consent', 'select_account'].includes(prompt)) {
    throw new RedirectError('invalid_request', 90023, `Invalid prompt parameter value '${prompt}'.`);
  }
  const method = query.code_challenge_method;
  if (method !== undefined && method !== 'S256' && method !== 'plain') throw new RedirectError('invalid_request', 501471, `Invalid code_challenge_method '${method}'.`);
  return {
    ...base,
    scopes,
    prompt,
    loginHint: query.login_hint ?? '',
    ...(query.code_challenge !== undefined && query.code_challenge !== '' ? { codeChallenge: query.code_challenge, codeChallengeMethod: method ?? 'plain' } : {}),
    ...(query.nonce !== undefined ? { nonce: query.nonce } : {}),
  };
}

function redirectTo(reply: FastifyReply, request: { redirectUri: string; state: string | undefined }, params: Record<string, string>): FastifyReply {
  const url = new URL(request.redirectUri);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  if (request.state !== undefined) url.searchParams.set('state', request.state);
  return reply.code(302).header('location', url.toString()).header('cache-control', 'no-store, no-cache').send();
}

function handleAuthorizeError(reply: FastifyReply, query: Record<string, string | undefined>, error: unknown): FastifyReply {
  if (error instanceof SignInPageError) return reply.code(400).type('text/html; charset=utf-8').send(renderSignInErrorPage(error.aadsts, error.text));
  if (error instanceof RedirectError) {
    return redirectTo(reply, { redirectUri: query.redirect_uri as string, state: query.state }, { error: error.error, error_description: `AADSTS${error.aadsts}: ${error.text}` });
  }
  throw error;
}

function consentGet(state: EmulatorState, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  tenantOf(request);
  const query = request.query as Record<string, string | undefined>;
  let authorization: AuthorizationRequest;
  try {
    authorization = readAuthorizationRequest(state, query);
  } catch (error) {
    return handleAuthorizeError(reply, query, error);
  }
  if (authorization.prompt === 'none') {
    // No browser session exists on the emulator: a silent request cannot sign anyone in.
    return redirectTo(reply, authorization, { error: 'login_required', error_description: 'AADSTS50058: A silent sign-in request was sent but no user is signed in.' });
  }
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store, no-cache')
    .send(renderConsentPage({ action: request.url, clientId: authorization.client.clientId, scopes: authorization.scopes, loginHint: authorization.loginHint }));
}

function consentPost(state: EmulatorState, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  tenantOf(request);
  const query = request.query as Record<string, string | undefined>;
  let authorization: AuthorizationRequest;
  try {
    authorization = readAuthorizationRequest(state, query);
  } catch (error) {
    return handleAuthorizeError(reply, query, error);
  }
  const form = (request.body ?? {}) as Record<string, string | undefined>;
  if (form.decision === 'deny') {
    return redirectTo(reply, authorization, { error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.' });
  }
  if (form.decision !== 'allow') return reply.code(400).type('text/html; charset=utf-8').send(renderSignInErrorPage(900144, "The form must carry decision=allow or decision=deny."));
  const email = (form.email ?? '').trim().toLowerCase();
  if (!EMAIL_PATTERN.test(email)) {
    return reply
      .code(200)
      .type('text/html; charset=utf-8')
      .send(
        renderConsentPage({
          action: request.url,
          clientId: authorization.client.clientId,
          scopes: authorization.scopes,
          loginHint: form.email ?? '',
          errorMessage: 'Enter a valid email address, phone number, or Skype name.',
        }),
      );
  }
  // Signing in means having an account: the mailbox exists from the first consent on.
  state.mailboxes.getOrCreate(email);
  const code = state.grants.issueCode({
    clientId: authorization.client.clientId,
    redirectUri: authorization.redirectUri,
    email,
    scopes: grantedScopes(authorization.scopes),
    ...(authorization.codeChallenge !== undefined ? { codeChallenge: authorization.codeChallenge, codeChallengeMethod: authorization.codeChallengeMethod ?? 'plain' } : {}),
    ...(authorization.nonce !== undefined ? { nonce: authorization.nonce } : {}),
  });
  return redirectTo(reply, authorization, { code, client_info: clientInfo(email), session_state: objectIdFor(`session:${email}`) });
}

/**
 * What a consent grants: the requested scopes, `.default` expanded to the app registration's
 * configured permissions, and User.Read, which every new app registration has configured (Entra's
 * default) and so comes with every Graph token.
 */
function grantedScopes(requested: readonly string[]): string[] {
  const out = new Set<string>();
  for (const scope of requested) {
    if (scope === '.default') for (const p of graphPermissionsOf(['.default'])) out.add(p);
    else out.add(scope);
  }
  out.add('User.Read');
  return [...out];
}

function clientInfo(email: string): string {
  return Buffer.from(JSON.stringify({ uid: objectIdFor(email), utid: EMULATOR_TENANT_ID })).toString('base64url');
}

// --- token -------------------------------------------------------------------------------------

function token(state: EmulatorState, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  tenantOf(request);
  const contentType = request.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new IdentityError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  }
  const form = (request.body ?? {}) as Record<string, string | undefined>;
  const credentials = clientCredentials(request, form);
  const grantType = form.grant_type;
  if (grantType === undefined || grantType === '') throw new IdentityError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    throw new IdentityError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
  }
  if (credentials.clientId === undefined || credentials.clientId === '') throw new IdentityError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  const client = state.clients.get(credentials.clientId);
  if (client === undefined) {
    throw new IdentityError(400, 'unauthorized_client', 700016, `Application with identifier '${credentials.clientId}' was not found in the directory 'Changehook emulator'.`);
  }
  if (credentials.clientSecret === undefined || credentials.clientSecret === '') {
    throw new IdentityError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  if (credentials.clientSecret !== client.clientSecret) {
    throw new IdentityError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`,
    );
  }

  let issued: ReturnType<typeof state.grants.refresh>;
  let requested: string[] = [];
  if (grantType === 'authorization_code') {
    if (form.code === undefined || form.code === '') throw new IdentityError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'code'.");
    issued = state.grants.redeemCode({ code: form.code, clientId: client.clientId, redirectUri: form.redirect_uri, codeVerifier: form.code_verifier });
  } else {
    if (form.refresh_token === undefined || form.refresh_token === '') {
      throw new IdentityError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'refresh_token'.");
    }
    // Microsoft marks scope as required on the refresh grant.
    if (form.scope === undefined || form.scope.trim() === '') throw new IdentityError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    requested = canonicalScopes(form.scope);
    issued = state.grants.refresh({ refreshToken: form.refresh_token, clientId: client.clientId, scopes: requested });
  }

  const scopes = issued.scopes;
  const permissions = graphPermissionsOf(scopes);
  const oidc = scopes.filter((s) => s === 'openid' || s === 'profile' || s === 'email');
  const ttl = Math.max(0, Math.round((issued.accessToken.expiresAt - Date.now()) / 1000));
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: [...permissions, ...oidc].join(' '),
    expires_in: ttl,
    ext_expires_in: ttl,
    access_token: issued.accessToken.token,
  };
  if (issued.refreshToken !== undefined) body.refresh_token = issued.refreshToken;
  if (scopes.includes('openid')) {
    body.id_token = state.idTokens.sign({
      issuer: `${originOf(request)}/${EMULATOR_TENANT_ID}/v2.0`,
      clientId: client.clientId,
      email: issued.email,
      name: displayNameFor(issued.email),
      objectId: objectIdFor(issued.email),
      tenantId: EMULATOR_TENANT_ID,
      ...(issued.nonce !== undefined ? { nonce: issued.nonce } : {}),
      ttlSeconds: 3600,
    });
  }
  if (form.client_info === '1') body.client_info = clientInfo(issued.email);
  return reply.header('cache-control', 'no-store, no-cache').header('pragma', 'no-cache').send(body);
}

function canonicalScopes(value: string): string[] {
  const out: string[] = [];
  for (const requested of parseScopeParameter(value)) {
    const canonical = canonicalScope(requested);
    if (canonical === undefined) throw new IdentityError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope '${requested}' does not exist.`);
    out.push(canonical);
  }
  return out;
}

/** client_secret_post or client_secret_basic, as the token endpoint accepts both. */
function clientCredentials(request: FastifyRequest, form: Record<string, string | undefined>): { clientId?: string; clientSecret?: string } {
  const header = request.headers.authorization;
  if (header !== undefined && /^Basic\s+/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
  }
  return { ...(form.client_id !== undefined ? { clientId: form.client_id } : {}), ...(form.client_secret !== undefined ? { clientSecret: form.client_secret } : {}) };
}
