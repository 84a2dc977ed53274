import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequest } from '../../../src/errors/index.ts';
import { parseRecordDate, validateDateFormat } from '../../../src/events/poller/recordDates.ts';

test('epoch formats accept numbers and numeric strings', () => {
  assert.equal(parseRecordDate(1700000000000, 'milliseconds')?.getTime(), 1700000000000);
  assert.equal(parseRecordDate('1700000000000', 'milliseconds')?.getTime(), 1700000000000);
  assert.equal(parseRecordDate(1700000000, 'seconds')?.getTime(), 1700000000000);
  assert.equal(parseRecordDate('soon', 'seconds'), undefined);
});

test('Java patterns read the wall clock in the configured zone', () => {
  assert.equal(parseRecordDate('2024-01-02 03:04:05', 'yyyy-MM-dd HH:mm:ss', 'America/New_York')?.toISOString(), '2024-01-02T08:04:05.000Z');
  assert.equal(parseRecordDate('2024-01-02 03:04:05', 'yyyy-MM-dd HH:mm:ss', 'GMT')?.toISOString(), '2024-01-02T03:04:05.000Z');
  assert.equal(parseRecordDate('2024-01-02 03:04:05', 'yyyy-MM-dd HH:mm:ss')?.toISOString(), '2024-01-02T03:04:05.000Z');
  assert.equal(parseRecordDate(12, 'yyyy'), undefined);
});

test('without a format: ISO-8601 text or epoch milliseconds; other text is not a date', () => {
  assert.equal(parseRecordDate('2024-01-02T03:04:05.123Z')?.toISOString(), '2024-01-02T03:04:05.123Z');
  assert.equal(parseRecordDate('2024-01-02T03:04:05+02:00')?.toISOString(), '2024-01-02T01:04:05.000Z');
  assert.equal(parseRecordDate('1700000000000')?.getTime(), 1700000000000);
  assert.equal(parseRecordDate('Tuesday'), undefined);
  assert.equal(parseRecordDate(undefined), undefined);
  assert.equal(parseRecordDate(null, 'milliseconds'), undefined);
  assert.equal(parseRecordDate({}), undefined);
});

test('an unknown zone or format is a configuration error', () => {
  assert.throws(() => parseRecordDate('2024', 'yyyy', 'Nowhere/City'), BadRequest);
  assert.throws(() => validateDateFormat('yyyy-WW'), BadRequest);
  validateDateFormat('milliseconds');
  validateDateFormat("yyyy-MM-dd'T'HH:mm:ssXXX");
});
