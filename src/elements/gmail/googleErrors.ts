// How Google words an error answer, for the provider client: the message, the reason code, and whether
// the reason is a rate limit (retried after a pause) or a quota that refills over hours (not retried).
// Google's APIs answer {"error": {"code", "message", "errors": [{"reason", "message"}], "status"}}; its
// OAuth endpoints answer in the OAuth 2.0 form, which the hub engine reads.

import { parseJsonObject, readOAuthError, type ProviderErrorInfo } from '../../hubs/index.ts';

/** Reasons of a 403 or 429 meaning "slow down". */
const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'concurrentLimitExceeded']);
/** Quotas that refill over hours: retrying within a call cannot help. */
const DAILY_LIMIT_REASONS = new Set(['dailyLimitExceeded', 'quotaExceeded', 'dailyLimitExceededUnreg']);

export function readGoogleError(body: Buffer | string): ProviderErrorInfo | undefined {
  const info = readGoogleApiError(body) ?? readOAuthError(body);
  if (info?.reason === undefined) return info;
  if (DAILY_LIMIT_REASONS.has(info.reason)) return { ...info, limit: 'daily' };
  if (RATE_LIMIT_REASONS.has(info.reason)) return { ...info, limit: 'rate' };
  return info;
}

function readGoogleApiError(body: Buffer | string): ProviderErrorInfo | undefined {
  const error = parseJsonObject(body)?.error;
  if (!isRecord(error)) return undefined;
  const items = Array.isArray(error.errors) ? error.errors.filter(isRecord) : [];
  const reason = typeof items[0]?.reason === 'string' ? items[0].reason : typeof error.status === 'string' ? error.status : undefined;
  const message = typeof error.message === 'string' ? error.message : typeof items[0]?.message === 'string' ? items[0].message : '';
  return { message, ...(reason !== undefined ? { reason } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
