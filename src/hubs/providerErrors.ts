// Decides what a provider's error answer means for us: retry (rate limits, outages), refresh the token
// (401), or give up with the status our caller should see and the provider's own message. Each element
// reads its provider's error bodies (ProviderErrorReader): this module only acts on what they say, and
// reads the one dialect every OAuth 2.0 provider shares.

import { ProviderError } from '../errors/index.ts';

export interface ProviderErrorInfo {
  message: string;
  /** The provider's code for the error (a reason, a status name), or the OAuth `error` code. */
  reason?: string;
  /**
   * A refusal over a limit, as the provider's reader tells it: `rate` passes after a pause (retried);
   * `daily` is a quota that refills over hours, so retrying within a call cannot help.
   */
  limit?: 'rate' | 'daily';
}

/** Reads a provider's error answer; undefined when the body is not in its dialect (plain text, HTML). */
export type ProviderErrorReader = (body: Buffer | string) => ProviderErrorInfo | undefined;

export type FailureKind =
  /** The access token was refused: refresh it once and try again. */
  | 'unauthorized'
  /** Refused before any work was done: safe to retry for every method. */
  | 'rateLimited'
  /** The provider failed; the request may or may not have taken effect: retry idempotent calls only. */
  | 'transient'
  | 'fatal';

const PASSED_THROUGH_CLIENT_STATUSES = new Set([400, 403, 404, 409, 412, 413]);

/** The error body of RFC 6749 (OAuth 2.0): `{"error": "invalid_grant", "error_description": "..."}`. */
export function readOAuthError(body: Buffer | string): ProviderErrorInfo | undefined {
  const parsed = parseJsonObject(body);
  if (parsed === undefined || typeof parsed.error !== 'string') return undefined;
  const description = typeof parsed.error_description === 'string' ? parsed.error_description : parsed.error;
  return { message: description, reason: parsed.error };
}

/** A JSON object body, or undefined. */
export function parseJsonObject(body: Buffer | string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return undefined;
  }
  return isRecord(parsed) ? parsed : undefined;
}

export function classifyFailure(status: number, info: ProviderErrorInfo | undefined): FailureKind {
  if (status === 401) return 'unauthorized';
  if (status === 429 || status === 403) {
    if (info?.limit === 'daily') return 'fatal';
    if (status === 429 || info?.limit === 'rate') return 'rateLimited';
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
  if (kind === 'rateLimited' || info?.limit === 'daily') {
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
