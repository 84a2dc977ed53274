// The per-origin backoff as plain state over a clock we move by hand: which answers pause an origin,
// for how long, that one episode is one pause (one warning), and that a 2xx after a pause resets it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ORIGIN_PAUSE_MS, MAX_ORIGIN_RETRY_AFTER_MS, OriginThrottle, originSignal, type OriginSignal } from '../../../src/events/delivery/originThrottle.ts';

const ORIGIN = 'https://hooks.example.com';
const TOO_MANY: OriginSignal = { kind: 'overloaded', status: 429 };
const OK: OriginSignal = { kind: 'answered' };

function throttleAt(start = 1_000_000) {
  const clock = { now: start };
  return { clock, throttle: new OriginThrottle(() => clock.now) };
}

test('which answers say something about the origin', () => {
  assert.deepEqual(originSignal({ kind: 'http', status: 204 }), { kind: 'answered' });
  assert.deepEqual(originSignal({ kind: 'success' }), { kind: 'answered' });
  assert.deepEqual(originSignal({ kind: 'http', status: 429, retryAfterSeconds: 120 }), { kind: 'overloaded', status: 429, retryAfterSeconds: 120 });
  assert.deepEqual(originSignal({ kind: 'http', status: 503 }), { kind: 'overloaded', status: 503 });
  assert.deepEqual(originSignal({ kind: 'connection' }, 'ECONNREFUSED'), { kind: 'unreachable', code: 'ECONNREFUSED' });
  assert.deepEqual(originSignal({ kind: 'timeout' }, 'UND_ERR_CONNECT_TIMEOUT'), { kind: 'unreachable', code: 'UND_ERR_CONNECT_TIMEOUT' });
  // One notification's trouble, not the origin's: the retry schedule handles these alone.
  for (const [outcome, code] of [
    [{ kind: 'http', status: 500 }, undefined],
    [{ kind: 'http', status: 410 }, undefined],
    [{ kind: 'http', status: 404 }, undefined],
    [{ kind: 'timeout' }, undefined],
    [{ kind: 'timeout' }, 'UND_ERR_HEADERS_TIMEOUT'],
    [{ kind: 'connection' }, 'ECONNRESET'],
    [{ kind: 'connection' }, undefined],
  ] as const) {
    assert.deepEqual(originSignal(outcome, code), { kind: 'other' }, JSON.stringify([outcome, code]));
  }
});

test('Retry-After pauses the origin until then, reported once; answers already in flight only lengthen it', () => {
  const { clock, throttle } = throttleAt();
  assert.equal(throttle.pausedUntil(ORIGIN), undefined);
  const pause = throttle.record(ORIGIN, { kind: 'overloaded', status: 429, retryAfterSeconds: 120 });
  assert.deepEqual(pause, { origin: ORIGIN, until: clock.now + 120_000, pauseMs: 120_000, reason: 'HTTP 429', basis: 'retry-after' });
  assert.equal(throttle.pausedUntil(ORIGIN), clock.now + 120_000);
  assert.equal(throttle.pausedUntil('https://other.example.com'), undefined, 'other origins are not paused');

  clock.now += 1_000;
  assert.equal(throttle.record(ORIGIN, { kind: 'overloaded', status: 503, retryAfterSeconds: 10 }), undefined, 'no second report');
  assert.equal(throttle.pausedUntil(ORIGIN), clock.now - 1_000 + 120_000, 'a shorter Retry-After does not shorten it');
  assert.equal(throttle.record(ORIGIN, { kind: 'overloaded', status: 429, retryAfterSeconds: 300 }), undefined);
  assert.equal(throttle.pausedUntil(ORIGIN), clock.now + 300_000, 'a longer one lengthens it');
  assert.equal(throttle.record(ORIGIN, OK), undefined);
  assert.equal(throttle.pausedUntil(ORIGIN), clock.now + 300_000, 'a 2xx sent before the pause does not lift it');

  clock.now += 300_000;
  assert.equal(throttle.pausedUntil(ORIGIN), undefined, 'over at its end');
});

test('Retry-After is bounded: at least 1 s, at most an hour', () => {
  const { clock, throttle } = throttleAt();
  assert.equal(throttle.record(ORIGIN, { kind: 'overloaded', status: 429, retryAfterSeconds: 0 })?.pauseMs, 1_000);
  clock.now += 1_000;
  assert.equal(throttle.record(ORIGIN, { kind: 'overloaded', status: 503, retryAfterSeconds: 86_400 })?.pauseMs, MAX_ORIGIN_RETRY_AFTER_MS);
  assert.equal(throttle.pausedUntil(ORIGIN), clock.now + 3_600_000);
});

test('without Retry-After: 1 s, 2 s, 4 s … up to 60 s, back to 1 s after a 2xx', () => {
  const { clock, throttle } = throttleAt();
  const pauses: number[] = [];
  for (let i = 0; i < 9; i += 1) {
    const pause = throttle.record(ORIGIN, i % 2 === 0 ? TOO_MANY : { kind: 'unreachable', code: 'ECONNREFUSED' });
    assert.ok(pause, `pause ${i + 1} reported`);
    pauses.push(pause.pauseMs);
    // The pause ends; the next request fails again.
    clock.now = pause.until;
  }
  assert.deepEqual(pauses, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, MAX_ORIGIN_PAUSE_MS, 60_000, 60_000]);

  assert.equal(throttle.record(ORIGIN, OK), undefined);
  assert.equal(throttle.record(ORIGIN, TOO_MANY)?.pauseMs, 1_000, 'reset by the 2xx');
});

test('failures of single notifications neither pause the origin nor reset its backoff', () => {
  const { clock, throttle } = throttleAt();
  assert.equal(throttle.record(ORIGIN, { kind: 'other' }), undefined);
  assert.equal(throttle.pausedUntil(ORIGIN), undefined);
  const first = throttle.record(ORIGIN, TOO_MANY)!;
  clock.now = first.until;
  assert.equal(throttle.record(ORIGIN, { kind: 'other' }), undefined);
  assert.equal(throttle.pausedUntil(ORIGIN), undefined);
  assert.equal(throttle.record(ORIGIN, TOO_MANY)?.pauseMs, 2_000, 'still the second step');
});
