// `event.poller.configuration` as Cloud Elements users send it (object or JSON string, keys with or without a
// leading slash, numbers and booleans possibly as strings), validated into one normalized shape; and the
// legacy `event.poller.urls` form, migrated into the same shape as Cloud Elements migrated it. Every error
// is a BadRequest naming the exact field, because it is shown to the API caller at create/PATCH.
//
// Only the keys of Cloud Elements' polling guide are taken (Event Management guide, "JSON Poller
// Configuration"); any other key is refused by name rather than stored and ignored.

import { BadRequest, checkJsonValue } from '../../errors/index.ts';
import { QueryParameters } from '../../hubs/index.ts';
import { normalizeResourceKey } from '../deterministicId.ts';
import { validateDateFormat } from './recordDates.ts';
import { resolveTimeZone } from './timeZones.ts';
import { validatePollUrl } from './urlPlaceholders.ts';

export interface DatesConfiguration {
  readonly updatedDateField?: string;
  /** A Java SimpleDateFormat pattern, or `milliseconds` / `seconds` since the epoch. */
  readonly updatedDateFormat?: string;
  /** IANA name, `GMT`/`UTC` or a fixed offset such as `+05:30`. */
  readonly updatedDateTimezone?: string;
  readonly createdDateField?: string;
  readonly createdDateFormat?: string;
  readonly createdDateTimezone?: string;
}

export interface ResourcePollerConfiguration {
  /** Relative to the element, `/hubs/<hub>/<resource>[?query]`, possibly with placeholders. */
  readonly url: string;
  /** Dot path to the record's id, e.g. `id` or `message.id`. */
  readonly idField: string;
  readonly datesConfiguration?: DatesConfiguration;
  readonly pageSize?: number;
  /** Seconds subtracted from the last poll time so late-indexed records are not missed. */
  readonly pollDelay?: number;
  /** Drop records whose updated date is before the window; absent means true, Cloud Elements' default. */
  readonly filterByUpdatedDate?: boolean;
  readonly filterByCurrentDate?: boolean;
  /** Seconds (as Cloud Elements documents it) within which created and updated dates count as equal (→ CREATED). */
  readonly createdCheckTolerance?: number;
}

/** filterByUpdatedDate when a configuration does not say: Cloud Elements' polling guide makes it true. */
export const DEFAULT_FILTER_BY_UPDATED_DATE = true;

/** Resource name (no leading slash) → its configuration. */
export type PollerConfiguration = Readonly<Record<string, ResourcePollerConfiguration>>;

export const DEFAULT_POLLER_CONFIGURATION_FIELD = 'event.poller.configuration';
export const MAX_PAGE_SIZE = 500;
/** Resources one instance may poll: each is a schedule row and a provider call per interval. */
export const MAX_RESOURCES = 50;

const DATE_KEYS = ['updatedDateField', 'updatedDateFormat', 'updatedDateTimezone', 'createdDateField', 'createdDateFormat', 'createdDateTimezone'] as const;
const ENTRY_KEYS = ['url', 'idField', 'datesConfiguration', 'pageSize', 'pollDelay', 'filterByUpdatedDate', 'filterByCurrentDate', 'createdCheckTolerance'] as const;

/** Validates and normalizes a poller configuration; throws BadRequest naming the offending field. */
export function parsePollerConfiguration(value: unknown, options: { fieldName?: string; providerName?: string } = {}): PollerConfiguration {
  const field = options.fieldName ?? DEFAULT_POLLER_CONFIGURATION_FIELD;
  const root = objectFromValue(value, field, 'must be an object or a JSON string');
  const count = Object.keys(root).length;
  if (count > MAX_RESOURCES) throw new BadRequest(`${field} must configure at most ${MAX_RESOURCES} resources, got ${count}`);
  const result = new Map<string, ResourcePollerConfiguration>();
  const originalKeys = new Map<string, string>();
  for (const [rawKey, entry] of Object.entries(root)) {
    const key = normalizeResourceKey(rawKey);
    if (key === '' || /\s/.test(key)) throw new BadRequest(`${field} has an invalid resource name "${rawKey}"`);
    const earlier = originalKeys.get(key);
    if (earlier !== undefined) {
      throw new BadRequest(`${field}.${key} is configured twice ("${earlier}" and "${rawKey}")`);
    }
    originalKeys.set(key, rawKey);
    result.set(key, parseResourceEntry(entry, `${field}.${key}`, options.providerName));
  }
  // fromEntries defines own properties, so a resource named __proto__ cannot reach the prototype.
  return Object.fromEntries(result);
}

/** What the legacy form needs to know of the element: the defaults it migrates resource names to. */
export interface PollerUrlsContext {
  /** The element's hub, for resource names without a configured default (`/hubs/<hub>/<name>`). */
  readonly hub: string;
  /** The element's default poller configuration, per resource. */
  readonly defaults: Readonly<Record<string, { url: string; idField: string }>>;
  /** Resources the element can poll. */
  readonly pollable: readonly string[];
  /** The element's provider, as the hub's refusals name it. */
  readonly providerName?: string;
}

const LEGACY_FIELDS = ['resource', 'pollerUrl', 'xPathFilter', 'updatedDateField', 'updatedDateFormat', 'updatedDateTimezone', 'createdDateField', 'createdDateFormat', 'createdDateTimezone'] as const;

/**
 * The legacy `event.poller.urls` (Event Management guide, "URL Poller Configuration (Legacy)"), migrated
 * to the JSON form as Cloud Elements migrated it. One resource per line:
 *   <resource>|<pollerUrl>|<xPathFilter>|<updatedDateField>|<updatedDateFormat>|<updatedDateTimezone>|<createdDateField>|<createdDateFormat>|<createdDateTimezone>
 * The element guides also show lines of resource names only (`contacts|accounts`, one or several per
 * line, `|`- or newline-separated): each polls that resource as the element's default configures it.
 * The legacy form has no idField: it is the default's, else `id`. An xPathFilter (XML responses) is refused.
 */
export function parsePollerUrls(value: unknown, context: PollerUrlsContext, fieldName = 'configuration.event.poller.urls'): PollerConfiguration {
  if (typeof value !== 'string') throw new BadRequest(`${fieldName} must be a string of lines <resource>|<pollerUrl>|… or resource names separated by |`);
  const lines = value.split(/\r?\n/).map((line) => line.trim());
  const defaultFor = (key: string) => (Object.hasOwn(context.defaults, key) ? context.defaults[key] : undefined);
  const entries = new Map<string, Record<string, unknown>>();
  const add = (name: string, entry: Record<string, unknown>, where: string): void => {
    const key = normalizeResourceKey(name);
    if (key === '' || /\s/.test(key)) throw new BadRequest(`${fieldName} ${where} has an invalid resource name "${name}"`);
    if (entries.has(key)) throw new BadRequest(`${fieldName} names the resource ${key} twice`);
    entries.set(key, entry);
  };
  lines.forEach((line, index) => {
    if (line === '') return;
    const where = `line ${index + 1}`;
    const parts = line.split('|').map((part) => part.trim());
    if (parts.length > 1 && parts[1]?.startsWith('/')) {
      if (parts.length > LEGACY_FIELDS.length) {
        throw new BadRequest(`${fieldName} ${where} has ${parts.length} |-separated fields; the form is ${LEGACY_FIELDS.map((f) => `<${f}>`).join('|')}`);
      }
      const [name = '', url = '', xPathFilter = '', ...dates] = parts;
      if (xPathFilter !== '') throw new BadRequest(`${fieldName} ${where}: the xPathFilter field ("${xPathFilter}") is not supported (it filters XML responses; the hub answers JSON)`);
      const datesConfiguration: Record<string, string> = {};
      DATE_KEYS.forEach((key, at) => {
        const date = dates[at];
        if (date) datesConfiguration[key] = date;
      });
      add(name, { url, idField: defaultFor(normalizeResourceKey(name))?.idField ?? 'id', ...(Object.keys(datesConfiguration).length > 0 ? { datesConfiguration } : {}) }, where);
      return;
    }
    for (const name of parts) {
      if (name === '') continue;
      if (name.startsWith('/')) throw new BadRequest(`${fieldName} ${where}: "${name}" is a URL where a resource name belongs; write <resource>|<pollerUrl>`);
      const key = normalizeResourceKey(name);
      const fallback = context.pollable.includes(key) ? { url: `/hubs/${context.hub}/${key}`, idField: 'id' } : undefined;
      const entry = defaultFor(key) ?? fallback;
      if (!entry) {
        throw new BadRequest(`${fieldName} ${where}: "${name}" is not a resource this element polls; it polls ${context.pollable.join(', ')} (or give <resource>|<pollerUrl>)`);
      }
      add(name, { ...entry }, where);
    }
  });
  if (entries.size === 0) throw new BadRequest(`${fieldName} names no resource to poll`);
  return parsePollerConfiguration(Object.fromEntries(entries), { fieldName, providerName: context.providerName });
}

/** The hub and the resource path of a poll URL: `/hubs/general/changed-messages?x=1` → general, changed-messages. */
export function resourceNameFromUrl(url: string): { hubKey: string; resourceName: string } {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  const match = /^\/hubs\/([^/]+)\/(.+?)\/?$/.exec(path);
  if (!match?.[1] || !match[2]) throw new BadRequest(`poll url "${url}" must look like /hubs/<hub>/<resource>`);
  return { hubKey: match[1], resourceName: match[2] };
}

function parseResourceEntry(entry: unknown, field: string, providerName: string | undefined): ResourcePollerConfiguration {
  const source = objectFromValue(entry, field, 'must be an object');
  refuseUnknownKeys(source, ENTRY_KEYS, field, (key) => {
    if (key === 'filterByUpdateDate') return 'the key is filterByUpdatedDate (the polling guide\'s prose misspells it)';
    if ((DATE_KEYS as readonly string[]).includes(key)) return `it belongs inside datesConfiguration (${field}.datesConfiguration.${key})`;
    return undefined;
  });
  const url = requiredString(source, 'url', field);
  validateUrl(url, `${field}.url`, providerName);
  const idField = requiredString(source, 'idField', field);
  if (idField.split('.').some((segment) => segment === '')) throw new BadRequest(`${field}.idField must be a dot path such as id or message.id`);

  const parsed: { -readonly [K in keyof ResourcePollerConfiguration]: ResourcePollerConfiguration[K] } = { url, idField };
  if (source.datesConfiguration !== undefined && source.datesConfiguration !== null) {
    parsed.datesConfiguration = parseDatesConfiguration(source.datesConfiguration, `${field}.datesConfiguration`);
  }
  const pageSize = optionalNumber(source, 'pageSize', field, { integer: true, min: 1, max: MAX_PAGE_SIZE });
  if (pageSize !== undefined) parsed.pageSize = pageSize;
  const pollDelay = optionalNumber(source, 'pollDelay', field, { integer: false, min: 0 });
  if (pollDelay !== undefined) parsed.pollDelay = pollDelay;
  const filterByUpdatedDate = optionalBoolean(source, 'filterByUpdatedDate', field);
  if (filterByUpdatedDate !== undefined) parsed.filterByUpdatedDate = filterByUpdatedDate;
  const filterByCurrentDate = optionalBoolean(source, 'filterByCurrentDate', field);
  if (filterByCurrentDate !== undefined) parsed.filterByCurrentDate = filterByCurrentDate;
  const createdCheckTolerance = optionalNumber(source, 'createdCheckTolerance', field, { integer: false, min: 0 });
  if (createdCheckTolerance !== undefined) parsed.createdCheckTolerance = createdCheckTolerance;
  return parsed;
}

function parseDatesConfiguration(value: unknown, field: string): DatesConfiguration {
  const source = objectFromValue(value, field, 'must be an object');
  refuseUnknownKeys(source, DATE_KEYS, field, () => undefined);
  const parsed: Record<string, unknown> = { ...source };
  for (const key of DATE_KEYS) {
    const raw = source[key];
    if (raw === undefined || raw === null || raw === '') {
      delete parsed[key];
      continue;
    }
    if (typeof raw !== 'string') throw new BadRequest(`${field}.${key} must be a string`);
    parsed[key] = raw.trim();
  }
  for (const kind of ['updated', 'created'] as const) {
    const format = parsed[`${kind}DateFormat`];
    const timezone = parsed[`${kind}DateTimezone`];
    if (typeof format === 'string') {
      try {
        validateDateFormat(format);
      } catch (error) {
        if (error instanceof BadRequest) throw new BadRequest(`${field}.${kind}DateFormat: ${error.message}`);
        throw error;
      }
    }
    if (typeof timezone === 'string' && !resolveTimeZone(timezone)) {
      throw new BadRequest(`${field}.${kind}DateTimezone "${timezone}" is not a known time zone`);
    }
    if ((format !== undefined || timezone !== undefined) && parsed[`${kind}DateField`] === undefined) {
      throw new BadRequest(`${field}.${kind}DateField is required when ${kind}DateFormat or ${kind}DateTimezone is set`);
    }
  }
  return parsed as DatesConfiguration;
}

/** A 400 naming the first key outside `known`, with a hint when there is one. */
function refuseUnknownKeys(source: Record<string, unknown>, known: readonly string[], field: string, hint: (key: string) => string | undefined): void {
  for (const key of Object.keys(source)) {
    if (known.includes(key)) continue;
    const why = hint(key);
    throw new BadRequest(`${field}.${key} is not a polling configuration key${why ? `: ${why}` : ''}; the keys are ${known.join(', ')}`);
  }
}

function validateUrl(url: string, field: string, providerName: string | undefined): void {
  if (!url.startsWith('/hubs/')) throw new BadRequest(`${field} must start with /hubs/ (relative to the element), got "${url}"`);
  // Placeholders may hold spaces and quotes; check the rest of the URL with them removed.
  const withoutPlaceholders = url.replace(/\$\{[^}]*\}/g, 'x');
  // Cloud Elements' own examples put spaces in the where clause (`?where=created >'${epoch:s}'`): a
  // space is taken in the query, never in the path; other whitespace and a fragment nowhere.
  const path = withoutPlaceholders.split('?', 1)[0] ?? '';
  if (/[^\S ]|#/.test(withoutPlaceholders) || path.includes(' ')) throw new BadRequest(`${field} must not contain a fragment, line breaks or tabs, or spaces before the query`);
  if (path.split('/').some((segment) => segment === '..' || segment === '.')) throw new BadRequest(`${field} must not contain . or .. segments`);
  if (!/^\/hubs\/[^/?]+\/[^/?]/.test(withoutPlaceholders)) throw new BadRequest(`${field} must look like /hubs/<hub>/<resource>`);
  validatePollUrl(url, field);
  // The hub refuses page, orderBy and fields (queryParameters.ts): say so now, not at every poll.
  const query = new URLSearchParams(withoutPlaceholders.split('?')[1] ?? '');
  try {
    new QueryParameters(Object.fromEntries([...query.keys()].map((name) => [name, query.getAll(name)])), { providerName });
  } catch (error) {
    if (error instanceof BadRequest) throw new BadRequest(`${field}: ${error.message}`);
    throw error;
  }
}

function objectFromValue(value: unknown, field: string, problem: string): Record<string, unknown> {
  let candidate = value;
  if (typeof value === 'string') {
    try {
      candidate = JSON.parse(value);
    } catch {
      throw new BadRequest(`${field} ${problem}: the string is not valid JSON`);
    }
    // Parsed here, so the HTTP edge's rules (no NUL, bounded nesting) have not seen it yet.
    checkJsonValue(candidate, field);
  }
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) throw new BadRequest(`${field} ${problem}`);
  return candidate as Record<string, unknown>;
}

function requiredString(source: Record<string, unknown>, key: string, field: string): string {
  const value = source[key];
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    throw new BadRequest(`${field}.${key} is required`);
  }
  if (typeof value !== 'string') throw new BadRequest(`${field}.${key} must be a string`);
  return value.trim();
}

function optionalNumber(
  source: Record<string, unknown>,
  key: string,
  field: string,
  rule: { integer: boolean; min: number; max?: number },
): number | undefined {
  const raw = source[key];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw;
  const range = rule.max === undefined ? `≥ ${rule.min}` : `between ${rule.min} and ${rule.max}`;
  const kind = rule.integer ? 'an integer' : 'a number';
  if (typeof value !== 'number' || !Number.isFinite(value) || (rule.integer && !Number.isInteger(value)) || value < rule.min || (rule.max !== undefined && value > rule.max)) {
    throw new BadRequest(`${field}.${key} must be ${kind} ${range}`);
  }
  return value;
}

function optionalBoolean(source: Record<string, unknown>, key: string, field: string): boolean | undefined {
  const raw = source[key];
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new BadRequest(`${field}.${key} must be true or false`);
}
