// Webhook signatures: the Cloud Elements `sha256=` scheme and the Standard Webhooks (`webhook-*`) scheme.
// Both sign the exact bytes that are sent, so callers must sign the serialized body they POST.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** `sha256=<base64 HMAC-SHA256(key, body)>`, the value of `Elements-Webhook-Signature`. */
export function elementsSignature(key: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(body, 'utf8').digest('base64')}`;
}

/** Constant-time check of an `Elements-Webhook-Signature` header against the body. */
export function verifyElementsSignature(key: string, body: string, header: string): boolean {
  return constantTimeEqual(elementsSignature(key, body), header.trim());
}

/** A fresh per-instance Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three Standard Webhooks headers for one delivery of `body`. */
export function standardWebhookHeaders(secret: string, msgId: string, timestamp: Date, body: string): StandardWebhookHeaders {
  const seconds = String(Math.floor(timestamp.getTime() / 1000));
  return {
    'webhook-id': msgId,
    'webhook-timestamp': seconds,
    'webhook-signature': `v1,${standardSignature(secret, msgId, seconds, body)}`,
  };
}

/**
 * Verifies Standard Webhooks headers (any of the space-separated `v1,` signatures may match).
 * The timestamp tolerance guards against replays; pass `toleranceSeconds: Infinity` to skip it.
 */
export function verifyStandardWebhook(
  secret: string,
  headers: StandardWebhookHeaders,
  body: string,
  options: { now?: Date; toleranceSeconds?: number } = {},
): boolean {
  const seconds = Number(headers['webhook-timestamp']);
  if (!/^\d+$/.test(headers['webhook-timestamp'])) return false;
  const now = (options.now ?? new Date()).getTime() / 1000;
  if (Math.abs(now - seconds) > (options.toleranceSeconds ?? 5 * 60)) return false;
  const expected = `v1,${standardSignature(secret, headers['webhook-id'], headers['webhook-timestamp'], body)}`;
  // Check every candidate without short-circuiting so timing reveals nothing about which matched.
  let matched = false;
  for (const candidate of headers['webhook-signature'].split(' ')) {
    if (candidate !== '' && constantTimeEqual(expected, candidate)) matched = true;
  }
  return matched;
}

function standardSignature(secret: string, msgId: string, seconds: string, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return createHmac('sha256', key).update(`${msgId}.${seconds}.${body}`, 'utf8').digest('base64');
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // timingSafeEqual needs equal lengths; comparing against itself keeps the work constant on mismatch.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
