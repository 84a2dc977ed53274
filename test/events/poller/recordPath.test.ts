// The one dot-path reading in provider records, as the id field and the date fields use it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRecordPath } from '../../../src/events/poller/recordPath.ts';
import { getIdField } from '../../../src/events/index.ts';

test('reads nested values, list items by index, and undefined for a missing step', () => {
  const record = { message: { id: 'm1', payload: { internalDate: '1700000000000' } }, items: [{ id: 'i0' }] };
  assert.equal(readRecordPath(record, 'message.id'), 'm1');
  assert.equal(readRecordPath(record, 'message.payload.internalDate'), '1700000000000');
  assert.equal(readRecordPath(record, 'items.0.id'), 'i0');
  assert.equal(readRecordPath(record, 'message.missing.id'), undefined);
  assert.equal(readRecordPath(record, 'message.id.length'), undefined, 'a string is not walked into');
  assert.equal(readRecordPath(null, 'id'), undefined);
  assert.equal(readRecordPath('text', 'id'), undefined);
});

test('an exact key containing dots wins over the path', () => {
  const record = { 'message.id': 'flat', message: { id: 'nested' } };
  assert.equal(readRecordPath(record, 'message.id'), 'flat');
  assert.equal(getIdField(record, 'message.id'), 'flat');
});
