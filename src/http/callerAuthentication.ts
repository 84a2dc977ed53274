// Authenticates platform and hub calls from the Authorization header, and slows guessing without letting
// a guesser lock real callers out. Failed attempts (a wrong secret, or a wrong Element token on a hub
// call) are counted per client address and per presented secret; once either passes the limit in a
// window, failing attempts are answered 429 instead of 401. Valid credentials are always served, so
// an attacker sharing an address (or a reverse proxy, without CHANGEHOOK_TRUST_PROXY) with a tenant
// cannot deny it service. Guessing itself is defeated by the secrets' length (at least 16 characters,
// 256 bits when generated), not by the limit.

import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { NotFound, TooManyRequests, Unauthorized } from '../errors/index.ts';
import { parseAuthorizationHeader, type Caller, type Credentials, type TenantService } from '../tenants/index.ts';

const INVALID_ELEMENT_TOKEN = 'Element token is not valid';
const FAILURE_WINDOW_MS = 60_000;
const MAX_FAILURES_PER_WINDOW = 20;
/** Bound on the counters kept; expired windows are swept when it is reached. */
const MAX_TRACKED_KEYS = 10_000;

function digest(text: string): string {
  return crypto.createHash('sha256').update(text).digest('base64url');
}

/**
 * One key per caller for rate limiting: the parsed credentials, so spacing, case of the keywords or
 * the order of the parts cannot mint fresh buckets; the client address when the header does not parse.
 */
export function rateLimitKey(request: FastifyRequest): string {
  try {
    const { user, organization } = parseAuthorizationHeader(request.headers.authorization);
    if (user || organization) return `caller:${digest(`${user ?? ''}\n${organization ?? ''}`)}`;
  } catch {
    // unparseable: fall back to the address
  }
  return `address:${request.ip}`;
}

class FailureCounter {
  private readonly windows = new Map<string, { count: number; windowStart: number }>();

  /** Seconds until the key's window ends, when it has failed too often; undefined otherwise. */
  lockedFor(key: string, now: number): number | undefined {
    const entry = this.windows.get(key);
    if (!entry || now - entry.windowStart >= FAILURE_WINDOW_MS || entry.count < MAX_FAILURES_PER_WINDOW) return undefined;
    return (entry.windowStart + FAILURE_WINDOW_MS - now) / 1000;
  }

  record(key: string, now: number): void {
    const entry = this.windows.get(key);
    if (entry && now - entry.windowStart < FAILURE_WINDOW_MS) {
      entry.count += 1;
      return;
    }
    if (this.windows.size >= MAX_TRACKED_KEYS) {
      for (const [stale, value] of this.windows) if (now - value.windowStart >= FAILURE_WINDOW_MS) this.windows.delete(stale);
    }
    this.windows.set(key, { count: 1, windowStart: now });
  }
}

export class CallerAuthentication {
  private readonly failures = new FailureCounter();

  constructor(private readonly tenants: TenantService) {}

  /** The caller of a platform call (`User …, Organization …`). */
  caller(request: FastifyRequest): Promise<Caller> {
    return this.guard(request, async (credentials) => this.tenants.authenticate(credentials, { requireOrganization: true }));
  }

  /**
   * A hub call (`User …, Organization …, Element …` or `User …, Element …`): authenticates the caller
   * and resolves its Element token with `resolve`. A token that names no instance of the caller's
   * organization — never issued, of a deleted instance, or another organization's — is a 401, as in
   * Cloud Elements ("an invalid element token"), with one message for all three so the answer does not
   * tell whether the token ever existed; it counts as a failed attempt, like a wrong secret. `resolve`
   * should only resolve the token: any NotFound it throws is read as "no such token".
   */
  hubCaller<T>(request: FastifyRequest, resolve: (caller: Caller, elementToken: string) => Promise<T>): Promise<T> {
    return this.guard(request, async (credentials) => {
      if (!credentials.element) throw new Unauthorized('Authorization header must carry "Element <instance token>" for hub calls');
      const caller = await this.tenants.authenticate(credentials, { requireOrganization: false });
      try {
        return await resolve(caller, credentials.element);
      } catch (error) {
        if (error instanceof NotFound) throw new Unauthorized(INVALID_ELEMENT_TOKEN);
        throw error;
      }
    });
  }

  private async guard<T>(request: FastifyRequest, authenticate: (credentials: Credentials) => Promise<T>): Promise<T> {
    const now = Date.now();
    let keys = [`address:${request.ip}`];
    try {
      const credentials = parseAuthorizationHeader(request.headers.authorization);
      keys = keys.concat(Object.values(credentials).map((secret) => `secret:${digest(secret)}`));
      return await authenticate(credentials);
    } catch (error) {
      if (!(error instanceof Unauthorized || error instanceof NotFound)) throw error;
      for (const key of keys) this.failures.record(key, now);
      const waitSeconds = Math.max(0, ...keys.map((key) => this.failures.lockedFor(key, now) ?? 0));
      if (waitSeconds > 0) throw new TooManyRequests('Too many failed authentication attempts; try again later', waitSeconds);
      throw error;
    }
  }
}
