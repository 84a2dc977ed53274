// When to try a notification again (DESIGN.md §4): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h with
// ±20 % jitter so a receiver coming back is not hit by every backlog at once; Retry-After honoured on 429/503.

export const RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  20 * 3_600_000,
  24 * 3_600_000,
];
/** The first try plus one per delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
export const RETRY_JITTER = 0.2;
/** A receiver may slow us down, but not park a notification beyond the longest scheduled delay. */
export const MAX_RETRY_AFTER_SECONDS = 24 * 3_600;
/** Below this a Retry-After would only make us hammer a receiver that is already struggling. */
export const MIN_RETRY_AFTER_SECONDS = 1;
export const DELIVERY_TIMEOUT_MS = 15_000;

export type DeliveryOutcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'http'; readonly status: number; readonly retryAfterSeconds?: number }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'connection' };

export type NextStep =
  | { readonly kind: 'done' }
  | { readonly kind: 'retry'; readonly at: Date }
  | { readonly kind: 'failed' }
  /** 410 Gone: the receiver asked us to stop; the instance's callback is disabled until changed. */
  | { readonly kind: 'gone' };

export interface NextAttemptInput {
  /** 1-based number of the attempt that just finished. */
  readonly attemptNumber: number;
  readonly outcome: DeliveryOutcome;
  readonly now: Date;
  /** Uniform in [0, 1); injected so tests are deterministic. */
  readonly random: () => number;
}

export function nextAttempt({ attemptNumber, outcome, now, random }: NextAttemptInput): NextStep {
  if (outcome.kind === 'success') return { kind: 'done' };
  if (outcome.kind === 'http') {
    if (outcome.status >= 200 && outcome.status < 300) return { kind: 'done' };
    if (outcome.status === 410) return { kind: 'gone' };
  }
  if (attemptNumber >= MAX_ATTEMPTS) return { kind: 'failed' };
  const retryAfter = outcome.kind === 'http' && (outcome.status === 429 || outcome.status === 503) ? outcome.retryAfterSeconds : undefined;
  if (retryAfter !== undefined && Number.isFinite(retryAfter)) {
    const seconds = Math.min(Math.max(retryAfter, MIN_RETRY_AFTER_SECONDS), MAX_RETRY_AFTER_SECONDS);
    return { kind: 'retry', at: new Date(now.getTime() + seconds * 1000) };
  }
  const base = RETRY_DELAYS_MS[Math.max(1, attemptNumber) - 1] ?? RETRY_DELAYS_MS[RETRY_DELAYS_MS.length - 1] ?? 0;
  const jitter = 1 + (random() * 2 - 1) * RETRY_JITTER;
  return { kind: 'retry', at: new Date(now.getTime() + Math.round(base * jitter)) };
}
