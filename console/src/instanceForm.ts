// The "Authenticate instance" form as plain data: defaults, the resources-to-poll checkboxes over the
// poller configuration JSON, client-side checks, the POST /instances body (the product page's), and
// which field a server error message names.

import type { CreateInstanceBody } from './api/apiClient.ts';
import type { ConsoleConfig, Element, PollerConfiguration } from './api/types.ts';
import { sandboxElementOf } from './sandbox.ts';

/** The values of the "Authenticate instance" form, as typed. */
export interface InstanceFormValues {
  name: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scope: string;
  signatureKey: string;
  eventsEnabled: boolean;
  callbackUrl: string;
  refreshInterval: string;
  pollerJson: string;
  tags: string;
}

export interface FormProblem {
  /** The form field the server's message names; undefined for the form as a whole. */
  field?: keyof InstanceFormValues;
  message: string;
}

/** Where the provider sends the browser back: a console page, so the flow ends where it started. */
export const OAUTH_CALLBACK_PATH = '/console/oauth/callback';

/** Slider stops, in minutes; the number field beside it takes any value. */
export function refreshPresets(sandbox: boolean): number[] {
  return [...(sandbox ? [1 / 60, 10 / 60, 0.5] : []), 1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440];
}

export function nearestPreset(presets: readonly number[], minutes: number): number {
  let best = 0;
  presets.forEach((preset, index) => {
    if (Math.abs(preset - minutes) < Math.abs(presets[best]! - minutes)) best = index;
  });
  return best;
}

/** The sandbox's 1-second stop is written as the docs write it: "0.0167". */
export function presetText(minutes: number): string {
  return minutes < 1 ? String(Number(minutes.toFixed(4))) : String(minutes);
}

export function pollableResources(element: Element): string[] {
  return element.resources.filter((r) => r.polling !== undefined).map((r) => r.name);
}

function stripSlash(key: string): string {
  return key.replace(/^\/+/, '');
}

export function parsePollerJson(text: string): { value?: PollerConfiguration; error?: string } {
  if (!text.trim()) return { value: {} };
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'must be a JSON object: {"resource": {"url": …, "idField": …}}' };
    return { value: value as PollerConfiguration };
  } catch (error) {
    return { error: `is not valid JSON: ${(error as Error).message}` };
  }
}

/** Resource names configured in the JSON ("/changed-messages" and "changed-messages" alike). */
export function configuredResources(text: string): Set<string> | undefined {
  const { value } = parsePollerJson(text);
  return value ? new Set(Object.keys(value).map(stripSlash)) : undefined;
}

/** The resource the element polls by default (Gmail's changed-messages): the template of the others. */
export function templateResource(element: Element): string | undefined {
  const first = Object.keys(element.defaultPollerConfiguration ?? {})[0];
  return first === undefined ? undefined : stripSlash(first);
}

/**
 * Turns a resource on or off in the JSON. A resource turned on gets a copy of the configuration of the
 * element's default resource (Gmail's changed-messages) with its own URL, as the product page says to do.
 */
export function toggleResource(text: string, element: Element, resource: string, on: boolean): string {
  const current = parsePollerJson(text).value ?? {};
  const next: PollerConfiguration = {};
  for (const [key, value] of Object.entries(current)) {
    if (stripSlash(key) !== resource) next[key] = value;
  }
  if (on) {
    const template =
      Object.entries(current).find(([key]) => stripSlash(key) === templateResource(element))?.[1] ??
      Object.values(element.defaultPollerConfiguration ?? {})[0] ?? { url: '', idField: 'id' };
    next[resource] = { ...template, url: `/hubs/${element.hub}/${resource}` };
  }
  return JSON.stringify(next, null, 2);
}

export function defaultValues(element: Element, config: ConsoleConfig, origin: string): InstanceFormValues {
  const pollerDefault = element.defaultPollerConfiguration ?? {};
  // In the sandbox, the client of the emulator standing in for this element's provider.
  const sandbox = sandboxElementOf(config, element.key);
  return {
    name: '',
    clientId: sandbox?.clientId ?? '',
    clientSecret: sandbox?.clientSecret ?? '',
    redirectUri: `${origin}${OAUTH_CALLBACK_PATH}`,
    scope: '',
    signatureKey: '',
    eventsEnabled: true,
    callbackUrl: '',
    refreshInterval: config.sandbox ? '0.0167' : '15',
    pollerJson: JSON.stringify(pollerDefault, null, 2),
    tags: '',
  };
}

export function parseTags(text: string): string[] {
  return text
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * What can be checked before sending the user to the element's vendor (e.g. Google). Policy (minimum
 * interval, allowed callback addresses) is the server's: its answer comes back after the consent, next
 * to the field.
 */
export function checkForm(values: InstanceFormValues, vendor: string): FormProblem[] {
  const problems: FormProblem[] = [];
  if (!values.name.trim()) problems.push({ field: 'name', message: 'Give the instance a name.' });
  if (!values.clientId.trim()) problems.push({ field: 'clientId', message: `The OAuth client id of your ${vendor} app is required.` });
  if (!values.clientSecret.trim()) problems.push({ field: 'clientSecret', message: `The OAuth client secret of your ${vendor} app is required.` });
  if (!isHttpUrl(values.redirectUri.trim())) problems.push({ field: 'redirectUri', message: 'An absolute http(s) URL registered as an authorized redirect URI.' });
  if (values.eventsEnabled && !values.callbackUrl.trim()) {
    problems.push({ field: 'callbackUrl', message: 'Where should events go? A callback URL is required when events are enabled.' });
  } else if (values.callbackUrl.trim() && !isHttpUrl(values.callbackUrl.trim())) {
    problems.push({ field: 'callbackUrl', message: 'An absolute http(s) URL.' });
  }
  if (values.refreshInterval.trim() && !/^\d+(\.\d+)?$/.test(values.refreshInterval.trim())) {
    problems.push({ field: 'refreshInterval', message: 'A number of minutes, e.g. 15 or 0.5.' });
  }
  const poller = parsePollerJson(values.pollerJson);
  if (poller.error) problems.push({ field: 'pollerJson', message: `The poller configuration ${poller.error}` });
  return problems;
}

export function createBody(elementKey: string, values: InstanceFormValues, code: string): CreateInstanceBody {
  const configuration: CreateInstanceBody['configuration'] = {
    'oauth.api.key': values.clientId.trim(),
    'oauth.api.secret': values.clientSecret.trim(),
    'oauth.callback.url': values.redirectUri.trim(),
    'event.notification.enabled': values.eventsEnabled,
  };
  if (values.scope.trim()) configuration['oauth.scope'] = values.scope.trim();
  if (values.callbackUrl.trim()) configuration['event.notification.callback.url'] = values.callbackUrl.trim();
  if (values.signatureKey) configuration['event.notification.signature.key'] = values.signatureKey;
  if (values.refreshInterval.trim()) configuration['event.poller.refresh_interval'] = values.refreshInterval.trim();
  const poller = parsePollerJson(values.pollerJson).value;
  if (poller && Object.keys(poller).length > 0) configuration['event.poller.configuration'] = poller;
  return { element: { key: elementKey }, providerData: { code }, configuration, tags: parseTags(values.tags), name: values.name.trim() };
}

/** Configuration keys in the order a message naming several is attributed (the secret before the id). */
const FIELD_OF_KEY: readonly [string, keyof InstanceFormValues][] = [
  ['event.notification.callback.url', 'callbackUrl'],
  ['event.notification.signature.key', 'signatureKey'],
  ['event.notification.enabled', 'eventsEnabled'],
  ['event.poller.refresh_interval', 'refreshInterval'],
  ['event.poller.configuration', 'pollerJson'],
  ['oauth.callback.url', 'redirectUri'],
  ['redirect_uri', 'redirectUri'],
  ['oauth.api.secret', 'clientSecret'],
  ['oauth.api.key', 'clientId'],
  ['oauth.scope', 'scope'],
];

/** The field an API error message is about, so it is shown next to it. */
export function problemFromMessage(message: string): FormProblem {
  if (/^name\b/.test(message)) return { field: 'name', message };
  if (/^tags\b/.test(message)) return { field: 'tags', message };
  for (const [key, field] of FIELD_OF_KEY) {
    if (message.includes(key)) return { field, message };
  }
  return { message };
}

/** The same check for the settings form of an existing instance (keys it edits). */
export function configurationKeyOf(message: string): string | undefined {
  if (/^name\b/.test(message)) return 'name';
  if (/^tags\b/.test(message)) return 'tags';
  return FIELD_OF_KEY.find(([key]) => message.includes(key))?.[0];
}
