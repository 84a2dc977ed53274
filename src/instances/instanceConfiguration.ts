// The `configuration` object of an element instance, as Cloud Elements users send it: every key the
// product page lists, tolerant of the forms seen in the wild (booleans and numbers as strings, the poller
// configuration as an object or a JSON string), validated with a message naming the key at fault.
//
// Every key is either implemented or refused with a 400 naming it; none is stored and ignored. Besides
// the element's own keys, Cloud Elements documents for all instances (Event Management guide, "Instance
// Configuration" and "Polling Configuration"; "Authenticate an Element Instance with Events"):
//   event.vendor.type          polling (what we do) accepted; webhook refused: changes are only polled
//   event.notification.type    webhook (how notifications are sent) accepted; anything else refused
//   event.poller.urls          the legacy poller form, migrated to event.poller.configuration
//   filter.response.nulls      false accepted (responses keep nulls); true refused: nothing filters nulls
//   oauth.user.*               provisioning from existing tokens: authenticationRequest.ts takes the
//                              refresh token out before this module sees the configuration; here every
//                              oauth.user.* key is refused by name
// A null (or empty) value is the key left unset, as in the configuration Cloud Elements shows back.

import { BadRequest } from '../errors/index.ts';
import { callbackUrlProblem, parsePollerConfiguration, parsePollerUrls, type PollerConfiguration, type ResourcePollerConfiguration } from '../events/index.ts';
import type { ElementDefinition } from '../elements/index.ts';

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

/** Keys this module reads (with the element's own secret keys, handled below). */
const IMPLEMENTED_KEYS = [
  'oauth.api.key',
  'oauth.api.secret',
  'oauth.callback.url',
  'oauth.scope',
  'event.notification.enabled',
  'event.notification.callback.url',
  'event.notification.signature.key',
  'event.poller.refresh_interval',
  'event.poller.configuration',
  'event.poller.urls',
  'event.vendor.type',
  'event.notification.type',
  'filter.response.nulls',
] as const;
/** Stored in their own form: the poller configuration as normalized JSON, the legacy urls migrated into it. */
const NOT_STORED = new Set<string>(['event.poller.configuration', 'event.poller.urls']);
/** Why a key Cloud Elements documents, but this module does not take, is refused. */
const REFUSED_KEYS: Readonly<Record<string, string>> = {
  'oauth.user.refresh_token': 'is accepted only by POST or PUT /instances, with "externalAuthentication": "initial"',
  'oauth.user.token': 'is not accepted: the access token is always obtained from the refresh token',
  'oauth.user.refresh_interval': "is not needed: the access token's lifetime comes from the provider with each refresh; omit it",
  'oauth.user.refresh_time': "is not needed: the access token's lifetime comes from the provider with each refresh; omit it",
  'oauth.user.token.secret': 'is an OAuth 1.0 token secret; the element authenticates with OAuth 2.0',
};

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
  const pollerConfiguration = pollerConfigurationOf(config, element);
  checkEventModes(config);

  const secretKeys = new Set(element.configuration.filter((f) => f.secret).map((f) => f.key));
  const known = new Set<string>([...IMPLEMENTED_KEYS, ...secretKeys]);
  const publicValues: Record<string, string> = {};
  const secretValues: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined || value === null) continue;
    if (!known.has(key)) {
      if (value === '') continue;
      throw new BadRequest(unknownKeyMessage(key, element, known));
    }
    if (NOT_STORED.has(key)) continue;
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

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * event.poller.configuration, else the legacy event.poller.urls migrated, else the element's default.
 * Both given must name the same resources (as the configuration Cloud Elements shows back after its own
 * migration does), or one of them would be ignored.
 */
function pollerConfigurationOf(config: Record<string, unknown>, element: ElementDefinition): PollerConfiguration {
  const jsonField = 'configuration.event.poller.configuration';
  const urlsField = 'configuration.event.poller.urls';
  const fromJson = isUnset(config['event.poller.configuration']) ? undefined : parsePollerConfiguration(config['event.poller.configuration'], { fieldName: jsonField, providerName: element.name });
  const fromUrls = isUnset(config['event.poller.urls'])
    ? undefined
    : parsePollerUrls(
        config['event.poller.urls'],
        { hub: element.hub, defaults: element.defaultPollerConfiguration, pollable: element.resources.filter((r) => r.polling !== undefined).map((r) => r.name), providerName: element.name },
        urlsField,
      );
  if (fromJson && fromUrls) {
    const names = (c: PollerConfiguration) => Object.keys(c).sort().join(', ');
    const differ = names(fromJson) !== names(fromUrls) || Object.entries(fromUrls).some(([name, entry]) => !sameLegacyEntry(entry, fromJson[name]) && !isDefaultEntry(element, name, entry));
    if (differ) {
      throw new BadRequest(
        `${urlsField} (${names(fromUrls)}) and ${jsonField} (${names(fromJson)}) configure different polling; send one of them (to replace a stored event.poller.configuration by event.poller.urls, set event.poller.configuration to "")`,
      );
    }
  }
  return fromJson ?? fromUrls ?? parsePollerConfiguration(element.defaultPollerConfiguration, { fieldName: jsonField, providerName: element.name });
}

/** What a legacy line can say (url and dates) is what the JSON form says for the resource. */
function sameLegacyEntry(legacy: ResourcePollerConfiguration, json: ResourcePollerConfiguration | undefined): boolean {
  return json !== undefined && legacy.url === json.url && JSON.stringify(legacy.datesConfiguration ?? null) === JSON.stringify(json.datesConfiguration ?? null);
}

/** A resource named alone in event.poller.urls takes the default: it says nothing the JSON form contradicts. */
function isDefaultEntry(element: ElementDefinition, name: string, legacy: ResourcePollerConfiguration): boolean {
  const defaultUrl = Object.hasOwn(element.defaultPollerConfiguration, name) ? element.defaultPollerConfiguration[name]?.url : `/hubs/${element.hub}/${name}`;
  return legacy.url === defaultUrl && legacy.datesConfiguration === undefined;
}

/** event.vendor.type and event.notification.type: the modes we have are polling and webhook notifications. */
function checkEventModes(config: Record<string, unknown>): void {
  const vendorType = config['event.vendor.type'];
  if (!isUnset(vendorType)) {
    const value = typeof vendorType === 'string' ? vendorType.trim().toLowerCase() : vendorType;
    if (value === 'webhook' || value === 'webhooks') {
      throw new BadRequest('configuration.event.vendor.type "webhook" is not supported: changes are read by polling the provider; use "polling" or omit the key');
    }
    if (value !== 'polling') throw new BadRequest(`configuration.event.vendor.type must be "polling", got ${JSON.stringify(vendorType)}`);
  }
  const notificationType = config['event.notification.type'];
  if (!isUnset(notificationType) && (typeof notificationType !== 'string' || notificationType.trim().toLowerCase() !== 'webhook')) {
    throw new BadRequest(`configuration.event.notification.type must be "webhook" (events are POSTed to event.notification.callback.url), got ${JSON.stringify(notificationType)}`);
  }
  const nulls = config['filter.response.nulls'];
  if (!isUnset(nulls)) {
    if (nulls === true || nulls === 'true') {
      throw new BadRequest('configuration.filter.response.nulls "true" is not supported: hub responses keep null fields; set it to false or omit the key');
    }
    if (nulls !== false && nulls !== 'false') throw new BadRequest('configuration.filter.response.nulls must be true or false');
  }
}

function unknownKeyMessage(key: string, element: ElementDefinition, known: ReadonlySet<string>): string {
  const refusal = Object.hasOwn(REFUSED_KEYS, key) ? REFUSED_KEYS[key] : undefined;
  if (refusal) return `configuration.${key} ${refusal}`;
  return `configuration.${key} is not a configuration key of the ${element.name} element; the keys are ${[...known].sort().join(', ')}`;
}

/** Configuration as API responses show it: public values as stored, secrets masked. */
export function maskedConfiguration(publicValues: Record<string, string>, secretKeys: Iterable<string>): Record<string, string> {
  const shown: Record<string, string> = { ...publicValues };
  for (const key of secretKeys) shown[key] = MASKED_SECRET;
  return shown;
}
