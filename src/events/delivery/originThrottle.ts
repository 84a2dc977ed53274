// Per-origin backoff of the dispatcher. The retry schedule decides when ONE notification is tried again;
// this decides when a callback ORIGIN (scheme, host, port) may be sent anything at all. A receiver that
// answers 429 or 503, or refuses connections, is paused: until its Retry-After (at most an hour), else for
// 1 s, 2 s, 4 s … up to 60 s, growing with each pause until a 2xx after a pause resets it. Notifications
// due for a paused origin are not sent, so a struggling receiver is not hammered by the rest of its queue.
// Plain state over an injected clock; the dispatcher owns one per process.

import type { DeliveryOutcome } from './retrySchedule.ts';

export const MIN_ORIGIN_PAUSE_MS = 1_000;
export const MAX_ORIGIN_PAUSE_MS = 60_000;
/** A receiver may ask for a longer pause with Retry-After, but not stop its origin for longer than this. */
export const MAX_ORIGIN_RETRY_AFTER_MS = 3_600_000;
/** Forgotten origins: beyond this many, origins whose pause is over are dropped. */
const MAX_TRACKED_ORIGINS = 10_000;

/** What one answer says about its origin's capacity. */
export type OriginSignal =
  | { readonly kind: 'answered' }
  /** 429 or 503: the receiver asked us to slow down, perhaps saying for how long. */
  | { readonly kind: 'overloaded'; readonly status: number; readonly retryAfterSeconds?: number }
  /** Nothing accepts connections there: every other notification to it would fail the same way. */
  | { readonly kind: 'unreachable'; readonly code: string }
  /** Any other failure (500, a dropped connection, a response that timed out): one notification's problem. */
  | { readonly kind: 'other' };

/** Connection errors that are about the host, not about one request. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export function originSignal(outcome: DeliveryOutcome, errorCode?: string): OriginSignal {
  if (outcome.kind === 'success') return { kind: 'answered' };
  if (outcome.kind === 'http') {
    if (outcome.status >= 200 && outcome.status < 300) return { kind: 'answered' };
    if (outcome.status === 429 || outcome.status === 503) {
      return outcome.retryAfterSeconds === undefined ? { kind: 'overloaded', status: outcome.status } : { kind: 'overloaded', status: outcome.status, retryAfterSeconds: outcome.retryAfterSeconds };
    }
    return { kind: 'other' };
  }
  if (errorCode !== undefined && UNREACHABLE_CODES.has(errorCode)) return { kind: 'unreachable', code: errorCode };
  return { kind: 'other' };
}

/** A pause that has just begun (reported once, to be logged). */
export interface OriginPause {
  readonly origin: string;
  readonly until: number;
  readonly pauseMs: number;
  /** `HTTP 429`, `HTTP 503` or the connection error's code. */
  readonly reason: string;
  /** Where the pause length came from. */
  readonly basis: 'retry-after' | 'backoff';
}

interface OriginState {
  /** Pauses since the last 2xx after a pause: the exponent of the next backoff. */
  strikes: number;
  until: number;
}

export class OriginThrottle {
  private readonly origins = new Map<string, OriginState>();

  constructor(private readonly now: () => number) {}

  /** The end of the origin's pause, or undefined when it may be sent to now. */
  pausedUntil(origin: string): number | undefined {
    const state = this.origins.get(origin);
    return state !== undefined && state.until > this.now() ? state.until : undefined;
  }

  /**
   * Takes in one answer from the origin. Returns the pause when this answer began one; answers to
   * requests already in flight when it began only lengthen it (to their own Retry-After, or to the
   * same backoff step), so one episode is one pause, one step of backoff and one warning.
   */
  record(origin: string, signal: OriginSignal): OriginPause | undefined {
    const now = this.now();
    const state = this.origins.get(origin);
    const paused = state !== undefined && state.until > now;
    if (signal.kind === 'answered') {
      // A 2xx during a pause was sent before it began: it does not lift the pause nor reset the backoff.
      if (state !== undefined && !paused) this.origins.delete(origin);
      return undefined;
    }
    if (signal.kind === 'other') return undefined;

    const current = state ?? { strikes: 0, until: 0 };
    const strikes = paused ? current.strikes : current.strikes + 1;
    const retryAfter = signal.kind === 'overloaded' && Number.isFinite(signal.retryAfterSeconds) ? signal.retryAfterSeconds : undefined;
    const pauseMs =
      retryAfter !== undefined
        ? Math.min(Math.max(retryAfter * 1000, MIN_ORIGIN_PAUSE_MS), MAX_ORIGIN_RETRY_AFTER_MS)
        : Math.min(MIN_ORIGIN_PAUSE_MS * 2 ** (strikes - 1), MAX_ORIGIN_PAUSE_MS);
    current.strikes = strikes;
    current.until = Math.max(current.until, now + pauseMs);
    if (state === undefined) this.track(origin, current);
    if (paused) return undefined;
    return {
      origin,
      until: current.until,
      pauseMs,
      reason: signal.kind === 'overloaded' ? `HTTP ${signal.status}` : signal.code,
      basis: retryAfter === undefined ? 'backoff' : 'retry-after',
    };
  }

  private track(origin: string, state: OriginState): void {
    if (this.origins.size >= MAX_TRACKED_ORIGINS) {
      const now = this.now();
      for (const [key, value] of this.origins) if (value.until <= now) this.origins.delete(key);
    }
    this.origins.set(origin, state);
  }
}
