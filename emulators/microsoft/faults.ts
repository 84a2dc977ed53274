// Injected faults: "the next N requests matching this method and path answer 503 with Retry-After",
// "…take 2 s", "…lose their connection". Each matching request consumes one use; a fault is gone
// once its uses are spent. Faults are checked in arrival order, first match wins. Like the Google
// emulator's, but the default error body speaks Graph (`code`) or the identity platform.

export interface FaultSpec {
  /** HTTP verb (`GET`); absent, `''` or `*`: any. */
  method?: string;
  /** Substring of the request's path and query; a RegExp (or `pathRegex` over HTTP) for patterns. */
  pathPattern: string | RegExp;
  /** Answer with this status instead of serving the request. */
  status?: number;
  /** Response body for `status`; default: Graph's (or the token endpoint's) error body for that status. */
  body?: unknown;
  /** Graph error code in the default body, e.g. `ApplicationThrottled`, `ServiceUnavailable`. */
  code?: string;
  /** Error message in the default body. */
  message?: string;
  retryAfterSeconds?: number;
  /** Delay before answering (or before serving normally when no status/drop is given). */
  latencyMs?: number;
  /** Destroy the connection without any response. */
  dropConnection?: boolean;
  /** How many matching requests this fault affects. */
  times: number;
}

export interface ActiveFault extends Readonly<Omit<FaultSpec, 'times'>> {
  readonly id: string;
  remaining: number;
}

export interface FaultView {
  id: string;
  method?: string;
  pathPattern: string;
  status?: number;
  code?: string;
  latencyMs?: number;
  dropConnection?: boolean;
  retryAfterSeconds?: number;
  remaining: number;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): ActiveFault {
    validateFault(spec);
    const { times, ...rest } = spec;
    const fault: ActiveFault = { ...rest, id: `fault-${this.nextId++}`, remaining: times };
    this.faults.push(fault);
    return fault;
  }

  list(): FaultView[] {
    return this.faults.map((f) => ({
      id: f.id,
      ...(f.method !== undefined ? { method: f.method } : {}),
      pathPattern: String(f.pathPattern),
      ...(f.status !== undefined ? { status: f.status } : {}),
      ...(f.code !== undefined ? { code: f.code } : {}),
      ...(f.latencyMs !== undefined ? { latencyMs: f.latencyMs } : {}),
      ...(f.dropConnection !== undefined ? { dropConnection: f.dropConnection } : {}),
      ...(f.retryAfterSeconds !== undefined ? { retryAfterSeconds: f.retryAfterSeconds } : {}),
      remaining: f.remaining,
    }));
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  /** Finds and consumes the first fault matching this request, if any. */
  take(httpMethod: string, url: string): ActiveFault | undefined {
    if (this.faults.length === 0) return undefined;
    for (const fault of this.faults) {
      if (!matchesMethod(fault.method, httpMethod)) continue;
      if (!matchesPath(fault.pathPattern, url)) continue;
      fault.remaining--;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return fault;
    }
    return undefined;
  }
}

function matchesMethod(wanted: string | undefined, httpMethod: string): boolean {
  if (wanted === undefined || wanted === '' || wanted === '*') return true;
  return wanted.toUpperCase() === httpMethod.toUpperCase();
}

function matchesPath(pattern: string | RegExp, url: string): boolean {
  if (typeof pattern === 'string') return url.includes(pattern);
  pattern.lastIndex = 0;
  return pattern.test(url);
}

function validateFault(spec: FaultSpec): void {
  if (spec === null || typeof spec !== 'object') throw new TypeError('a fault must be an object');
  if (!Number.isInteger(spec.times) || spec.times < 1) throw new TypeError('times must be a positive integer');
  if (typeof spec.pathPattern !== 'string' && !(spec.pathPattern instanceof RegExp)) {
    throw new TypeError('pathPattern must be a string (substring of the path) or a RegExp');
  }
  if (spec.method !== undefined && typeof spec.method !== 'string') throw new TypeError('method must be a string');
  if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 200 || spec.status > 599)) {
    throw new TypeError('status must be an HTTP status between 200 and 599');
  }
  if (spec.latencyMs !== undefined && (typeof spec.latencyMs !== 'number' || !(spec.latencyMs >= 0) || spec.latencyMs > 600_000)) {
    throw new TypeError('latencyMs must be a number between 0 and 600000');
  }
  if (spec.retryAfterSeconds !== undefined && (typeof spec.retryAfterSeconds !== 'number' || !(spec.retryAfterSeconds >= 0))) {
    throw new TypeError('retryAfterSeconds must be a non-negative number');
  }
  if (spec.dropConnection !== undefined && typeof spec.dropConnection !== 'boolean') throw new TypeError('dropConnection must be a boolean');
  if (spec.code !== undefined && typeof spec.code !== 'string') throw new TypeError('code must be a string');
  if (spec.message !== undefined && typeof spec.message !== 'string') throw new TypeError('message must be a string');
  if (spec.status === undefined && spec.dropConnection !== true && spec.latencyMs === undefined) {
    throw new TypeError('a fault needs a status, latencyMs or dropConnection');
  }
}
