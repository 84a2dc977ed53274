// Injected faults: "the next N requests matching this method and path answer 503 with Retry-After",
// "…take 2 s", "…lose their connection". Each matching request consumes one use; a fault is gone
// once its uses are spent. Faults are checked in arrival order, first match wins. What a provider adds
// (the error field of its default body — Google's `reason`, Graph's `code` — and its own operation
// ids) comes in as a FaultDialect.

export interface FaultSpecBase {
  /** HTTP verb (`GET`), or an operation id the provider's dialect knows; absent, `''` or `*`: any. */
  method?: string;
  /** Substring of the request's path and query; a RegExp (or `pathRegex` over HTTP) for patterns. */
  pathPattern: string | RegExp;
  /** Answer with this status instead of serving the request. */
  status?: number;
  /** Response body for `status`; default: the provider's error body for that status. */
  body?: unknown;
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

export interface FaultViewBase {
  id: string;
  method?: string;
  pathPattern: string;
  status?: number;
  latencyMs?: number;
  dropConnection?: boolean;
  retryAfterSeconds?: number;
  remaining: number;
}

export type ActiveFault<Spec extends FaultSpecBase> = Readonly<Omit<Spec, 'times'>> & { readonly id: string; remaining: number };

export interface FaultDialect {
  /** The provider's own text fields of a spec (e.g. `reason`), checked on add. */
  readonly textFields: readonly string[];
  /** Of those, the ones a listing shows. */
  readonly listedFields: readonly string[];
  /** Whether `wanted` names the provider's operation id of the request (e.g. Gmail method ids). */
  matchesOperation?(wanted: string, operationId: string): boolean;
}

export class FaultInjector<Spec extends FaultSpecBase, View extends FaultViewBase = FaultViewBase> {
  private faults: ActiveFault<Spec>[] = [];
  private nextId = 1;

  constructor(private readonly dialect: FaultDialect) {}

  add(spec: Spec): ActiveFault<Spec> {
    validateFault(spec, this.dialect);
    const { times, ...rest } = spec;
    const fault = { ...rest, id: `fault-${this.nextId++}`, remaining: times } as ActiveFault<Spec>;
    this.faults.push(fault);
    return fault;
  }

  list(): View[] {
    return this.faults.map((fault) => {
      const f = fault as ActiveFault<FaultSpecBase> & Record<string, unknown>;
      const listed: Record<string, unknown> = {};
      for (const field of this.dialect.listedFields) if (f[field] !== undefined) listed[field] = f[field];
      return {
        id: f.id,
        ...(f.method !== undefined ? { method: f.method } : {}),
        pathPattern: String(f.pathPattern),
        ...(f.status !== undefined ? { status: f.status } : {}),
        ...listed,
        ...(f.latencyMs !== undefined ? { latencyMs: f.latencyMs } : {}),
        ...(f.dropConnection !== undefined ? { dropConnection: f.dropConnection } : {}),
        ...(f.retryAfterSeconds !== undefined ? { retryAfterSeconds: f.retryAfterSeconds } : {}),
        remaining: f.remaining,
      } as View;
    });
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
  take(httpMethod: string, url: string, operationId?: string): ActiveFault<Spec> | undefined {
    // The hot path of every request: nothing injected is the common case.
    if (this.faults.length === 0) return undefined;
    for (const fault of this.faults) {
      if (!this.matchesMethod(fault.method, httpMethod, operationId)) continue;
      if (!matchesPath(fault.pathPattern, url)) continue;
      fault.remaining--;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return fault;
    }
    return undefined;
  }

  private matchesMethod(wanted: string | undefined, httpMethod: string, operationId: string | undefined): boolean {
    if (wanted === undefined || wanted === '' || wanted === '*') return true;
    if (wanted.toUpperCase() === httpMethod.toUpperCase()) return true;
    if (operationId === undefined || this.dialect.matchesOperation === undefined) return false;
    return this.dialect.matchesOperation(wanted, operationId);
  }
}

function matchesPath(pattern: string | RegExp, url: string): boolean {
  if (typeof pattern === 'string') return url.includes(pattern);
  pattern.lastIndex = 0;
  return pattern.test(url);
}

function validateFault(spec: FaultSpecBase, dialect: FaultDialect): void {
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
  const fields = spec as unknown as Record<string, unknown>;
  for (const field of dialect.textFields) {
    if (fields[field] !== undefined && typeof fields[field] !== 'string') throw new TypeError(`${field} must be a string`);
  }
  if (spec.message !== undefined && typeof spec.message !== 'string') throw new TypeError('message must be a string');
  if (spec.status === undefined && spec.dropConnection !== true && spec.latencyMs === undefined) {
    throw new TypeError('a fault needs a status, latencyMs or dropConnection');
  }
}

