// The one way hub code calls a provider: undici with keep-alive connections per origin, a per-account
// concurrency limit, the instance's access token (refreshed once on 401), and bounded retries with
// backoff for rate limits, outages, timeouts and dropped connections. What cannot be retried becomes a
// ProviderError whose status is what our caller should see, with the provider's own message.

import { Agent, request } from 'undici';
import { parseRetryAfterMs, ProviderError } from '../errors/index.ts';
import { KeyedConcurrencyLimiter } from './concurrencyLimiter.ts';
import { classifyFailure, networkError, providerAnswerError, type NetworkFailureKind, type ProviderErrorReader } from './providerErrors.ts';
import { DEFAULT_RETRY_OPTIONS, retryDelayMs, type RetryOptions } from './retryPolicy.ts';

export type ProviderHttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type ProviderQueryValue = string | number | boolean | readonly string[] | undefined;
export type ProviderQuery = Readonly<Record<string, ProviderQueryValue>>;

/**
 * Whose token a call uses, whose limits it counts against, whom error messages name and how its
 * provider words errors. The token is a stored instance's (refreshed once on 401), or one given with the
 * call: a grant not yet stored with an instance (identifying its account while the instance is created),
 * which cannot be refreshed, so a 401 is final.
 */
export type ProviderAccount = {
  /** Calls with the same key share one concurrency limit: one key per provider user. */
  concurrencyKey: string;
  /** The provider as error messages and metrics name it: the element's name. */
  providerName: string;
  /** The element's reader of its provider's error answers. */
  readError: ProviderErrorReader;
} & ({ instanceId: number } | { accessToken: string });

/**
 * The provider's name for the method a call invokes and its quota cost, for counting calls: elements
 * name their methods and costs as their provider publishes them; the hub engine stays generic.
 */
export interface ProviderOperation {
  readonly name: string;
  readonly units?: number;
}

/** One request the provider answered (status) or that got no answer ('error'); a batch part counts as one. */
export interface ProviderCallReport {
  /** The provider as error messages name it (the element's name). */
  provider: string;
  /** The operation's name, or the HTTP method when the caller named none. */
  method: string;
  status: number | 'error';
  /** Quota units charged: the operation's cost when the provider served the call, else 0. */
  units: number;
}

export type ProviderCallHook = (call: ProviderCallReport) => void;

export interface ProviderRequest {
  method: ProviderHttpMethod;
  url: string;
  /** What the call is, for metrics; see ProviderOperation. */
  operation?: ProviderOperation;
  query?: ProviderQuery;
  /** Sent as application/json. */
  json?: unknown;
  /** Any other body. */
  body?: { contentType: string; data: Buffer | string };
  /**
   * Whether repeating the call after an ambiguous failure (5xx, timeout, lost connection) is harmless.
   * Defaults to true for GET, PUT and DELETE. Rate-limit answers are retried regardless: the provider
   * refused the call before doing anything.
   */
  idempotent?: boolean;
}

export interface ProviderResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface AccessTokenSource {
  accessToken(instanceId: number, options?: { forceRefresh?: boolean; refused?: string }): Promise<string>;
}

export interface RetryEvent {
  /** Absent for a call with a given token (no instance yet). */
  instanceId?: number;
  method: ProviderHttpMethod;
  /** URL without its query (which may carry search terms). */
  url: string;
  retry: number;
  delayMs: number;
  reason: string;
}

export interface ProviderClientOptions {
  /** Per attempt: until response headers, and between body chunks. Default 15 s. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Concurrent calls per provider account. Default 5. */
  maxConcurrentPerAccount?: number;
  /** Connections kept per provider origin. Default 64. */
  connectionsPerOrigin?: number;
  keepAliveTimeoutMs?: number;
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
  /** Told about every attempt and every batch part (metrics); must be cheap and must not throw. */
  onProviderCall?: ProviderCallHook;
}

type AttemptOutcome =
  | { kind: 'response'; response: ProviderResponse }
  | { kind: 'network'; failure: NetworkFailureKind; sent: boolean; detail: string; error: unknown };

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'UND_ERR_ABORTED']);

export class ProviderClient {
  private readonly agent: Agent;
  private readonly limiter: KeyedConcurrencyLimiter;
  private readonly retry: RetryOptions;
  private readonly timeoutMs: number;
  private readonly random: () => number;

  constructor(
    private readonly tokens: AccessTokenSource,
    private readonly options: ProviderClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.retry = { ...DEFAULT_RETRY_OPTIONS, ...options.retry };
    this.random = options.random ?? Math.random;
    this.limiter = new KeyedConcurrencyLimiter(options.maxConcurrentPerAccount ?? 5);
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 64,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      connect: { timeout: Math.min(this.timeoutMs, 10_000) },
    });
  }

  /** The provider's 2xx answer; anything else, after retries, is thrown as a ProviderError. */
  async send(account: ProviderAccount, call: ProviderRequest): Promise<ProviderResponse> {
    const idempotent = call.idempotent ?? (call.method === 'GET' || call.method === 'PUT' || call.method === 'DELETE');
    let token = 'accessToken' in account ? account.accessToken : await this.tokens.accessToken(account.instanceId);
    let refreshed = false;
    for (let retries = 0; ; retries++) {
      const outcome = await this.limiter.run(account.concurrencyKey, () => this.attempt(call, token));
      this.reportCall(account, call.operation, call.method, outcome.kind === 'response' ? outcome.response.status : 'error');
      if (outcome.kind === 'response') {
        const { response } = outcome;
        if (response.status >= 200 && response.status < 300) return response;
        const info = account.readError(response.body);
        const kind = classifyFailure(response.status, info);
        if (kind === 'unauthorized' && !refreshed && 'instanceId' in account) {
          // Expired or revoked early: refresh once and go again at once; this is not a retry.
          token = await this.renewToken(account, token);
          refreshed = true;
          retries--;
          continue;
        }
        const retryAfterMs = parseRetryAfterMs(response.headers['retry-after'], Date.now());
        const retryable = kind === 'rateLimited' || (kind === 'transient' && idempotent);
        const delayMs = retryable ? retryDelayMs(retries, retryAfterMs, this.retry, this.random) : undefined;
        if (delayMs === undefined) throw providerAnswerError(account.providerName, response.status, info, retryAfterMs, retries + 1);
        await this.pause(account, call, retries + 1, delayMs, `${response.status}${info?.reason ? ` ${info.reason}` : ''}`);
        continue;
      }
      // A call that never reached the provider can always be repeated; one that may have, only if idempotent.
      const retryable = idempotent || !outcome.sent;
      const delayMs = retryable ? retryDelayMs(retries, undefined, this.retry, this.random) : undefined;
      if (delayMs === undefined) throw networkError(account.providerName, outcome.failure, outcome.detail, retries + 1, outcome.error);
      await this.pause(account, call, retries + 1, delayMs, outcome.detail);
    }
  }

  /** `send`, with the 2xx body parsed as JSON (undefined when empty). */
  async json<T>(account: ProviderAccount, call: ProviderRequest): Promise<T> {
    const response = await this.send(account, call);
    if (response.body.length === 0) return undefined as T;
    try {
      return JSON.parse(response.body.toString('utf8')) as T;
    } catch (error) {
      throw new ProviderError(`${account.providerName} answered ${response.status} with a body that is not JSON`, { statusCode: 502, providerStatus: response.status }, { cause: error });
    }
  }

  /**
   * A token to use after `refused` was answered 401: another call may already have refreshed it, in
   * which case that token is used instead of refreshing again. A given token cannot be refreshed: it
   * comes back as it is.
   */
  renewToken(account: ProviderAccount, refused?: string): Promise<string> {
    if ('accessToken' in account) return Promise.resolve(account.accessToken);
    return this.tokens.accessToken(account.instanceId, { forceRefresh: true, ...(refused !== undefined ? { refused } : {}) });
  }

  /** The wait before the next retry (undefined: give up), for callers that retry parts of an answer themselves. */
  backoff(retriesDone: number, retryAfterMs: number | undefined): number | undefined {
    return retryDelayMs(retriesDone, retryAfterMs, this.retry, this.random);
  }

  /** Tells `onProviderCall` about one request (or batch part) and the quota it was charged. */
  reportCall(account: ProviderAccount, operation: ProviderOperation | undefined, httpMethod: ProviderHttpMethod, status: number | 'error'): void {
    const hook = this.options.onProviderCall;
    if (hook === undefined) return;
    hook({ provider: account.providerName, method: operation?.name ?? httpMethod, status, units: status !== 'error' && chargedStatus(status) ? (operation?.units ?? 0) : 0 });
  }

  sleepBeforeRetry(delayMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, delayMs));
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async pause(account: ProviderAccount, call: ProviderRequest, retry: number, delayMs: number, reason: string): Promise<void> {
    const instance = 'instanceId' in account ? { instanceId: account.instanceId } : {};
    this.options.onRetry?.({ ...instance, method: call.method, url: call.url, retry, delayMs: Math.round(delayMs), reason });
    await this.sleepBeforeRetry(delayMs);
  }

  private async attempt(call: ProviderRequest, token: string): Promise<AttemptOutcome> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json', 'user-agent': 'Changehook' };
    let body: Buffer | string | undefined;
    if (call.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.json);
    } else if (call.body !== undefined) {
      headers['content-type'] = call.body.contentType;
      body = call.body.data;
    }
    try {
      const response = await request(urlWithQuery(call.url, call.query), {
        method: call.method,
        headers,
        body,
        dispatcher: this.agent,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        // headers/body timeouts reset with every chunk; this bounds the whole attempt.
        signal: AbortSignal.timeout(this.timeoutMs * 2),
      });
      const data = Buffer.from(await response.body.arrayBuffer());
      return { kind: 'response', response: { status: response.statusCode, headers: flattenHeaders(response.headers), body: data } };
    } catch (error) {
      return networkOutcome(error, this.timeoutMs);
    }
  }
}

/**
 * Whether a provider charges quota for an answer: it served the call (2xx, or a 4xx such as 404 about
 * the call itself), as opposed to refusing it before doing anything (401, 403, 429) or failing (5xx).
 */
function chargedStatus(status: number): boolean {
  return status < 500 && status !== 401 && status !== 403 && status !== 429;
}

function networkOutcome(error: unknown, timeoutMs: number): AttemptOutcome {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
  const name = error instanceof Error ? error.name : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'TimeoutError' || name === 'AbortError' || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return { kind: 'network', failure: 'timeout', sent: code !== 'UND_ERR_CONNECT_TIMEOUT', detail: `no answer within ${timeoutMs} ms`, error };
  }
  if (code !== undefined) {
    return { kind: 'network', failure: 'connection', sent: !NOT_SENT_CODES.has(code), detail: `${message} (${code})`, error };
  }
  // Not a network failure (a bug, e.g. an invalid URL): let it surface as such.
  throw error;
}

/** `url` with `query` appended; arrays repeat the parameter, undefined values are left out. */
export function urlWithQuery(url: string, query: ProviderQuery | undefined): string {
  if (query === undefined) return url;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(name, item);
    else params.append(name, String(value));
  }
  const text = params.toString();
  return text ? `${url}${url.includes('?') ? '&' : '?'}${text}` : url;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
