// Time zones named in poller configuration (`GMT`, `UTC`, fixed offsets, IANA names) and their UTC offsets.
// `@date-fns/tz` is not a dependency, so IANA offsets come from Intl, which ships the tz database with Node.

export interface TimeZone {
  /** The name as configured, e.g. `GMT`, `+05:30`, `Europe/Paris`. */
  readonly name: string;
  /** Minutes east of UTC in effect at `instant` (Paris in summer: 120). */
  offsetMinutesAt(instant: Date): number;
  /** A short display name for Java's `z` letter: `UTC`, `GMT`, `CET` or `GMT+05:30`. */
  shortNameAt(instant: Date): string;
}

const FIXED_OFFSET = /^(?:(GMT|UTC)\s*)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;
const zoneCache = new Map<string, TimeZone>();

export const UTC: TimeZone = fixedZone('UTC', 0, 'UTC');

/** The zone for `name`, or undefined when neither a fixed offset nor a zone Intl knows. */
export function resolveTimeZone(name: string): TimeZone | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return undefined;
  const cached = zoneCache.get(trimmed);
  if (cached) return cached;
  const zone = fixedOffsetZone(trimmed) ?? intlZone(trimmed);
  if (zone) zoneCache.set(trimmed, zone);
  return zone;
}

/** `+05:30` style text for an offset in minutes; `sep` '' gives `+0530`. */
export function formatOffset(offsetMinutes: number, separator: ':' | '' = ':', withMinutes = true): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const hours = String(Math.floor(absolute / 60)).padStart(2, '0');
  const minutes = String(absolute % 60).padStart(2, '0');
  return withMinutes ? `${sign}${hours}${separator}${minutes}` : `${sign}${hours}`;
}

/**
 * The instant at which the wall clock in `zone` shows the given UTC-encoded fields. Two passes settle
 * the offset around DST changes; a wall time skipped by DST resolves to the offset after the change.
 */
export function wallClockToInstant(wallClockAsUtcMs: number, zone: TimeZone): Date {
  const first = wallClockAsUtcMs - zone.offsetMinutesAt(new Date(wallClockAsUtcMs)) * 60_000;
  return new Date(wallClockAsUtcMs - zone.offsetMinutesAt(new Date(first)) * 60_000);
}

function fixedOffsetZone(name: string): TimeZone | undefined {
  const upper = name.toUpperCase();
  if (upper === 'UTC' || upper === 'Z' || upper === 'ETC/UTC') return fixedZone(name, 0, 'UTC');
  if (upper === 'GMT' || upper === 'ETC/GMT') return fixedZone(name, 0, 'GMT');
  const match = FIXED_OFFSET.exec(name);
  if (!match) return undefined;
  const hours = Number(match[3]);
  const minutes = Number(match[4] ?? '0');
  if (hours > 18 || minutes > 59) return undefined;
  const offset = (match[2] === '-' ? -1 : 1) * (hours * 60 + minutes);
  return fixedZone(name, offset, `GMT${formatOffset(offset)}`);
}

function fixedZone(name: string, offsetMinutes: number, shortName: string): TimeZone {
  return { name, offsetMinutesAt: () => offsetMinutes, shortNameAt: () => shortName };
}

function intlZone(name: string): TimeZone | undefined {
  let offsetFormat: Intl.DateTimeFormat;
  let nameFormat: Intl.DateTimeFormat;
  try {
    offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' });
    nameFormat = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'short' });
  } catch {
    return undefined;
  }
  const offsetMinutesAt = (instant: Date): number => {
    const text = offsetFormat.formatToParts(instant).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
    const match = /^GMT([+-])(\d{2}):?(\d{2})?$/.exec(text);
    if (!match) return 0; // plain "GMT" means offset zero
    return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? '0'));
  };
  return {
    name,
    offsetMinutesAt,
    shortNameAt: (instant) => {
      const short = nameFormat.formatToParts(instant).find((part) => part.type === 'timeZoneName')?.value ?? '';
      // Intl falls back to "GMT+1" where no abbreviation exists; Java prints "GMT+01:00" there.
      return /^[A-Z]{2,5}$/.test(short) ? short : `GMT${formatOffset(offsetMinutesAt(instant))}`;
    },
  };
}
