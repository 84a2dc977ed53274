// How Microsoft words an error answer, for the provider client: the message, the code, and whether the
// code means "slow down". Graph answers {"error": {"code", "message", "innerError": {...}}}; the
// identity platform's token endpoint answers in the OAuth 2.0 form, which the hub engine reads.
// Throttling is a 429 (retried after its Retry-After by the engine whatever the body says); the codes
// below mark the refusals Graph words as throttling whatever their status, so a 403 or 503 carrying
// them is waited out too. A 503 without them is an outage, retried for idempotent calls only.

import { parseJsonObject, readOAuthError, type ProviderErrorInfo } from '../../hubs/index.ts';

/** Graph's and Exchange's codes for a refusal over a rate or concurrency limit (lower-cased). */
const THROTTLING_CODES = new Set(['toomanyrequests', 'applicationthrottled', 'activitylimitreached', 'throttledrequest', 'mailboxconcurrency', 'errorserverbusy']);

export function readGraphError(body: Buffer | string): ProviderErrorInfo | undefined {
  const info = readGraphApiError(body) ?? readOAuthError(body);
  if (info?.reason !== undefined && THROTTLING_CODES.has(info.reason.toLowerCase())) return { ...info, limit: 'rate' };
  return info;
}

function readGraphApiError(body: Buffer | string): ProviderErrorInfo | undefined {
  const error = parseJsonObject(body)?.error;
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return undefined;
  const { code, message } = error as Record<string, unknown>;
  return { message: typeof message === 'string' ? message : '', ...(typeof code === 'string' && code !== '' ? { reason: code } : {}) };
}

/** Graph's answer to a delta link whose sync state it no longer keeps: 410 Gone, or one of these codes. */
const EXPIRED_SYNC_STATE_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);

export function isExpiredSyncState(providerStatus: number | undefined, providerError: string | undefined): boolean {
  return providerStatus === 410 || (providerError !== undefined && EXPIRED_SYNC_STATE_CODES.has(providerError.toLowerCase()));
}
