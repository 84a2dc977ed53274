// Talks to the provider's OAuth 2.0 token endpoint: exchanging an authorization code, refreshing an
// access token, revoking a grant. The provider's refusals become errors that carry its own words.

import { request } from 'undici';
import { ProviderError } from '../errors/index.ts';

export interface ProviderTokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt: number;
  scope?: string;
}

export interface OAuthClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Sent with every token request when set: the element's token endpoint wants it (tokenRequestsCarryScope). */
  scope?: string;
}

/** Raised when the provider refuses a grant (`invalid_grant`): the user must authenticate again. */
export class GrantRevoked extends ProviderError {}

const TOKEN_CALL_TIMEOUT_MS = 15_000;

async function postTokenRequest(credentials: OAuthClientCredentials, form: Record<string, string>, purpose: string): Promise<ProviderTokens> {
  const body = new URLSearchParams({
    ...form,
    ...(credentials.scope !== undefined ? { scope: credentials.scope } : {}),
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
  }).toString();
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(credentials.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      headersTimeout: TOKEN_CALL_TIMEOUT_MS,
      bodyTimeout: TOKEN_CALL_TIMEOUT_MS,
    });
  } catch (error) {
    throw new ProviderError(`Could not reach the provider's token endpoint to ${purpose}: ${(error as Error).message}`, { statusCode: 502 }, { cause: error });
  }
  const text = await response.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Non-JSON bodies (HTML error pages) are reported by status below.
  }
  if (response.statusCode >= 200 && response.statusCode < 300 && typeof json.access_token === 'string') {
    const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in ?? 3600);
    return {
      accessToken: json.access_token,
      refreshToken: typeof json.refresh_token === 'string' ? json.refresh_token : undefined,
      expiresAt: Date.now() + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000,
      scope: typeof json.scope === 'string' ? json.scope : undefined,
    };
  }
  const providerError = typeof json.error === 'string' ? json.error : undefined;
  const description = typeof json.error_description === 'string' ? json.error_description : undefined;
  const said = providerError ? `${providerError}${description ? `: ${description}` : ''}` : `HTTP ${response.statusCode}`;
  if (response.statusCode >= 500) {
    throw new ProviderError(`The provider failed to ${purpose} (${said})`, { statusCode: 502, providerStatus: response.statusCode, providerError });
  }
  const details = { statusCode: 400, providerStatus: response.statusCode, providerError };
  if (providerError === 'invalid_grant') throw new GrantRevoked(`The provider refused to ${purpose} (${said})`, details);
  if (providerError === 'invalid_client' || providerError === 'unauthorized_client') {
    throw new ProviderError(`The provider refused the client credentials oauth.api.key / oauth.api.secret (${said})`, details);
  }
  throw new ProviderError(`The provider refused to ${purpose} (${said})`, details);
}

export function exchangeAuthorizationCode(credentials: OAuthClientCredentials, input: { code: string; redirectUri: string }): Promise<ProviderTokens> {
  return postTokenRequest(
    credentials,
    { grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri },
    'exchange the authorization code providerData.code',
  );
}

/** `purpose` names what is refreshed in the error, e.g. the configuration key a caller supplied the token in. */
export function refreshAccessToken(credentials: OAuthClientCredentials, refreshToken: string, purpose = 'refresh the access token'): Promise<ProviderTokens> {
  return postTokenRequest(credentials, { grant_type: 'refresh_token', refresh_token: refreshToken }, purpose);
}

/**
 * Best effort: a grant we are dropping should not stay usable, but failing to revoke must not block.
 * A provider without a revocation endpoint (`revokeUrl` undefined) leaves the grant to its user.
 */
export async function revokeToken(revokeUrl: string | undefined, token: string): Promise<boolean> {
  if (revokeUrl === undefined) return false;
  try {
    const response = await request(revokeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
      headersTimeout: TOKEN_CALL_TIMEOUT_MS,
      bodyTimeout: TOKEN_CALL_TIMEOUT_MS,
    });
    await response.body.dump();
    return response.statusCode === 200;
  } catch {
    return false;
  }
}
