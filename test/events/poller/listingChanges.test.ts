import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectListingChanges } from '../../../src/events/poller/listingChanges.ts';

const pollDate = new Date('2024-05-01T00:00:00Z');

test('the first poll is a baseline: fingerprints, no changes', () => {
  const result = detectListingChanges([{ id: 'a' }, { id: 'b' }], 'id', null, { pollDate });
  assert.deepEqual(result.changes, []);
  assert.deepEqual([...result.fingerprints.keys()], ['a', 'b']);
});

test('new ids are CREATED, changed records UPDATED, missing ids DELETED, unchanged ones silent', () => {
  const baseline = detectListingChanges([{ id: 'a', v: 1 }, { id: 'b', v: 1 }, { id: 'c', v: 1 }], 'id', null, { pollDate }).fingerprints;
  const result = detectListingChanges([{ v: 1, id: 'a' }, { id: 'b', v: 2 }, { id: 'd', v: 1 }], 'id', baseline, { pollDate });
  assert.deepEqual(
    result.changes.map((change) => [change.eventType, change.objectId]),
    [['UPDATED', 'b'], ['CREATED', 'd'], ['DELETED', 'c']],
  );
  const deleted = result.changes.find((change) => change.eventType === 'DELETED');
  assert.deepEqual(deleted?.record, { id: 'c' });
  assert.equal(deleted?.date, pollDate);
  assert.deepEqual(result.changes[0]?.record, { id: 'b', v: 2 });
  assert.deepEqual([...result.fingerprints.keys()], ['a', 'b', 'd']);
});

test('numeric and nested ids; records without id are skipped and counted', () => {
  const baseline = detectListingChanges([{ message: { id: 1 } }], 'message.id', null).fingerprints;
  const result = detectListingChanges([{ message: { id: 1 } }, { message: { id: 2 } }, { other: true }, null], 'message.id', baseline, { pollDate });
  assert.deepEqual(result.changes.map((change) => [change.eventType, change.objectId]), [['CREATED', '2']]);
  assert.equal(result.skipped, 2);
  assert.deepEqual(result.skippedRecords, [{ index: 2, reason: 'missing-id' }, { index: 3, reason: 'missing-id' }]);
});

test('a repeated poll yields the same versions; the generation separates A→B→A', () => {
  const previous = detectListingChanges([{ id: 'a', starred: false }], 'id', null).fingerprints;
  const first = detectListingChanges([{ id: 'a', starred: true }], 'id', previous, { generation: 3 });
  const repeat = detectListingChanges([{ starred: true, id: 'a' }], 'id', previous, { generation: 3 });
  assert.equal(first.changes[0]?.version, repeat.changes[0]?.version);
  const back = detectListingChanges([{ id: 'a', starred: false }], 'id', first.fingerprints, { generation: 4 });
  const again = detectListingChanges([{ id: 'a', starred: true }], 'id', back.fingerprints, { generation: 5 });
  assert.notEqual(again.changes[0]?.version, first.changes[0]?.version);
});

test('an id listed twice counts once, in its last form', () => {
  const result = detectListingChanges([{ id: 'a', v: 1 }, { id: 'a', v: 2 }], 'id', new Map(), { pollDate });
  assert.equal(result.changes.length, 1);
  assert.deepEqual(result.changes[0]?.record, { id: 'a', v: 2 });
});
