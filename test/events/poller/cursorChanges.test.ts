import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsFromCursorRecords } from '../../../src/events/poller/cursorChanges.ts';

const pollDate = new Date('2024-05-01T00:00:00Z');
/** The fields a change feed's records carry, as an element names them (the Gmail element's). */
const feed = { versionField: 'historyId', createdDateField: 'internalDate' };

test('each labelled record becomes its event; the label is not part of the delivered record', () => {
  const result = eventsFromCursorRecords(
    [
      { eventType: 'CREATED', id: 'm1', historyId: '100', labelIds: ['INBOX'] },
      { eventType: 'UPDATED', id: 'm2', historyId: '101' },
      { eventType: 'DELETED', id: 'm3', historyId: '102' },
    ],
    { pollDate, ...feed },
  );
  assert.deepEqual(
    result.changes.map((change) => [change.eventType, change.objectId, change.version]),
    [['CREATED', 'm1', '100'], ['UPDATED', 'm2', '101'], ['DELETED', 'm3', 'deleted:102']],
  );
  assert.deepEqual(result.changes[0]?.record, { id: 'm1', historyId: '100', labelIds: ['INBOX'] });
  assert.equal(result.changes[0]?.date, pollDate);
});

test('several changes of one object in a page: the last wins, CREATED then UPDATED stays CREATED', () => {
  const result = eventsFromCursorRecords([
    { eventType: 'CREATED', id: 'a', historyId: 1, v: 1 },
    { eventType: 'UPDATED', id: 'b', historyId: 2 },
    { eventType: 'UPDATED', id: 'a', historyId: 3, v: 2 },
    { eventType: 'UPDATED', id: 'b', historyId: 4 },
    { eventType: 'DELETED', id: 'b', historyId: 5 },
  ], feed);
  assert.deepEqual(
    result.changes.map((change) => [change.eventType, change.objectId, change.version]),
    [['CREATED', 'a', '3'], ['DELETED', 'b', 'deleted:5']],
  );
  assert.deepEqual(result.changes[0]?.record, { id: 'a', historyId: 3, v: 2 });
});

test('bad records are skipped and reported; versions fall back to the fingerprint', () => {
  const result = eventsFromCursorRecords([{ id: 'x' }, { eventType: 'MOVED', id: 'y' }, { eventType: 'updated', id: 'z' }, { eventType: 'CREATED' }, 7]);
  assert.deepEqual(result.changes.map((change) => [change.eventType, change.objectId]), [['UPDATED', 'z']]);
  assert.match(result.changes[0]?.version ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual(result.skippedRecords, [
    { index: 0, reason: 'invalid-event-type' },
    { index: 1, reason: 'invalid-event-type' },
    { index: 3, reason: 'missing-id' },
    { index: 4, reason: 'missing-id' },
  ]);
  assert.equal(result.skipped, 4);
});

test('custom id, label and version fields', () => {
  const result = eventsFromCursorRecords([{ kind: 'CREATED', message: { id: 9 }, rev: 'r1' }], { idField: 'message.id', eventTypeField: 'kind', versionField: 'rev' });
  assert.deepEqual(result.changes.map((change) => [change.eventType, change.objectId, change.version]), [['CREATED', '9', 'r1']]);
  assert.deepEqual(result.changes[0]?.record, { message: { id: 9 }, rev: 'r1' });
});

test('no provider field is assumed: without a version or creation-date field, the fingerprint and the poll date', () => {
  const result = eventsFromCursorRecords([{ eventType: 'CREATED', id: 'm1', historyId: '100', internalDate: '1612325106789' }], { pollDate });
  assert.match(result.changes[0]?.version ?? '', /^[0-9a-f]{64}$/);
  assert.equal(result.changes[0]?.date, pollDate);
});
