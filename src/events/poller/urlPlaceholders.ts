// Poll URL placeholders of date-window resources: `${gmtDate:<java pattern>}` (UTC), `${date:<java pattern>}`
// (in the resource's time zone), `${epoch}` (ms), `${epoch:s}`, `${epoch:us}`, all filled from the window start.

import { BadRequest } from '../../errors/index.ts';
import { formatJavaPattern, validateJavaPattern } from './javaDatePattern.ts';
import { resolveTimeZone, UTC } from './timeZones.ts';

const PLACEHOLDER = /\$\{([^}]*)\}/g;

export interface PollUrlContext {
  /** The window start: the last poll minus `pollDelay`. */
  readonly windowStart: Date;
  /** Zone for `${date:…}`; UTC when absent. */
  readonly timeZone?: string;
  /**
   * Values are percent-encoded by default because dates carry `+` and `:` that a query string would
   * mangle (`+` reads as a space). Pass false to insert them as they are.
   */
  readonly encode?: boolean;
}

/** The names of the placeholders in `url`, as written (`gmtDate:yyyy-MM-dd`, `epoch`, …). */
export function placeholdersIn(url: string): string[] {
  return [...url.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

/** Throws BadRequest naming the first unknown or malformed placeholder of `url`. */
export function validatePollUrl(url: string, fieldName = 'url'): void {
  for (const placeholder of placeholdersIn(url)) {
    try {
      // Format a fixed date: that exercises the pattern exactly as a poll will.
      placeholderValue(placeholder, { windowStart: new Date(0) });
    } catch (error) {
      if (error instanceof BadRequest) throw new BadRequest(`${fieldName}: ${error.message}`);
      throw error;
    }
  }
  const unclosed = url.replace(PLACEHOLDER, '').indexOf('${');
  if (unclosed !== -1) throw new BadRequest(`${fieldName} has an unclosed placeholder at "${url.slice(url.indexOf('${', unclosed))}"`);
}

/** `url` with every placeholder replaced by its value for this window. */
export function expandPollUrl(url: string, context: PollUrlContext): string {
  const encode = context.encode ?? true;
  return url.replace(PLACEHOLDER, (_match, placeholder: string) => {
    const value = placeholderValue(placeholder, context);
    return encode ? encodeURIComponent(value) : value;
  });
}

function placeholderValue(placeholder: string, context: PollUrlContext): string {
  const separator = placeholder.indexOf(':');
  const name = separator === -1 ? placeholder : placeholder.slice(0, separator);
  const argument = separator === -1 ? undefined : placeholder.slice(separator + 1);
  const ms = context.windowStart.getTime();
  switch (name) {
    case 'epoch':
      if (argument === undefined || argument === 'ms') return String(ms);
      if (argument === 's') return String(Math.floor(ms / 1000));
      if (argument === 'us') return String(ms * 1000);
      throw new BadRequest(`unknown epoch unit in \${${placeholder}} (use ms, s or us)`);
    case 'gmtDate':
    case 'date': {
      if (argument === undefined || argument.trim() === '') throw new BadRequest(`\${${placeholder}} needs a date pattern`);
      try {
        validateJavaPattern(argument);
      } catch (error) {
        if (error instanceof BadRequest) throw new BadRequest(`\${${placeholder}}: ${error.message}`);
        throw error;
      }
      if (name === 'gmtDate') return formatJavaPattern(context.windowStart, argument, UTC);
      const zone = context.timeZone ? resolveTimeZone(context.timeZone) : UTC;
      if (!zone) throw new BadRequest(`unknown time zone "${context.timeZone}"`);
      return formatJavaPattern(context.windowStart, argument, zone);
    }
    default:
      throw new BadRequest(`unknown placeholder \${${placeholder}} (known: gmtDate, date, epoch)`);
  }
}
