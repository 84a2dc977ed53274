// Per-user quota as Gmail enforces it: every method costs quota units (Google's published table, in
// the route definitions), a user may spend at most N units in any one-second moving window, and may
// have at most M requests in flight. The counters are what benchmarks read to prove a poll's cost.

const WINDOW_MS = 1000;

export interface QuotaLimits {
  unitsPerSecond: number;
  maxConcurrentRequests: number;
}

export interface QuotaReport {
  email: string;
  /** Units charged since start or the last reset. */
  unitsUsed: number;
  /** Units charged in the last second (the moving window the limit applies to). */
  unitsInWindow: number;
  limitUnitsPerSecond: number;
  maxConcurrentRequests: number;
  inFlight: number;
  /** Accepted calls per Gmail method id (e.g. `gmail.users.history.list`). */
  requests: Record<string, number>;
  /** Units charged per Gmail method id. */
  units: Record<string, number>;
  /** Calls refused by the units-per-second limit. */
  rateLimited: number;
  /** Calls refused by the concurrency limit. */
  concurrencyRejected: number;
}

export type ChargeResult = { ok: true } | { ok: false; retryAfterMs: number };

class UserQuota {
  // The moving window is a queue of (time, units) charges; `head` avoids O(n) shifts on the hot path.
  private times: number[] = [];
  private amounts: number[] = [];
  private head = 0;
  windowSum = 0;
  unitsUsed = 0;
  inFlight = 0;
  rateLimited = 0;
  concurrencyRejected = 0;
  readonly requests = new Map<string, number>();
  readonly units = new Map<string, number>();

  expire(now: number): void {
    const cutoff = now - WINDOW_MS;
    while (this.head < this.times.length && (this.times[this.head] as number) <= cutoff) {
      this.windowSum -= this.amounts[this.head] as number;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.amounts = this.amounts.slice(this.head);
      this.head = 0;
    }
  }

  record(now: number, cost: number): void {
    this.times.push(now);
    this.amounts.push(cost);
    this.windowSum += cost;
  }

  /** How long until enough of the window's charges age out for `cost` more to fit under `limit`. */
  waitFor(now: number, cost: number, limit: number): number {
    let sum = this.windowSum;
    for (let i = this.head; i < this.times.length; i++) {
      sum -= this.amounts[i] as number;
      if (sum + cost <= limit) return Math.max(1, (this.times[i] as number) + WINDOW_MS - now);
    }
    return WINDOW_MS;
  }
}

export class QuotaMeter {
  private readonly users = new Map<string, UserQuota>();
  /** Calls served per method id, over all users (since start or the last full reset). */
  private readonly served = new Map<string, number>();

  constructor(
    private readonly limits: QuotaLimits,
    private readonly now: () => number = Date.now,
  ) {}

  setLimits(limits: Partial<QuotaLimits>): void {
    if (limits.unitsPerSecond !== undefined) this.limits.unitsPerSecond = limits.unitsPerSecond;
    if (limits.maxConcurrentRequests !== undefined) this.limits.maxConcurrentRequests = limits.maxConcurrentRequests;
  }

  getLimits(): QuotaLimits {
    return { ...this.limits };
  }

  /** Takes a concurrency slot; false when the user already has the maximum in flight. */
  tryEnter(email: string): boolean {
    const user = this.user(email);
    if (user.inFlight >= this.limits.maxConcurrentRequests) {
      user.concurrencyRejected++;
      return false;
    }
    user.inFlight++;
    return true;
  }

  leave(email: string): void {
    const user = this.users.get(email);
    if (user !== undefined && user.inFlight > 0) user.inFlight--;
  }

  /** Charges one call of `methodId`; refuses it when the moving window has no room for its cost. */
  charge(email: string, methodId: string, cost: number): ChargeResult {
    const user = this.user(email);
    const now = this.now();
    user.expire(now);
    if (user.windowSum + cost > this.limits.unitsPerSecond) {
      user.rateLimited++;
      return { ok: false, retryAfterMs: user.waitFor(now, cost, this.limits.unitsPerSecond) };
    }
    user.record(now, cost);
    user.unitsUsed += cost;
    user.requests.set(methodId, (user.requests.get(methodId) ?? 0) + 1);
    this.served.set(methodId, (this.served.get(methodId) ?? 0) + 1);
    user.units.set(methodId, (user.units.get(methodId) ?? 0) + cost);
    return { ok: true };
  }

  report(email: string): QuotaReport {
    const user = this.user(email);
    user.expire(this.now());
    return {
      email,
      unitsUsed: user.unitsUsed,
      unitsInWindow: user.windowSum,
      limitUnitsPerSecond: this.limits.unitsPerSecond,
      maxConcurrentRequests: this.limits.maxConcurrentRequests,
      inFlight: user.inFlight,
      requests: Object.fromEntries(user.requests),
      units: Object.fromEntries(user.units),
      rateLimited: user.rateLimited,
      concurrencyRejected: user.concurrencyRejected,
    };
  }

  /** Calls served (charged) per method id, over all users: what a load test reads to count the calls it caused. */
  servedCalls(): Record<string, number> {
    return Object.fromEntries(this.served);
  }

  /** Forgets counters (and the window) of one user or all; requests in flight stay counted. */
  reset(email?: string): void {
    if (email === undefined) this.served.clear();
    for (const [key, user] of this.users) {
      if (email !== undefined && key !== email) continue;
      const fresh = new UserQuota();
      fresh.inFlight = user.inFlight;
      this.users.set(key, fresh);
    }
  }

  private user(email: string): UserQuota {
    let user = this.users.get(email);
    if (user === undefined) {
      user = new UserQuota();
      this.users.set(email, user);
    }
    return user;
  }
}
