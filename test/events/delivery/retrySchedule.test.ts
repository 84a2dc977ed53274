import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ATTEMPTS, nextAttempt, RETRY_DELAYS_MS, type DeliveryOutcome } from '../../../src/events/delivery/retrySchedule.ts';

const now = new Date('2024-05-01T00:00:00.000Z');
const middle = () => 0.5; // no jitter
const delayOf = (attemptNumber: number, outcome: DeliveryOutcome, random = middle): number | string => {
  const step = nextAttempt({ attemptNumber, outcome, now, random });
  return step.kind === 'retry' ? step.at.getTime() - now.getTime() : step.kind;
};

test('2xx and success are done; 410 is gone', () => {
  assert.equal(delayOf(1, { kind: 'success' }), 'done');
  assert.equal(delayOf(1, { kind: 'http', status: 200 }), 'done');
  assert.equal(delayOf(3, { kind: 'http', status: 204 }), 'done');
  assert.equal(delayOf(1, { kind: 'http', status: 410 }), 'gone');
  assert.equal(delayOf(MAX_ATTEMPTS, { kind: 'http', status: 410 }), 'gone');
});

test('failures follow 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, then fail', () => {
  const hour = 3_600_000;
  assert.deepEqual(RETRY_DELAYS_MS, [5_000, 300_000, 1_800_000, 2 * hour, 5 * hour, 10 * hour, 14 * hour, 20 * hour, 24 * hour]);
  const outcomes: DeliveryOutcome[] = [{ kind: 'http', status: 500 }, { kind: 'timeout' }, { kind: 'connection' }, { kind: 'http', status: 302 }, { kind: 'http', status: 404 }];
  for (const outcome of outcomes) {
    const delays: Array<number | string> = RETRY_DELAYS_MS.map((_, index) => delayOf(index + 1, outcome));
    assert.deepEqual(delays, RETRY_DELAYS_MS, outcome.kind);
    assert.equal(delayOf(MAX_ATTEMPTS, outcome), 'failed');
  }
  assert.equal(MAX_ATTEMPTS, 10);
});

test('jitter stays within ±20 %', () => {
  assert.equal(delayOf(2, { kind: 'timeout' }, () => 0), 240_000);
  assert.equal(delayOf(2, { kind: 'timeout' }, () => 0.999999), Math.round(300_000 * (1 + (0.999999 * 2 - 1) * 0.2)));
  for (let index = 0; index < 200; index += 1) {
    const delay = delayOf(1, { kind: 'connection' }, Math.random);
    assert.ok(typeof delay === 'number' && delay >= 4_000 && delay <= 6_000, String(delay));
  }
});

test('429 and 503 honour Retry-After, bounded; other statuses ignore it', () => {
  assert.equal(delayOf(1, { kind: 'http', status: 429, retryAfterSeconds: 120 }), 120_000);
  assert.equal(delayOf(4, { kind: 'http', status: 503, retryAfterSeconds: 7 }), 7_000);
  assert.equal(delayOf(1, { kind: 'http', status: 503, retryAfterSeconds: 0 }), 1_000);
  assert.equal(delayOf(1, { kind: 'http', status: 429, retryAfterSeconds: 10 * 24 * 3600 }), 24 * 3_600_000);
  assert.equal(delayOf(1, { kind: 'http', status: 429 }), 5_000);
  assert.equal(delayOf(1, { kind: 'http', status: 500, retryAfterSeconds: 120 }), 5_000);
  assert.equal(delayOf(MAX_ATTEMPTS, { kind: 'http', status: 429, retryAfterSeconds: 1 }), 'failed');
});

