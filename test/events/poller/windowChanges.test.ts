import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyWindowRecords, windowStart, type WindowResourceConfiguration } from '../../../src/events/poller/windowChanges.ts';

const window = { from: new Date('2024-05-01T10:00:00Z'), to: new Date('2024-05-01T10:15:00Z') };
const config: WindowResourceConfiguration = {
  idField: 'id',
  // Seconds, as Cloud Elements documents it.
  createdCheckTolerance: 1,
  datesConfiguration: {
    updatedDateField: 'updated',
    updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
    createdDateField: 'created',
    createdDateFormat: 'milliseconds',
  },
};
const ms = (iso: string) => new Date(iso).getTime();

test('windowStart subtracts pollDelay seconds', () => {
  assert.equal(windowStart(new Date('2024-05-01T10:00:00Z'), 30).toISOString(), '2024-05-01T09:59:30.000Z');
  assert.equal(windowStart(new Date('2024-05-01T10:00:00Z')).toISOString(), '2024-05-01T10:00:00.000Z');
});

test('created == updated within the tolerance is CREATED, otherwise UPDATED', () => {
  const result = classifyWindowRecords(
    [
      { id: 'new', created: ms('2024-05-01T10:01:00.000Z'), updated: '2024-05-01T10:01:00.900Z' },
      { id: 'edited', created: ms('2024-04-01T00:00:00Z'), updated: '2024-05-01T12:02:00.000+02:00' },
      { id: 'just-over', created: ms('2024-05-01T10:03:00.000Z'), updated: '2024-05-01T10:03:01.001Z' },
    ],
    config,
    window,
  );
  assert.deepEqual(result.changes.map((change) => [change.objectId, change.eventType]), [['new', 'CREATED'], ['edited', 'UPDATED'], ['just-over', 'UPDATED']]);
  assert.equal(result.changes[1]?.date.toISOString(), '2024-05-01T10:02:00.000Z');
  assert.equal(result.changes[1]?.version, String(ms('2024-05-01T10:02:00Z')));
});

test('only a created date → CREATED; no usable date → UPDATED at the window end, versioned by fingerprint', () => {
  const result = classifyWindowRecords([{ id: 'c', created: ms('2024-05-01T10:05:00Z') }, { id: 'u' }], config, window);
  assert.deepEqual(result.changes.map((change) => [change.objectId, change.eventType]), [['c', 'CREATED'], ['u', 'UPDATED']]);
  assert.equal(result.changes[1]?.date, window.to);
  assert.match(result.changes[1]?.version ?? '', /^[0-9a-f]{64}$/);
  const undated = classifyWindowRecords([{ id: 'x', created: 1 }], { idField: 'id' }, window);
  assert.equal(undated.changes[0]?.eventType, 'UPDATED');
});

test('filterByCurrentDate drops records after the window; filterByUpdatedDate (on unless false) drops those before it', () => {
  const records = [
    { id: 'before', created: 0, updated: '2024-05-01T09:59:59.000Z' },
    { id: 'inside', created: 0, updated: '2024-05-01T10:05:00.000Z' },
    { id: 'after', created: 0, updated: '2024-05-01T10:15:00.001Z' },
  ];
  const ids = (extra: Partial<WindowResourceConfiguration>) => classifyWindowRecords(records, { ...config, ...extra }, window).changes.map((change) => change.objectId);
  assert.deepEqual(ids({}), ['inside', 'after']);
  assert.deepEqual(ids({ filterByUpdatedDate: false }), ['before', 'inside', 'after']);
  assert.deepEqual(ids({ filterByUpdatedDate: false, filterByCurrentDate: true }), ['before', 'inside']);
  assert.deepEqual(ids({ filterByUpdatedDate: true }), ['inside', 'after']);
  assert.deepEqual(ids({ filterByUpdatedDate: true, filterByCurrentDate: true }), ['inside']);
});

test('overlapping windows give the same version; duplicates keep the latest; missing ids are skipped', () => {
  const record = { id: 'a', created: 0, updated: '2024-05-01T10:05:00.000Z' };
  const first = classifyWindowRecords([record], config, window);
  const overlap = classifyWindowRecords([record], config, { from: new Date('2024-05-01T10:04:00Z'), to: new Date('2024-05-01T10:20:00Z') });
  assert.equal(first.changes[0]?.version, overlap.changes[0]?.version);
  const twice = classifyWindowRecords(
    [{ id: 'a', created: 0, updated: '2024-05-01T10:06:00.000Z' }, record, { nope: 1 }],
    config,
    window,
  );
  assert.equal(twice.changes.length, 1);
  assert.equal(twice.changes[0]?.date.toISOString(), '2024-05-01T10:06:00.000Z');
  assert.equal(twice.skipped, 1);
});

test('dates in a configured time zone', () => {
  const result = classifyWindowRecords(
    [{ id: 'a', updated: '2024-05-01 06:05:00' }],
    { idField: 'id', datesConfiguration: { updatedDateField: 'updated', updatedDateFormat: 'yyyy-MM-dd HH:mm:ss', updatedDateTimezone: 'America/New_York' } },
    window,
  );
  assert.equal(result.changes[0]?.date.toISOString(), '2024-05-01T10:05:00.000Z');
});
