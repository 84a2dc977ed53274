// Graph's per-mailbox throttling for Outlook resources: a number of requests per app and mailbox
// in a sliding window (Microsoft documents 10 000 per 10 minutes) and a number of requests in flight
// at once (documented: 4). Over either limit Graph answers 429 with Retry-After; this meter says
// when, and counts what it refused so benchmarks can see throttling happen.

export interface ThrottleLimits {
  /** Requests a mailbox may make in one window. */
  requestsPerWindow: number;
  windowSeconds: number;
  /** Requests in flight at once per mailbox. */
  maxConcurrentRequests: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { requestsPerWindow: 10_000, windowSeconds: 600, maxConcurrentRequests: 4 };

export type ThrottleVerdict = { allowed: true; release: () => void } | { allowed: false; retryAfterSeconds: number; reason: 'rate' | 'concurrency' };

interface MailboxMeter {
  /** Arrival times (ms) of the requests still in the window, oldest first. */
  arrivals: number[];
  inFlight: number;
  throttled: number;
}

export class ThrottleMeter {
  private readonly meters = new Map<string, MailboxMeter>();

  constructor(private limits: ThrottleLimits) {}

  setLimits(limits: Partial<ThrottleLimits>): ThrottleLimits {
    this.limits = { ...this.limits, ...limits };
    return { ...this.limits };
  }

  getLimits(): ThrottleLimits {
    return { ...this.limits };
  }

  reset(): void {
    this.meters.clear();
  }

  admit(mailbox: string, now = Date.now()): ThrottleVerdict {
    let meter = this.meters.get(mailbox);
    if (meter === undefined) {
      meter = { arrivals: [], inFlight: 0, throttled: 0 };
      this.meters.set(mailbox, meter);
    }
    const windowMs = this.limits.windowSeconds * 1000;
    let drop = 0;
    while (drop < meter.arrivals.length && (meter.arrivals[drop] as number) <= now - windowMs) drop++;
    if (drop > 0) meter.arrivals.splice(0, drop);
    if (meter.inFlight >= this.limits.maxConcurrentRequests) {
      meter.throttled++;
      return { allowed: false, retryAfterSeconds: 1, reason: 'concurrency' };
    }
    if (meter.arrivals.length >= this.limits.requestsPerWindow) {
      meter.throttled++;
      const oldest = meter.arrivals[0] as number;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)), reason: 'rate' };
    }
    meter.arrivals.push(now);
    meter.inFlight++;
    const owned = meter;
    let released = false;
    return {
      allowed: true,
      release: () => {
        if (released) return;
        released = true;
        owned.inFlight--;
      },
    };
  }

  report(mailbox: string): { requestsInWindow: number; inFlight: number; throttled: number } {
    const meter = this.meters.get(mailbox);
    return { requestsInWindow: meter?.arrivals.length ?? 0, inFlight: meter?.inFlight ?? 0, throttled: meter?.throttled ?? 0 };
  }
}
