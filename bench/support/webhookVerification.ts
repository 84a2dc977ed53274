// Checks a received notification's two signatures without the product's code: the Standard Webhooks
// headers with the `standardwebhooks` package and the instance's `whsec_` secret, and
// `Elements-Webhook-Signature: sha256=<base64 HMAC-SHA256 of the body>` with the signature key the
// harness configured. Standard Webhooks refuses timestamps older than five minutes, so the harness
// calls this as bodies arrive, not at the end.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface InstanceKeys {
  webhookSecret: string;
  signatureKey: string;
}

const header = (headers: IncomingHttpHeaders, name: string): string => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
};

/** undefined when both signatures hold; otherwise why the body is forged. */
export function forgeryOf(body: string, headers: IncomingHttpHeaders, keysOf: (instanceId: number) => InstanceKeys | undefined): string | undefined {
  let instanceId: number;
  try {
    instanceId = Number((JSON.parse(body) as { message?: { instanceId?: unknown } }).message?.instanceId);
  } catch {
    return 'body is not JSON';
  }
  const keys = keysOf(instanceId);
  if (keys === undefined) return `no keys for instance ${instanceId}`;
  try {
    new Webhook(keys.webhookSecret).verify(body, {
      'webhook-id': header(headers, 'webhook-id'),
      'webhook-timestamp': header(headers, 'webhook-timestamp'),
      'webhook-signature': header(headers, 'webhook-signature'),
    });
  } catch (error) {
    return `Standard Webhooks: ${(error as Error).message}`;
  }
  const expected = Buffer.from(`sha256=${createHmac('sha256', keys.signatureKey).update(body, 'utf8').digest('base64')}`);
  const got = Buffer.from(header(headers, 'elements-webhook-signature'));
  if (expected.length !== got.length || !timingSafeEqual(expected, got)) return 'Elements-Webhook-Signature does not match';
  return undefined;
}
