// The `configuration` object of an element instance, as Cloud Elements users send it: every key the
// product page lists, tolerant of the forms seen in the wild (booleans and numbers as strings, the poller
// configuration as an object or a JSON string), validated with a message naming the key at fault.

import { BadRequest } from '../errors/index.ts';
import { parsePollerConfiguration, type PollerConfiguration } from '../events/index.ts';
import type { ElementDefinition } from '../elements/index.ts';
import { callbackUrlProblem } from './callbackUrlPolicy.ts';

export const MASKED_SECRET = '********';

export interface InstanceConfiguration {
  clientId: string;
  clientSecret: string;
  callbackUrl: string;
  scope?: string;
  eventsEnabled: boolean;
  notificationCallbackUrl?: string;
  signatureKey?: string;
  refreshIntervalMinutes: number;
  pollerConfiguration: PollerConfiguration;
  /** Every non-secret key as a string, as Cloud Elements shows configuration back. */
  publicValues: Record<string, string>;
  /** Secret keys (client secret, signature key), stored encrypted. */
  secretValues: Record<string, string>;
}

export interface ConfigurationPolicy {
  minRefreshIntervalMinutes: number;
  allowPrivateCallbacks: boolean;
}

const DEFAULT_REFRESH_INTERVAL_MINUTES = 15;
/** Bounds well above any real configuration, so one instance cannot bloat the store or every poll. */
export const CONFIGURATION_LIMITS = { keys: 100, valueLength: 8192, urlLength: 2048, pollerConfigurationLength: 65_536 } as const;
const URL_KEYS = new Set(['oauth.callback.url', 'event.notification.callback.url']);

function stringValue(config: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const value = config[key];
  if (value === undefined || value === null || value === '') {
    if (required) throw new BadRequest(`configuration.${key} is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw new BadRequest(`configuration.${key} must be a string`);
  const limit = URL_KEYS.has(key) ? CONFIGURATION_LIMITS.urlLength : CONFIGURATION_LIMITS.valueLength;
  if (value.length > limit) throw new BadRequest(`configuration.${key} must be at most ${limit} characters`);
  return value.trim();
}

function booleanValue(config: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = config[key];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new BadRequest(`configuration.${key} must be true or false`);
}

function refreshInterval(config: Record<string, unknown>, policy: ConfigurationPolicy): number {
  const key = 'event.poller.refresh_interval';
  const value = config[key];
  if (value === undefined || value === null || value === '') return DEFAULT_REFRESH_INTERVAL_MINUTES;
  const minutes = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(minutes)) throw new BadRequest(`configuration.${key} must be a number of minutes, got ${JSON.stringify(value)}`);
  if (minutes < policy.minRefreshIntervalMinutes - 1e-9) {
    const floor = policy.minRefreshIntervalMinutes >= 1 ? `${policy.minRefreshIntervalMinutes} minute` : `${policy.minRefreshIntervalMinutes * 60} second`;
    throw new BadRequest(`configuration.${key} must be at least ${floor}, got ${minutes}`);
  }
  if (minutes > 60 * 24 * 31) throw new BadRequest(`configuration.${key} must be at most 44640 minutes (31 days), got ${minutes}`);
  return minutes;
}

/**
 * Parses a whole configuration object. `stored` supplies secret values the caller sent back masked
 * (a PUT of what GET returned must not wipe the client secret).
 */
export function parseInstanceConfiguration(
  raw: unknown,
  element: ElementDefinition,
  policy: ConfigurationPolicy,
  stored: Record<string, string> = {},
): InstanceConfiguration {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequest('configuration must be an object');
  const config: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const keyCount = Object.keys(config).length;
  if (keyCount > CONFIGURATION_LIMITS.keys) throw new BadRequest(`configuration must hold at most ${CONFIGURATION_LIMITS.keys} keys, got ${keyCount}`);
  for (const field of element.configuration) {
    if (field.secret && config[field.key] === MASKED_SECRET) {
      if (stored[field.key] === undefined) throw new BadRequest(`configuration.${field.key} must be the secret itself, not the mask`);
      config[field.key] = stored[field.key];
    }
  }

  const clientId = stringValue(config, 'oauth.api.key', true)!;
  const clientSecret = stringValue(config, 'oauth.api.secret', true)!;
  const callbackUrl = stringValue(config, 'oauth.callback.url', true)!;
  if (callbackUrlProblem(callbackUrl, { allowPrivate: true })) {
    throw new BadRequest('configuration.oauth.callback.url must be an absolute http(s) URL');
  }
  const scope = stringValue(config, 'oauth.scope', false);
  const eventsEnabled = booleanValue(config, 'event.notification.enabled', false);
  const notificationCallbackUrl = stringValue(config, 'event.notification.callback.url', false);
  if (eventsEnabled && !notificationCallbackUrl) {
    throw new BadRequest('configuration.event.notification.callback.url is required when event.notification.enabled is true');
  }
  if (notificationCallbackUrl) {
    const problem = callbackUrlProblem(notificationCallbackUrl, { allowPrivate: policy.allowPrivateCallbacks });
    if (problem) throw new BadRequest(`configuration.event.notification.callback.url ${problem}`);
  }
  const signatureKey = stringValue(config, 'event.notification.signature.key', false);
  const refreshIntervalMinutes = refreshInterval(config, policy);
  const pollerRaw = config['event.poller.configuration'];
  const pollerConfiguration =
    pollerRaw === undefined || pollerRaw === null || pollerRaw === ''
      ? parsePollerConfiguration(element.defaultPollerConfiguration, { fieldName: 'configuration.event.poller.configuration' })
      : parsePollerConfiguration(pollerRaw, { fieldName: 'configuration.event.poller.configuration' });

  const secretKeys = new Set(element.configuration.filter((f) => f.secret).map((f) => f.key));
  const publicValues: Record<string, string> = {};
  const secretValues: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined || value === null) continue;
    if (key === 'event.poller.configuration') continue;
    if (typeof value === 'object') throw new BadRequest(`configuration.${key} must be a string, number or boolean`);
    if (String(value).length > CONFIGURATION_LIMITS.valueLength) throw new BadRequest(`configuration.${key} must be at most ${CONFIGURATION_LIMITS.valueLength} characters`);
    (secretKeys.has(key) ? secretValues : publicValues)[key] = String(value);
  }
  publicValues['event.notification.enabled'] = String(eventsEnabled);
  publicValues['event.poller.refresh_interval'] = String(refreshIntervalMinutes);
  publicValues['event.poller.configuration'] = JSON.stringify(pollerConfiguration);
  if (publicValues['event.poller.configuration'].length > CONFIGURATION_LIMITS.pollerConfigurationLength) {
    throw new BadRequest(`configuration.event.poller.configuration must be at most ${CONFIGURATION_LIMITS.pollerConfigurationLength} characters as JSON`);
  }

  return {
    clientId,
    clientSecret,
    callbackUrl,
    scope,
    eventsEnabled,
    notificationCallbackUrl,
    signatureKey,
    refreshIntervalMinutes,
    pollerConfiguration,
    publicValues,
    secretValues,
  };
}

/** Configuration as API responses show it: public values as stored, secrets masked. */
export function maskedConfiguration(publicValues: Record<string, string>, secretKeys: Iterable<string>): Record<string, string> {
  const shown: Record<string, string> = { ...publicValues };
  for (const key of secretKeys) shown[key] = MASKED_SECRET;
  return shown;
}
