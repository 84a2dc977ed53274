// The one Retry-After reading: delta-seconds, HTTP-dates, and what the poll worker gets from an error.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorRetryAfterSeconds, parseRetryAfterMs, parseRetryAfterSeconds, ProviderError, TooManyRequests } from '../../src/errors/index.ts';

const now = Date.parse('2024-05-01T00:00:00.000Z');

test('parseRetryAfterMs reads delta-seconds and HTTP-dates', () => {
  assert.equal(parseRetryAfterMs('2', now), 2000);
  assert.equal(parseRetryAfterMs(' 0 ', now), 0);
  assert.equal(parseRetryAfterMs(new Date(now + 6000).toUTCString(), now), 6000);
  assert.equal(parseRetryAfterMs('Wed, 01 May 2024 00:01:30 GMT', now), 90_000);
  assert.equal(parseRetryAfterMs('Tue, 30 Apr 2024 23:00:00 GMT', now), 0, 'a date in the past means now');
});

test('parseRetryAfterMs rejects what is neither', () => {
  for (const value of [undefined, null, '', 'soon', '-5', '1.5', '2024-05-01', 'Someday 99']) {
    assert.equal(parseRetryAfterMs(value, now), undefined, String(value));
  }
});

test('parseRetryAfterSeconds rounds up so a caller never comes back early', () => {
  assert.equal(parseRetryAfterSeconds('120', now), 120);
  assert.equal(parseRetryAfterSeconds('Wed, 01 May 2024 00:01:30 GMT', now), 90);
  assert.equal(parseRetryAfterSeconds('Wed, 01 May 2024 00:00:00 GMT', now - 1), 1);
  assert.equal(parseRetryAfterSeconds('soon', now), undefined);
});

test('errorRetryAfterSeconds reads the header an error carries, as the poll worker does', () => {
  assert.equal(errorRetryAfterSeconds(new TooManyRequests('slow down', 30), now), 30);
  assert.equal(errorRetryAfterSeconds(new ProviderError('busy', { statusCode: 503, retryAfterSeconds: 7 }), now), 7);
  const dated = new ProviderError('busy', { statusCode: 503 });
  dated.headers['retry-after'] = 'Wed, 01 May 2024 00:01:30 GMT';
  assert.equal(errorRetryAfterSeconds(dated, now), 90, 'an HTTP-date, which Number() reads as NaN');
  assert.equal(errorRetryAfterSeconds(new ProviderError('down', { statusCode: 502 }), now), undefined);
  assert.equal(errorRetryAfterSeconds(new Error('plain'), now), undefined);
});
