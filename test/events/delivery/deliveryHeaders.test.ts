import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '../../../src/crypto/webhookSignature.ts';
import { deliveryHeaders } from '../../../src/events/delivery/deliveryHeaders.ts';

const payload = '{"id":"n1","message":{"events":[]}}';

test('carries the ids, both signature schemes and the JSON content type', () => {
  const secret = generateWebhookSecret();
  const headers = deliveryHeaders({ notificationId: 'n1', payload, webhookSecret: secret, signatureKey: 'k', timestamp: new Date() });
  assert.equal(headers['Content-Type'], 'application/json');
  assert.equal(headers['Elements-Webhook-Id'], 'n1');
  assert.equal(headers['webhook-id'], 'n1');
  assert.equal(headers['Elements-Webhook-Signature'], `sha256=${createHmac('sha256', 'k').update(payload).digest('base64')}`);
  const standard = { 'webhook-id': headers['webhook-id'] ?? '', 'webhook-timestamp': headers['webhook-timestamp'] ?? '', 'webhook-signature': headers['webhook-signature'] ?? '' };
  assert.deepEqual(new Webhook(secret).verify(payload, standard), JSON.parse(payload));
});

test('no Elements signature without a key; the id is stable across attempts', () => {
  const secret = generateWebhookSecret();
  const first = deliveryHeaders({ notificationId: 'n1', payload, webhookSecret: secret, timestamp: new Date('2024-01-01T00:00:00Z') });
  const retry = deliveryHeaders({ notificationId: 'n1', payload, webhookSecret: secret, signatureKey: '', timestamp: new Date('2024-01-01T00:05:00Z') });
  assert.equal('Elements-Webhook-Signature' in first, false);
  assert.equal('Elements-Webhook-Signature' in retry, false);
  assert.equal(first['webhook-id'], retry['webhook-id']);
  assert.notEqual(first['webhook-timestamp'], retry['webhook-timestamp']);
});
