// How an instance gets its grant: an authorization code exchanged, or a refresh token the caller
// brought (externalAuthentication "initial") refreshed once to prove it, with its scope checked; then
// the account behind the grant named. Also the token endpoint, client credentials and scope of a stored
// instance, which every later refresh uses.

import type { Keyring } from '../crypto/index.ts';
import type { ElementDefinition, ElementRegistry } from '../elements/index.ts';
import { BadRequest } from '../errors/index.ts';
import type { InstanceRow } from '../store/index.ts';
import { REFRESH_TOKEN_KEY, type AuthenticationGrant } from './authenticationRequest.ts';
import type { InstanceConfiguration } from './instanceConfiguration.ts';
import { publicValues, unsealSecrets } from './instanceSealing.ts';
import { exchangeAuthorizationCode, refreshAccessToken, type OAuthClientCredentials, type ProviderTokens } from './oauthTokenClient.ts';

/** The provider account behind an element's fresh access token; undefined if unknown. */
export interface AccountIdentifier {
  identifyAccount(elementKey: string, accessToken: string): Promise<string | undefined>;
}

export interface AuthenticationDeps {
  elements: ElementRegistry;
  accounts: AccountIdentifier;
}

/**
 * The scope token requests carry, for an element whose token endpoint wants it (Microsoft's): the
 * instance's oauth.scope, else the element's default scopes. Undefined for the others.
 */
export function tokenRequestScope(element: ElementDefinition, configuredScope: string | undefined): string | undefined {
  if (!element.authentication.tokenRequestsCarryScope) return undefined;
  return configuredScope?.trim() || element.authentication.defaultScopes.join(' ');
}

/** Token endpoint, client credentials and token-request scope of a stored instance. */
export function storedClientCredentials(elements: ElementRegistry, keyring: Keyring, row: InstanceRow): OAuthClientCredentials {
  const element = elements.get(row.element_key);
  const values = publicValues(row);
  const scope = tokenRequestScope(element, values['oauth.scope']);
  return {
    tokenUrl: elements.endpoints(element).tokenUrl,
    clientId: values['oauth.api.key'] ?? '',
    clientSecret: unsealSecrets(keyring, row)['oauth.api.secret'] ?? '',
    ...(scope !== undefined ? { scope } : {}),
  };
}

/** Scopes asked for in configuration.oauth.scope that the refreshed token was not granted. */
function missingScopes(requested: string | undefined, granted: string | undefined): string[] {
  if (!requested || granted === undefined) return [];
  const have = new Set(granted.split(/\s+/).filter(Boolean));
  return requested.split(/\s+/).filter((scope) => scope && !have.has(scope));
}

/**
 * Tokens and account for a grant: a code is exchanged; an existing refresh token is refreshed once,
 * which proves it (and the client credentials) before anything is stored. The account is identified
 * the same way for both.
 */
export async function authenticateGrant(
  deps: AuthenticationDeps,
  element: ElementDefinition,
  config: InstanceConfiguration,
  grant: AuthenticationGrant,
): Promise<{ tokens: ProviderTokens; account?: string }> {
  const scope = tokenRequestScope(element, config.scope);
  const credentials: OAuthClientCredentials = {
    tokenUrl: deps.elements.endpoints(element).tokenUrl,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    ...(scope !== undefined ? { scope } : {}),
  };
  let tokens: ProviderTokens;
  if (grant.type === 'code') {
    if (!config.callbackUrl) throw new BadRequest('configuration.oauth.callback.url is required: the redirect URI the authorization code was issued for');
    tokens = await exchangeAuthorizationCode(credentials, { code: grant.code, redirectUri: config.callbackUrl });
  } else {
    const refreshed = await refreshAccessToken(credentials, grant.refreshToken, `refresh configuration.${REFRESH_TOKEN_KEY}`);
    // The provider may rotate the refresh token; otherwise the one given stays the instance's.
    tokens = { ...refreshed, refreshToken: refreshed.refreshToken ?? grant.refreshToken };
    const missing = missingScopes(config.scope, tokens.scope);
    if (missing.length > 0) {
      throw new BadRequest(`configuration.oauth.scope asks for ${missing.join(' ')}, which configuration.${REFRESH_TOKEN_KEY} was not granted (granted: ${tokens.scope})`);
    }
  }
  const account = await deps.accounts.identifyAccount(element.key, tokens.accessToken);
  return { tokens, account };
}
