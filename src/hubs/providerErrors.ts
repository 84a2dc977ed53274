// Reads a provider's error answer and decides what it means for us: retry (rate limits, outages),
// refresh the token (401), or give up with the status our caller should see and the provider's own
// message. Google's error dialects are the reference; other providers' plain bodies still map by status.

import { ProviderError } from '../errors/index.ts';

export interface ProviderErrorInfo {
  message: string;
  /** Google's `errors[0].reason` (e.g. `userRateLimitExceeded`), or the OAuth `error` code. */
  reason?: string;
}

export type FailureKind =
  /** The access token was refused: refresh it once and try again. */
  | 'unauthorized'
  /** Refused before any work was done: safe to retry for every method. */
  | 'rateLimited'
  /** The provider failed; the request may or may not have taken effect: retry idempotent calls only. */
  | 'transient'
  | 'fatal';

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'concurrentLimitExceeded']);
/** Quotas that refill over hours: retrying within a call cannot help. */
const DAILY_LIMIT_REASONS = new Set(['dailyLimitExceeded', 'quotaExceeded', 'dailyLimitExceededUnreg']);
const PASSED_THROUGH_CLIENT_STATUSES = new Set([400, 403, 404, 409, 412, 413]);

export function readProviderError(body: Buffer | string): ProviderErrorInfo | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const error = parsed.error;
  if (isRecord(error)) {
    // Gmail: {"error": {"code", "message", "errors": [{"reason", "message"}], "status"}}
    const items = Array.isArray(error.errors) ? error.errors.filter(isRecord) : [];
    const reason = typeof items[0]?.reason === 'string' ? items[0].reason : typeof error.status === 'string' ? error.status : undefined;
    const message = typeof error.message === 'string' ? error.message : typeof items[0]?.message === 'string' ? items[0].message : '';
    return { message, ...(reason !== undefined ? { reason } : {}) };
  }
  if (typeof error === 'string') {
    // OAuth endpoints: {"error": "invalid_grant", "error_description": "..."}
    const description = typeof parsed.error_description === 'string' ? parsed.error_description : error;
    return { message: description, reason: error };
  }
  return undefined;
}

export function classifyFailure(status: number, info: ProviderErrorInfo | undefined): FailureKind {
  const reason = info?.reason;
  if (status === 401) return 'unauthorized';
  if (status === 429 || status === 403) {
    if (reason !== undefined && DAILY_LIMIT_REASONS.has(reason)) return 'fatal';
    if (status === 429 || (reason !== undefined && RATE_LIMIT_REASONS.has(reason))) return 'rateLimited';
    return 'fatal';
  }
  if (status === 408 || status >= 500) return 'transient';
  return 'fatal';
}

/** The error our caller sees once a provider answer is final. */
export function providerAnswerError(provider: string, status: number, info: ProviderErrorInfo | undefined, retryAfterMs?: number, attempts = 1): ProviderError {
  const reason = info?.reason;
  const said = `${provider} answered ${status}${reason ? ` ${reason}` : ''}: ${info?.message || 'no message'}`;
  const details = { providerStatus: status, ...(reason !== undefined ? { providerError: reason } : {}) };
  const tries = attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
  const kind = classifyFailure(status, info);
  if (kind === 'rateLimited' || (reason !== undefined && DAILY_LIMIT_REASONS.has(reason))) {
    const retryAfterSeconds = retryAfterMs !== undefined ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : undefined;
    return new ProviderError(`${provider} rate limit reached${tries}. ${said}`, {
      ...details,
      statusCode: 429,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
  }
  if (kind === 'unauthorized') {
    // Not 401: our caller's own credentials were fine; the provider refused the instance's token.
    return new ProviderError(`${provider} refused the instance's access token even after refreshing it. ${said}`, { ...details, statusCode: 502 });
  }
  if (PASSED_THROUGH_CLIENT_STATUSES.has(status)) return new ProviderError(said, { ...details, statusCode: status });
  return new ProviderError(`${provider} failed${tries}. ${said}`, { ...details, statusCode: 502 });
}

export type NetworkFailureKind = 'timeout' | 'connection';

export function networkError(provider: string, kind: NetworkFailureKind, detail: string, attempts: number, cause: unknown): ProviderError {
  const tries = attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
  if (kind === 'timeout') return new ProviderError(`${provider} did not answer in time${tries}: ${detail}`, { statusCode: 504 }, { cause });
  return new ProviderError(`Could not reach ${provider}${tries}: ${detail}`, { statusCode: 502 }, { cause });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
