// The headers of one delivery attempt (DESIGN.md §2). The webhook id is the notification id, so it is the
// same on every retry; the Standard Webhooks timestamp and signature are fresh per attempt.

import { elementsSignature, standardWebhookHeaders } from '../../crypto/index.ts';

export interface DeliveryHeadersInput {
  readonly notificationId: string;
  /** The serialized notification, exactly as it will be sent. */
  readonly payload: string;
  /** The instance's `whsec_…` secret. */
  readonly webhookSecret: string;
  /** `event.notification.signature.key`, when the instance has one. */
  readonly signatureKey?: string;
  readonly timestamp: Date;
}

export function deliveryHeaders(input: DeliveryHeadersInput): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Elements-Webhook-Id': input.notificationId,
  };
  if (input.signatureKey !== undefined && input.signatureKey !== '') {
    headers['Elements-Webhook-Signature'] = elementsSignature(input.signatureKey, input.payload);
  }
  return { ...headers, ...standardWebhookHeaders(input.webhookSecret, input.notificationId, input.timestamp, input.payload) };
}
