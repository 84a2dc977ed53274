// Authenticates platform and hub calls from the Authorization header, and slows brute force: an
// address that fails too often in a window is answered 429 before any secret is checked.

import type { FastifyRequest } from 'fastify';
import { TooManyRequests, Unauthorized } from '../errors/index.ts';
import { parseAuthorizationHeader, type Caller, type TenantService } from '../tenants/index.ts';

const FAILURE_WINDOW_MS = 60_000;
const MAX_FAILURES_PER_WINDOW = 20;

export class CallerAuthentication {
  private readonly failures = new Map<string, { count: number; windowStart: number }>();

  constructor(private readonly tenants: TenantService) {}

  /** The caller of a platform call (`User …, Organization …`). */
  caller(request: FastifyRequest): Promise<Caller> {
    return this.guard(request, async () => {
      const credentials = parseAuthorizationHeader(request.headers.authorization);
      return this.tenants.authenticate(credentials, { requireOrganization: true });
    });
  }

  /** The caller and Element token of a hub call (`User …, Organization …, Element …` or `User …, Element …`). */
  hubCaller(request: FastifyRequest): Promise<Caller & { elementToken: string }> {
    return this.guard(request, async () => {
      const credentials = parseAuthorizationHeader(request.headers.authorization);
      if (!credentials.element) throw new Unauthorized('Authorization header must carry "Element <instance token>" for hub calls');
      const caller = await this.tenants.authenticate(credentials, { requireOrganization: false });
      return { ...caller, elementToken: credentials.element };
    });
  }

  private async guard<T>(request: FastifyRequest, authenticate: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const entry = this.failures.get(request.ip);
    if (entry && now - entry.windowStart < FAILURE_WINDOW_MS && entry.count >= MAX_FAILURES_PER_WINDOW) {
      throw new TooManyRequests('Too many failed authentication attempts from this address; try again later', (entry.windowStart + FAILURE_WINDOW_MS - now) / 1000);
    }
    try {
      return await authenticate();
    } catch (error) {
      if (error instanceof Unauthorized) this.recordFailure(request.ip, now);
      throw error;
    }
  }

  private recordFailure(ip: string, now: number): void {
    const entry = this.failures.get(ip);
    if (!entry || now - entry.windowStart >= FAILURE_WINDOW_MS) {
      this.failures.set(ip, { count: 1, windowStart: now });
      // Keep the map small under a spray of addresses.
      if (this.failures.size > 10_000) {
        for (const [key, value] of this.failures) if (now - value.windowStart >= FAILURE_WINDOW_MS) this.failures.delete(key);
      }
    } else {
      entry.count += 1;
    }
  }
}
