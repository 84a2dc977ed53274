import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatOffset, resolveTimeZone, wallClockToInstant } from '../../../src/events/poller/timeZones.ts';

test('resolves UTC, GMT, fixed offsets and IANA names; refuses unknown zones', () => {
  const winter = new Date('2024-01-15T12:00:00Z');
  const summer = new Date('2024-07-15T12:00:00Z');
  assert.equal(resolveTimeZone('GMT')?.offsetMinutesAt(winter), 0);
  assert.equal(resolveTimeZone('UTC')?.shortNameAt(winter), 'UTC');
  assert.equal(resolveTimeZone('+05:30')?.offsetMinutesAt(winter), 330);
  assert.equal(resolveTimeZone('GMT-8')?.offsetMinutesAt(winter), -480);
  assert.equal(resolveTimeZone('-0230')?.offsetMinutesAt(winter), -150);
  assert.equal(resolveTimeZone('Europe/Paris')?.offsetMinutesAt(winter), 60);
  assert.equal(resolveTimeZone('Europe/Paris')?.offsetMinutesAt(summer), 120);
  assert.equal(resolveTimeZone('America/New_York')?.shortNameAt(summer), 'EDT');
  assert.equal(resolveTimeZone('Mars/Olympus'), undefined);
  assert.equal(resolveTimeZone(''), undefined);
  assert.equal(resolveTimeZone('+25:00'), undefined);
});

test('formatOffset', () => {
  assert.equal(formatOffset(330), '+05:30');
  assert.equal(formatOffset(-480, ''), '-0800');
  assert.equal(formatOffset(0, '', false), '+00');
});

test('wallClockToInstant settles the offset across DST changes', () => {
  const paris = resolveTimeZone('Europe/Paris');
  assert.ok(paris);
  assert.equal(wallClockToInstant(Date.UTC(2024, 6, 1, 12), paris).toISOString(), '2024-07-01T10:00:00.000Z');
  assert.equal(wallClockToInstant(Date.UTC(2024, 0, 1, 12), paris).toISOString(), '2024-01-01T11:00:00.000Z');
  // 2024-03-31 02:30 does not exist in Paris; it resolves to a real instant instead of failing.
  assert.ok(!Number.isNaN(wallClockToInstant(Date.UTC(2024, 2, 31, 2, 30), paris).getTime()));
});
