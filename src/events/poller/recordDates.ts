// Reading created/updated dates out of provider records as `datesConfiguration` describes them:
// a Java pattern, or epoch `milliseconds` / `seconds`; without a format, ISO-8601 text or epoch milliseconds.

import { BadRequest } from '../../errors/index.ts';
import { parseJavaPattern, validateJavaPattern } from './javaDatePattern.ts';
import { resolveTimeZone, UTC, type TimeZone } from './timeZones.ts';

export const EPOCH_FORMATS = ['milliseconds', 'seconds'] as const;

/** Throws BadRequest unless `format` is `milliseconds`, `seconds` or a supported Java pattern. */
export function validateDateFormat(format: string): void {
  if ((EPOCH_FORMATS as readonly string[]).includes(format)) return;
  validateJavaPattern(format);
}

/**
 * The instant a record's date field denotes, or undefined when the value is missing or does not match
 * the format: records come from providers and one bad value must not fail the whole poll.
 * `timezone` applies to patterns without an offset (default UTC); an unknown zone is a configuration error.
 */
export function parseRecordDate(value: unknown, format?: string, timezone?: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const zone = zoneFor(timezone);
  if (format === 'milliseconds' || format === 'seconds') {
    const number = toNumber(value);
    if (number === undefined) return undefined;
    return validDate(format === 'seconds' ? number * 1000 : number);
  }
  if (value instanceof Date) return validDate(value.getTime());
  if (format === undefined || format === '') {
    const number = toNumber(value);
    if (number !== undefined) return validDate(number);
    // Only ISO-8601 shaped text: Date.parse accepts far more, with host-dependent results.
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
      return validDate(Date.parse(value));
    }
    return undefined;
  }
  if (typeof value !== 'string') return undefined;
  return parseJavaPattern(value, format, zone);
}

function zoneFor(timezone: string | undefined): TimeZone {
  if (timezone === undefined || timezone === '') return UTC;
  const zone = resolveTimeZone(timezone);
  if (!zone) throw new BadRequest(`unknown time zone "${timezone}"`);
  return zone;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

function validDate(ms: number): Date | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
