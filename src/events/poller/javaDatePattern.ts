// Java SimpleDateFormat patterns (what Cloud Elements users write in poller configuration) translated to
// date-fns tokens, and formatting/parsing with them in a given time zone, independent of the host's zone.
//
// Java letter → date-fns token (same letter unless noted; counts above the listed ones are refused):
//   G → G (era)              y, yy, yyy, yyyy → same          Y (week year) → Y (locale week year)
//   M, MM, MMM, MMMM+ → M…MMMM   L… → L…                     w, ww → w, ww
//   D, DD, DDD → D…          d, dd → d, dd                    E, EE, EEE → EEE (Tue); EEEE+ → EEEE (Tuesday)
//   u → i (ISO day of week, Monday = 1; date-fns `u` is the extended year, not this)
//   a → a (AM/PM)            H, k, K, h, m, s (1–2) → same    SSS → SSS (only 3: Java S counts milliseconds,
//                                                            date-fns S counts fraction digits; they agree at 3)
//   Z → xx (+0000)           X → X, XX → XX, XXX → XXX (Z at UTC in both)
//   z → O / OOOO in date-fns (GMT+1); we print Java's short name (UTC, GMT, CET, GMT+05:30) instead.
//   'text' → quoted literal; '' → a single quote (same rule in both).
// Not supported (refused with BadRequest): W, F, and any other letter.
// The offset letters are printed as literals computed from the requested zone rather than through date-fns,
// which would print the host's offset.

import { format, parse } from 'date-fns';
import { BadRequest } from '../../errors/index.ts';
import { formatOffset, UTC, wallClockToInstant, type TimeZone } from './timeZones.ts';

export type JavaPatternPart = { kind: 'field'; letter: string; count: number } | { kind: 'literal'; text: string };

const DATE_FNS_OPTIONS = { useAdditionalWeekYearTokens: true, useAdditionalDayOfYearTokens: true } as const;
const ZONE_LETTERS = new Set(['Z', 'X', 'z']);

/** Splits a Java pattern into fields and literal text; throws BadRequest on unterminated quotes. */
export function tokenizeJavaPattern(pattern: string): JavaPatternPart[] {
  const parts: JavaPatternPart[] = [];
  const pushLiteral = (text: string): void => {
    const last = parts.at(-1);
    if (last?.kind === 'literal') last.text += text;
    else parts.push({ kind: 'literal', text });
  };
  let index = 0;
  while (index < pattern.length) {
    const char = pattern.charAt(index);
    if (char === "'") {
      if (pattern.charAt(index + 1) === "'") {
        pushLiteral("'");
        index += 2;
        continue;
      }
      let text = '';
      index += 1;
      for (;;) {
        if (index >= pattern.length) throw new BadRequest(`date pattern "${pattern}" has an unterminated quote`);
        const inner = pattern.charAt(index);
        if (inner === "'") {
          if (pattern.charAt(index + 1) === "'") {
            text += "'";
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        text += inner;
        index += 1;
      }
      pushLiteral(text);
    } else if (/[A-Za-z]/.test(char)) {
      let count = 1;
      while (pattern.charAt(index + count) === char) count += 1;
      parts.push({ kind: 'field', letter: char, count });
      index += count;
    } else {
      pushLiteral(char);
      index += 1;
    }
  }
  return parts;
}

/** Throws BadRequest unless every letter of `pattern` is one we can format and parse. */
export function validateJavaPattern(pattern: string): void {
  if (pattern.trim() === '') throw new BadRequest('date pattern must not be empty');
  javaPatternToDateFns(pattern);
}

/** The equivalent date-fns pattern (zone letters mapped to date-fns' own offset tokens). */
export function javaPatternToDateFns(pattern: string): string {
  return tokenizeJavaPattern(pattern)
    .map((part) => (part.kind === 'literal' ? quoteLiteral(part.text) : fieldToken(pattern, part.letter, part.count)))
    .join('');
}

/** Formats `instant` as the wall clock of `zone` (UTC by default) with a Java pattern. */
export function formatJavaPattern(instant: Date, pattern: string, zone: TimeZone = UTC): string {
  const offset = zone.offsetMinutesAt(instant);
  const dateFnsPattern = tokenizeJavaPattern(pattern)
    .map((part) => {
      if (part.kind === 'literal') return quoteLiteral(part.text);
      if (ZONE_LETTERS.has(part.letter)) return quoteLiteral(zoneText(part.letter, part.count, offset, zone, instant));
      return fieldToken(pattern, part.letter, part.count);
    })
    .join('');
  return format(new UtcWallClock(instant.getTime() + offset * 60_000), dateFnsPattern, DATE_FNS_OPTIONS);
}

/**
 * Parses `text` with a Java pattern. Without an offset in the text, the wall clock is read in `zone`.
 * Returns undefined when the text does not match (record data is not trusted to be well formed).
 */
export function parseJavaPattern(text: string, pattern: string, zone: TimeZone = UTC): Date | undefined {
  const parts = tokenizeJavaPattern(pattern);
  let hasOffset = false;
  const dateFnsPattern = parts
    .map((part) => {
      if (part.kind === 'literal') return quoteLiteral(part.text);
      if (part.letter === 'z') throw new BadRequest(`date pattern "${pattern}" cannot be parsed: use Z or X instead of z`);
      if (ZONE_LETTERS.has(part.letter)) hasOffset = true;
      return fieldToken(pattern, part.letter, part.count);
    })
    .join('');
  const parsed = parse(text, dateFnsPattern, new UtcWallClock(0), DATE_FNS_OPTIONS);
  const time = parsed.getTime();
  if (Number.isNaN(time)) return undefined;
  return hasOffset ? new Date(time) : wallClockToInstant(time, zone);
}

function fieldToken(pattern: string, letter: string, count: number): string {
  const unsupported = (): never => {
    throw new BadRequest(`date pattern "${pattern}" uses unsupported letter ${letter.repeat(count)}`);
  };
  const upTo = (max: number, token = letter): string => (count <= max ? token.repeat(count) : unsupported());
  switch (letter) {
    case 'G':
      return 'G';
    case 'y':
    case 'Y':
      return count === 2 ? letter.repeat(2) : letter.repeat(Math.min(count, 4));
    case 'M':
    case 'L':
      return letter.repeat(Math.min(count, 4));
    case 'w':
    case 'd':
    case 'H':
    case 'k':
    case 'K':
    case 'h':
    case 'm':
    case 's':
      return upTo(2);
    case 'D':
      return upTo(3);
    case 'E':
      return count >= 4 ? 'EEEE' : 'EEE';
    case 'u':
      return upTo(1, 'i');
    case 'a':
      return 'a';
    case 'S':
      return count === 3 ? 'SSS' : unsupported();
    case 'Z':
      return 'xx';
    case 'X':
      return upTo(3, 'X');
    case 'z':
      return count >= 4 ? 'OOOO' : 'O';
    default:
      return unsupported();
  }
}

function zoneText(letter: string, count: number, offsetMinutes: number, zone: TimeZone, instant: Date): string {
  if (letter === 'Z') return formatOffset(offsetMinutes, '');
  if (letter === 'z') return zone.shortNameAt(instant);
  if (offsetMinutes === 0) return 'Z';
  return count === 1 ? formatOffset(offsetMinutes, '', false) : formatOffset(offsetMinutes, count === 2 ? '' : ':');
}

function quoteLiteral(text: string): string {
  // date-fns treats every ASCII letter outside quotes as a token; punctuation and digits can stay bare.
  if (!/[A-Za-z]/.test(text)) return text.replaceAll("'", "''");
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * A Date whose "local" fields are its UTC fields, so date-fns (which reads and writes local fields)
 * behaves the same whatever the host's time zone is. Same idea as `@date-fns/utc`'s UTCDate.
 */
class UtcWallClock extends Date {
  override getFullYear(): number { return this.getUTCFullYear(); }
  override getMonth(): number { return this.getUTCMonth(); }
  override getDate(): number { return this.getUTCDate(); }
  override getDay(): number { return this.getUTCDay(); }
  override getHours(): number { return this.getUTCHours(); }
  override getMinutes(): number { return this.getUTCMinutes(); }
  override getSeconds(): number { return this.getUTCSeconds(); }
  override getMilliseconds(): number { return this.getUTCMilliseconds(); }
  override getTimezoneOffset(): number { return 0; }
  override setFullYear(...args: Parameters<Date['setUTCFullYear']>): number { return this.setUTCFullYear(...args); }
  override setMonth(...args: Parameters<Date['setUTCMonth']>): number { return this.setUTCMonth(...args); }
  override setDate(...args: Parameters<Date['setUTCDate']>): number { return this.setUTCDate(...args); }
  override setHours(...args: Parameters<Date['setUTCHours']>): number { return this.setUTCHours(...args); }
  override setMinutes(...args: Parameters<Date['setUTCMinutes']>): number { return this.setUTCMinutes(...args); }
  override setSeconds(...args: Parameters<Date['setUTCSeconds']>): number { return this.setUTCSeconds(...args); }
  override setMilliseconds(...args: Parameters<Date['setUTCMilliseconds']>): number { return this.setUTCMilliseconds(...args); }
}
