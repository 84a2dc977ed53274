// How an instance body asks to be authenticated: the OAuth code flow (`providerData.code`), or — Cloud
// Elements' "Provisioning an Instance with an Existing Refresh Token" — `"externalAuthentication":
// "initial"` with `configuration["oauth.user.refresh_token"]`, for users who already hold a grant
// (a system they migrate from) and must not send every mailbox owner through consent again.
//
// The refresh token is taken out of the configuration here, before the configuration is parsed, so
// it is never stored or shown as a configuration value: it lives only in the encrypted token column.
// An instance provisioned this way has no OAuth callback URL (CE's body has none), so the callback
// URL is required only where a code is exchanged or the instance already has one.

import { BadRequest } from '../errors/index.ts';
import type { ElementDefinition } from '../elements/index.ts';
import type { InstanceRow } from '../store/index.ts';
import { MASKED_SECRET, parseInstanceConfiguration, type ConfigurationPolicy, type InstanceConfiguration } from './instanceConfiguration.ts';

export const REFRESH_TOKEN_KEY = 'oauth.user.refresh_token';
/** CE's access-token key: refused, since the access token is always obtained from the refresh token. */
const ACCESS_TOKEN_KEY = 'oauth.user.token';
const CALLBACK_URL_KEY = 'oauth.callback.url';
const MAX_CODE_LENGTH = 4096;
const MAX_REFRESH_TOKEN_LENGTH = 4096;
const EXTERNAL_AUTHENTICATION_VALUES = ['none', 'initial'] as const;

export type AuthenticationGrant = { type: 'code'; code: string } | { type: 'refreshToken'; refreshToken: string };

export interface AuthenticationBody {
  providerData?: unknown;
  externalAuthentication?: unknown;
  configuration?: unknown;
}

export interface ParsedAuthentication {
  /** Undefined when the body asks for no (re-)authentication (PUT/PATCH without a grant). */
  grant?: AuthenticationGrant;
  /** The body's configuration without the refresh token. */
  configuration: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function externalAuthentication(body: AuthenticationBody): 'none' | 'initial' {
  const value = body.externalAuthentication;
  if (value === undefined || value === null) return 'none';
  if (typeof value === 'string' && (EXTERNAL_AUTHENTICATION_VALUES as readonly string[]).includes(value)) return value as 'none' | 'initial';
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
  throw new BadRequest(`externalAuthentication must be "none" (authenticate with providerData.code) or "initial" (provision from configuration.${REFRESH_TOKEN_KEY}), got ${shown}`);
}

function refuseAccessToken(configuration: Record<string, unknown>): void {
  if (configuration[ACCESS_TOKEN_KEY] !== undefined) {
    throw new BadRequest(
      `configuration.${ACCESS_TOKEN_KEY} is not accepted: the access token is always obtained by refreshing configuration.${REFRESH_TOKEN_KEY}; leave ${ACCESS_TOKEN_KEY} out`,
    );
  }
}

function parseCode(providerData: unknown, required: boolean): string | undefined {
  if (providerData === undefined || providerData === null) {
    if (required) {
      throw new BadRequest(
        `providerData.code is required: the authorization grant code from the OAuth redirect (or, to provision from an existing refresh token, "externalAuthentication": "initial" with configuration.${REFRESH_TOKEN_KEY})`,
      );
    }
    return undefined;
  }
  if (!isPlainObject(providerData)) throw new BadRequest('providerData must be an object');
  const code = providerData.code;
  if (code === undefined && !required) return undefined;
  if (typeof code !== 'string' || !code.trim()) throw new BadRequest('providerData.code must be a non-empty string');
  if (code.length > MAX_CODE_LENGTH) throw new BadRequest(`providerData.code must be at most ${MAX_CODE_LENGTH} characters`);
  return code.trim();
}

function parseRefreshToken(value: unknown): string {
  const key = `configuration.${REFRESH_TOKEN_KEY}`;
  if (value === undefined || value === null || value === '') throw new BadRequest(`${key} is required with "externalAuthentication": "initial"`);
  if (typeof value !== 'string' || !value.trim()) throw new BadRequest(`${key} must be a non-empty string`);
  if (value === MASKED_SECRET) throw new BadRequest(`${key} must be the refresh token itself, not the mask`);
  if (value.length > MAX_REFRESH_TOKEN_LENGTH) throw new BadRequest(`${key} must be at most ${MAX_REFRESH_TOKEN_LENGTH} characters`);
  return value.trim();
}

/**
 * The grant a POST or PUT body carries, and its configuration without the refresh token. `required`:
 * POST must carry a grant; a PUT without one keeps the instance's tokens.
 */
export function parseAuthentication(body: AuthenticationBody, required: boolean): ParsedAuthentication {
  const mode = externalAuthentication(body);
  const raw = body.configuration;
  const configuration = isPlainObject(raw) ? { ...raw } : raw;
  if (isPlainObject(configuration)) refuseAccessToken(configuration);
  const hasRefreshToken = isPlainObject(configuration) && configuration[REFRESH_TOKEN_KEY] !== undefined;
  if (mode === 'initial') {
    if (body.providerData !== undefined && body.providerData !== null) {
      throw new BadRequest('providerData.code and "externalAuthentication": "initial" exclude each other: send either an authorization code or a refresh token');
    }
    const refreshToken = parseRefreshToken(isPlainObject(configuration) ? configuration[REFRESH_TOKEN_KEY] : undefined);
    if (isPlainObject(configuration)) delete configuration[REFRESH_TOKEN_KEY];
    return { grant: { type: 'refreshToken', refreshToken }, configuration };
  }
  if (hasRefreshToken) throw new BadRequest(`configuration.${REFRESH_TOKEN_KEY} is accepted only with "externalAuthentication": "initial" in the body`);
  const code = parseCode(body.providerData, required);
  return { grant: code === undefined ? undefined : { type: 'code', code }, configuration };
}

/** POST: the body must carry a grant. */
export function parseRequiredAuthentication(body: AuthenticationBody): Required<ParsedAuthentication> {
  const { grant, configuration } = parseAuthentication(body, true);
  // parseAuthentication(…, true) returns a grant or throws; this narrows the type.
  if (grant === undefined) throw new BadRequest('providerData.code is required');
  return { grant, configuration };
}

/**
 * PATCH re-authenticates with a code only; provisioning from a refresh token goes through POST or PUT,
 * where the whole definition (client credentials included) comes with the token.
 */
export function parsePatchCode(body: AuthenticationBody): string | undefined {
  if (externalAuthentication(body) === 'initial') {
    throw new BadRequest('"externalAuthentication": "initial" is accepted by POST and PUT /instances, not PATCH');
  }
  return parseCode(body.providerData, false);
}

/** Whether a stored instance has an OAuth callback URL (instances provisioned from a refresh token may not). */
export function hasCallbackUrl(row: Pick<InstanceRow, 'configuration'>): boolean {
  const value = (JSON.parse(row.configuration) as Record<string, unknown>)[CALLBACK_URL_KEY];
  return typeof value === 'string' && value !== '';
}

/** Stands in for an absent callback URL while parsing; removed again before anything is stored. */
const CALLBACK_URL_STAND_IN = 'https://callback-url.invalid/';

/**
 * parseInstanceConfiguration, refusing the provisioning keys (which only parseAuthentication may take
 * out of a POST or PUT body) and, unless `requireCallbackUrl`, accepting a configuration without
 * `oauth.callback.url`; the result then has `callbackUrl: ''` and no such public value.
 */
export function parseConfiguration(
  raw: unknown,
  element: ElementDefinition,
  policy: ConfigurationPolicy,
  options: { stored?: Record<string, string>; requireCallbackUrl: boolean },
): InstanceConfiguration {
  if (!isPlainObject(raw)) return parseInstanceConfiguration(raw, element, policy, options.stored);
  refuseAccessToken(raw);
  if (raw[REFRESH_TOKEN_KEY] !== undefined) {
    throw new BadRequest(`configuration.${REFRESH_TOKEN_KEY} is accepted only by POST or PUT /instances, with "externalAuthentication": "initial"`);
  }
  const callbackUrl = raw[CALLBACK_URL_KEY];
  if (options.requireCallbackUrl || (callbackUrl !== undefined && callbackUrl !== null && callbackUrl !== '')) {
    return parseInstanceConfiguration(raw, element, policy, options.stored);
  }
  const parsed = parseInstanceConfiguration({ ...raw, [CALLBACK_URL_KEY]: CALLBACK_URL_STAND_IN }, element, policy, options.stored);
  const publicValues = { ...parsed.publicValues };
  delete publicValues[CALLBACK_URL_KEY];
  return { ...parsed, callbackUrl: '', publicValues };
}
