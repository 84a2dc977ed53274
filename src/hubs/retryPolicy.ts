// When a provider call is worth another try and how long to wait first: exponential backoff with
// jitter, never shorter than the provider's Retry-After, and never longer than a cap. Plain functions
// so the schedule is tested without servers.

export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff step; doubles with every retry. */
  baseDelayMs: number;
  /** Longest single wait. A Retry-After beyond it means giving up now rather than holding the caller. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 10_000 };

/**
 * The wait before retry number `retriesDone + 1`, or undefined when we should give up: retries
 * exhausted, or the provider asked for a longer pause than we are willing to hold a caller for.
 * Jitter is "equal jitter" (half fixed, half random) so many callers hit by one outage spread out
 * without any of them retrying immediately.
 */
export function retryDelayMs(retriesDone: number, retryAfterMs: number | undefined, options: RetryOptions, random: () => number = Math.random): number | undefined {
  if (retriesDone >= options.maxRetries) return undefined;
  if (retryAfterMs !== undefined && retryAfterMs > options.maxDelayMs) return undefined;
  const step = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retriesDone);
  const backoff = step / 2 + random() * (step / 2);
  return Math.min(options.maxDelayMs, Math.max(retryAfterMs ?? 0, backoff));
}
