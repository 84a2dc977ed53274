// The date of a change read from a cursor feed: a CREATED record's own creation date (Gmail internalDate,
// epoch ms or ISO-8601); the poll date for what the feed does not date (updates, deletions, bad values).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventsFromCursorRecords } from '../../../src/events/poller/cursorChanges.ts';

const pollDate = new Date('2024-05-01T00:00:00Z');
/** The fields a change feed's records carry, as an element names them (the Gmail element's). */
const feed = { versionField: 'historyId', createdDateField: 'internalDate' };
const dateOf = (records: unknown[], options = {}) => eventsFromCursorRecords(records, { pollDate, ...feed, ...options }).changes.map((c) => [c.objectId, c.date.toISOString()]);

test("a CREATED event is dated by the record's creation date, epoch ms or ISO-8601", () => {
  assert.deepEqual(
    dateOf([
      { eventType: 'CREATED', id: 'ms', historyId: '1', internalDate: '1612325106789' },
      { eventType: 'CREATED', id: 'number', historyId: '2', internalDate: 1612325106789 },
      { eventType: 'CREATED', id: 'iso', historyId: '3', internalDate: '2021-02-03T04:05:06Z' },
    ]),
    [
      ['ms', '2021-02-03T04:05:06.789Z'],
      ['number', '2021-02-03T04:05:06.789Z'],
      ['iso', '2021-02-03T04:05:06.000Z'],
    ],
  );
});

test('updates and deletions carry no date in a change feed: the poll date', () => {
  assert.deepEqual(
    dateOf([
      { eventType: 'UPDATED', id: 'u', historyId: '4', internalDate: '1612325106789' },
      { eventType: 'DELETED', id: 'd', historyId: '5' },
    ]),
    [
      ['u', pollDate.toISOString()],
      ['d', pollDate.toISOString()],
    ],
  );
});

test('CREATED then UPDATED in one page stays CREATED, dated by the creation', () => {
  assert.deepEqual(
    dateOf([
      { eventType: 'CREATED', id: 'a', historyId: '6', internalDate: '1612325106789' },
      { eventType: 'UPDATED', id: 'a', historyId: '7', internalDate: '1612325106789' },
    ]),
    [['a', '2021-02-03T04:05:06.789Z']],
  );
});

test('a missing, unparsable or non-positive creation date falls back to the poll date', () => {
  assert.deepEqual(
    dateOf([
      { eventType: 'CREATED', id: 'none', historyId: '8' },
      { eventType: 'CREATED', id: 'text', historyId: '9', internalDate: 'yesterday' },
      { eventType: 'CREATED', id: 'zero', historyId: '10', internalDate: '0' },
      { eventType: 'CREATED', id: 'empty', historyId: '11', internalDate: '' },
    ]),
    ['none', 'text', 'zero', 'empty'].map((id) => [id, pollDate.toISOString()]),
  );
});

test('another field can name the creation date', () => {
  assert.deepEqual(dateOf([{ eventType: 'CREATED', id: 'x', rev: 'r', born: '2020-01-01T00:00:00Z' }], { createdDateField: 'born', versionField: 'rev' }), [['x', '2020-01-01T00:00:00.000Z']]);
});
