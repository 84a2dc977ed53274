// The one reading of a Retry-After header (RFC 9110 §10.2.3), for every caller: the provider client
// and the Gmail batch (a provider asking us to slow down), the delivery worker (a receiver asking the
// same), and the poll worker (an error of ours carrying the header). It lives here because it imports
// nothing and every part may import errors.

import { isAppError } from './appErrors.ts';

/**
 * Milliseconds to wait from a Retry-After value: delta-seconds (whole, as the RFC spells them) or an
 * HTTP-date (in the past → 0). Undefined when absent or unreadable, so the caller falls back to its
 * own schedule.
 */
export function parseRetryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Only date-like text: Date.parse also reads strings such as "1" or "2024" as dates.
  if (!/[A-Za-z]/.test(value) || !/\d{1,2}:\d{2}/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The same wait in whole seconds, rounded up so a caller never comes back early. */
export function parseRetryAfterSeconds(header: string | null | undefined, now: number): number | undefined {
  const ms = parseRetryAfterMs(header, now);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

/** The wait an error of ours asks for through its Retry-After header, in seconds; undefined for none. */
export function errorRetryAfterSeconds(error: unknown, now: number): number | undefined {
  return isAppError(error) ? parseRetryAfterSeconds(error.headers['retry-after'], now) : undefined;
}
