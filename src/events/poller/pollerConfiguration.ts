// `event.poller.configuration` as Cloud Elements users send it (object or JSON string, keys with or without a
// leading slash, numbers and booleans possibly as strings), validated into one normalized shape. Every error
// is a BadRequest naming the exact field, because it is shown to the API caller at create/PATCH.

import { BadRequest, checkJsonValue } from '../../errors/index.ts';
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
  /** Keys we do not interpret are kept so a configuration round-trips unchanged. */
  readonly [unknownKey: string]: unknown;
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
  readonly filterByUpdatedDate?: boolean;
  readonly filterByCurrentDate?: boolean;
  /** Milliseconds within which created and updated dates count as equal (→ CREATED). */
  readonly createdCheckTolerance?: number;
  readonly [unknownKey: string]: unknown;
}

/** Resource name (no leading slash) → its configuration. */
export type PollerConfiguration = Readonly<Record<string, ResourcePollerConfiguration>>;

export const DEFAULT_POLLER_CONFIGURATION_FIELD = 'event.poller.configuration';
export const MAX_PAGE_SIZE = 500;
/** Resources one instance may poll: each is a schedule row and a provider call per interval. */
export const MAX_RESOURCES = 50;

const DATE_KEYS = ['updatedDateField', 'updatedDateFormat', 'updatedDateTimezone', 'createdDateField', 'createdDateFormat', 'createdDateTimezone'] as const;

/** Validates and normalizes a poller configuration; throws BadRequest naming the offending field. */
export function parsePollerConfiguration(value: unknown, options: { fieldName?: string } = {}): PollerConfiguration {
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
    result.set(key, parseResourceEntry(entry, `${field}.${key}`));
  }
  // fromEntries defines own properties, so a resource named __proto__ cannot reach the prototype.
  return Object.fromEntries(result);
}

/** `/changed-messages` and `changed-messages` name the same resource. */
export function normalizeResourceKey(key: string): string {
  return key.trim().replace(/^\//, '');
}

/** The hub and the resource path of a poll URL: `/hubs/general/changed-messages?x=1` → general, changed-messages. */
export function resourceNameFromUrl(url: string): { hubKey: string; resourceName: string } {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  const match = /^\/hubs\/([^/]+)\/(.+?)\/?$/.exec(path);
  if (!match?.[1] || !match[2]) throw new BadRequest(`poll url "${url}" must look like /hubs/<hub>/<resource>`);
  return { hubKey: match[1], resourceName: match[2] };
}

function parseResourceEntry(entry: unknown, field: string): ResourcePollerConfiguration {
  const source = objectFromValue(entry, field, 'must be an object');
  const url = requiredString(source, 'url', field);
  validateUrl(url, `${field}.url`);
  const idField = requiredString(source, 'idField', field);
  if (idField.split('.').some((segment) => segment === '')) throw new BadRequest(`${field}.idField must be a dot path such as id or message.id`);

  // Start from the source so unknown keys survive; then overwrite what we interpret with its normalized form.
  const parsed: Record<string, unknown> = { ...source, url, idField };
  if (source.datesConfiguration !== undefined && source.datesConfiguration !== null) {
    parsed.datesConfiguration = parseDatesConfiguration(source.datesConfiguration, `${field}.datesConfiguration`);
  }
  setIfPresent(parsed, 'pageSize', optionalNumber(source, 'pageSize', field, { integer: true, min: 1, max: MAX_PAGE_SIZE }));
  setIfPresent(parsed, 'pollDelay', optionalNumber(source, 'pollDelay', field, { integer: false, min: 0 }));
  setIfPresent(parsed, 'createdCheckTolerance', optionalNumber(source, 'createdCheckTolerance', field, { integer: false, min: 0 }));
  setIfPresent(parsed, 'filterByUpdatedDate', optionalBoolean(source, 'filterByUpdatedDate', field));
  setIfPresent(parsed, 'filterByCurrentDate', optionalBoolean(source, 'filterByCurrentDate', field));
  return parsed as ResourcePollerConfiguration;
}

function parseDatesConfiguration(value: unknown, field: string): DatesConfiguration {
  const source = objectFromValue(value, field, 'must be an object');
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

function validateUrl(url: string, field: string): void {
  if (!url.startsWith('/hubs/')) throw new BadRequest(`${field} must start with /hubs/ (relative to the element), got "${url}"`);
  // Placeholders may hold spaces and quotes; check the rest of the URL with them removed.
  const withoutPlaceholders = url.replace(/\$\{[^}]*\}/g, 'x');
  if (/\s|#/.test(withoutPlaceholders)) throw new BadRequest(`${field} must not contain spaces or a fragment`);
  const path = withoutPlaceholders.split('?', 1)[0] ?? '';
  if (path.split('/').some((segment) => segment === '..' || segment === '.')) throw new BadRequest(`${field} must not contain . or .. segments`);
  if (!/^\/hubs\/[^/?]+\/[^/?]/.test(withoutPlaceholders)) throw new BadRequest(`${field} must look like /hubs/<hub>/<resource>`);
  validatePollUrl(url, field);
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

function setIfPresent(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}
