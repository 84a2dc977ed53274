// An instance's configuration as Cloud Elements lists it at GET /instances/{id}/configuration: one
// entry per key, `{id, key, name, propertyValue, ...}`, secrets masked. Plain functions over the
// element definition and the stored values; changing an entry goes through InstanceService.patch, so
// an entry obeys exactly the rules of `PATCH /instances/{id}` with that configuration key.
//
// Entry ids are derived, not stored, and never change:
// - a key of the element definition's configuration list has id = its 1-based position in that list
//   (Gmail: 1 `oauth.api.key` … 9 `event.poller.configuration`); the list is append-only, so a position
//   keeps naming the same key;
// - any other stored key (CE documents more keys than an element lists) has id = 1000 + the FNV-1a
//   32-bit hash of the key modulo 1 000 000 000, the same for every instance and every process.

import { BadRequest, NotFound } from '../errors/index.ts';
import type { ElementConfigurationField, ElementDefinition } from '../elements/index.ts';
import { MASKED_SECRET } from './instanceConfiguration.ts';

export interface ConfigurationEntry {
  id: number;
  key: string;
  name: string;
  description: string;
  type: ElementConfigurationField['type'];
  required: boolean;
  hideFromConsole: boolean;
  displayOrder: number;
  defaultValue: string | null;
  /** The stored value as a string, `********` for a secret, null when unset. */
  propertyValue: string | null;
}

const EXTRA_KEY_ID_BASE = 1000;
const EXTRA_KEY_ID_RANGE = 1_000_000_000;

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The stable id of a configuration key of an element (see the header). */
export function configurationEntryId(element: ElementDefinition, key: string): number {
  const position = element.configuration.findIndex((field) => field.key === key);
  if (position >= 0) return position + 1;
  return EXTRA_KEY_ID_BASE + (fnv1a32(key) % EXTRA_KEY_ID_RANGE);
}

/**
 * Every entry of an instance: the element's keys in their order (unset ones with a null value), then
 * any other stored key by name. `publicValues` as stored; `secretKeys` the keys holding a secret.
 */
export function configurationEntries(element: ElementDefinition, publicValues: Readonly<Record<string, string>>, secretKeys: ReadonlySet<string>): ConfigurationEntry[] {
  const shownValue = (key: string): string | null => (secretKeys.has(key) ? MASKED_SECRET : (publicValues[key] ?? null));
  const entries: ConfigurationEntry[] = element.configuration.map((field, index) => ({
    id: index + 1,
    key: field.key,
    name: field.name,
    description: field.description,
    type: field.type,
    required: field.required,
    hideFromConsole: field.hidden === true,
    displayOrder: index + 1,
    defaultValue: field.defaultValue ?? null,
    propertyValue: shownValue(field.key),
  }));
  const known = new Set(element.configuration.map((field) => field.key));
  const extraKeys = [...new Set([...Object.keys(publicValues), ...secretKeys])].filter((key) => !known.has(key)).sort();
  for (const key of extraKeys) {
    entries.push({
      id: configurationEntryId(element, key),
      key,
      name: key,
      description: '',
      type: 'TEXTFIELD_1000',
      required: false,
      hideFromConsole: false,
      displayOrder: entries.length + 1,
      defaultValue: null,
      propertyValue: shownValue(key),
    });
  }
  return entries;
}

/** The `{configId}` path parameter: a positive integer, or a 400 naming it. */
export function parseConfigurationEntryId(raw: string): number {
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < 1) throw new BadRequest(`configId must be a positive integer, got '${raw}'`);
  return Number(raw);
}

export function findConfigurationEntry(entries: readonly ConfigurationEntry[], configId: number, instanceId: number): ConfigurationEntry {
  const entry = entries.find((candidate) => candidate.id === configId);
  if (!entry) throw new NotFound(`No configuration entry with id ${configId} on instance ${instanceId}`);
  return entry;
}

/**
 * The body of PATCH …/configuration/{configId}: `{"propertyValue": …}` as a string, number or boolean
 * (the poller configuration may also be an object). Returns the value to merge into the configuration.
 */
export function parsePropertyValue(body: unknown, entry: ConfigurationEntry): string | number | boolean | Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('request body must be a JSON object: {"propertyValue": "..."}');
  if (!Object.hasOwn(body, 'propertyValue')) throw new BadRequest(`propertyValue is required: the new value of ${entry.key}`);
  const value: unknown = (body as { propertyValue: unknown }).propertyValue;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (entry.key === 'event.poller.configuration' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw new BadRequest(`propertyValue must be a string, number or boolean (the new value of ${entry.key}), got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
}
