import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  elementsSignature,
  generateWebhookSecret,
  standardWebhookHeaders,
  verifyElementsSignature,
  verifyStandardWebhook,
} from '../../src/crypto/webhookSignature.ts';

const body = JSON.stringify({ id: 'n-1', message: { events: [{ eventType: 'CREATED', objectId: 'é✓' }] } });

test('elementsSignature is sha256= base64 HMAC of the raw body', () => {
  const expected = createHmac('sha256', 'k3y').update(Buffer.from(body, 'utf8')).digest('base64');
  assert.equal(elementsSignature('k3y', body), `sha256=${expected}`);
  assert.equal(verifyElementsSignature('k3y', body, `sha256=${expected}`), true);
  assert.equal(verifyElementsSignature('other', body, `sha256=${expected}`), false);
  assert.equal(verifyElementsSignature('k3y', `${body} `, `sha256=${expected}`), false);
  assert.equal(verifyElementsSignature('k3y', body, 'sha256=short'), false);
});

test('generateWebhookSecret is whsec_ + base64 of 24 random bytes', () => {
  const a = generateWebhookSecret();
  const b = generateWebhookSecret();
  assert.match(a, /^whsec_[A-Za-z0-9+/]{32}$/);
  assert.equal(Buffer.from(a.slice(6), 'base64').length, 24);
  assert.notEqual(a, b);
});

test('standardWebhookHeaders verify with the standardwebhooks package', () => {
  const secret = generateWebhookSecret();
  const now = new Date();
  const headers = standardWebhookHeaders(secret, 'msg_1', now, body);
  assert.equal(headers['webhook-id'], 'msg_1');
  assert.equal(headers['webhook-timestamp'], String(Math.floor(now.getTime() / 1000)));
  assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/);
  assert.deepEqual(new Webhook(secret).verify(body, { ...headers }), JSON.parse(body));
  assert.equal(verifyStandardWebhook(secret, headers, body, { now }), true);
});

test('a wrong secret, a changed body or a changed id fails verification', () => {
  const secret = generateWebhookSecret();
  const now = new Date();
  const headers = standardWebhookHeaders(secret, 'msg_1', now, body);
  assert.throws(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers }));
  assert.throws(() => new Webhook(secret).verify(`${body} `, { ...headers }));
  assert.throws(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_2' }));
  assert.equal(verifyStandardWebhook(generateWebhookSecret(), headers, body, { now }), false);
  assert.equal(verifyStandardWebhook(secret, { ...headers, 'webhook-id': 'msg_2' }, body, { now }), false);
});

test('verifyStandardWebhook rejects stale timestamps and accepts one of several signatures', () => {
  const secret = generateWebhookSecret();
  const sent = new Date('2024-01-01T00:00:00Z');
  const headers = standardWebhookHeaders(secret, 'msg_1', sent, body);
  assert.equal(verifyStandardWebhook(secret, headers, body, { now: new Date(sent.getTime() + 10 * 60_000) }), false);
  assert.equal(verifyStandardWebhook(secret, headers, body, { now: new Date(sent.getTime() + 10 * 60_000), toleranceSeconds: Infinity }), true);
  const rotated = { ...headers, 'webhook-signature': `v1,AAAA ${headers['webhook-signature']}` };
  assert.equal(verifyStandardWebhook(secret, rotated, body, { now: sent }), true);
});
