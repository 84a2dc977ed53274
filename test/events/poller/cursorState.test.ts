// The state a cursor resource keeps for an expired cursor: fingerprints that ignore list order and
// unrelated fields, and the comparison of a snapshot with what the receiver was told.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DetectedChange } from '../../../src/events/eventTypes.ts';
import { compareSnapshot, pageFingerprints, stateFingerprint } from '../../../src/events/poller/cursorState.ts';

const fields = ['labelIds'];

test('a fingerprint covers the named fields only, whatever the order of a list', () => {
  const a = stateFingerprint({ id: '1', labelIds: ['INBOX', 'STARRED'], snippet: 'x' }, fields);
  assert.equal(stateFingerprint({ id: '1', labelIds: ['STARRED', 'INBOX'], snippet: 'y', subject: 's' }, fields), a);
  assert.notEqual(stateFingerprint({ id: '1', labelIds: ['INBOX'] }, fields), a);
  assert.notEqual(stateFingerprint({ id: '1' }, fields), stateFingerprint({ id: '1', labelIds: [] }, fields));
});

test('a snapshot compared with the known state gives the deleted, updated and created objects', () => {
  const known = new Map([
    ['gone', stateFingerprint({ labelIds: ['INBOX'] }, fields)],
    ['relabelled', stateFingerprint({ labelIds: ['INBOX'] }, fields)],
    ['same', stateFingerprint({ labelIds: ['INBOX', 'UNREAD'] }, fields)],
  ]);
  const snapshot = [
    { id: 'relabelled', labelIds: ['INBOX', 'STARRED'] },
    { id: 'same', labelIds: ['UNREAD', 'INBOX'] },
    { id: 'new', labelIds: ['INBOX'] },
    { labelIds: ['no id'] },
  ];
  const difference = compareSnapshot(known, snapshot, 'id', fields);
  assert.deepEqual(difference.deleted, ['gone']);
  assert.deepEqual(difference.updated, ['relabelled']);
  assert.deepEqual(difference.created, ['new']);
  assert.equal(difference.skipped, 1);
  assert.deepEqual([...difference.fingerprints.keys()].sort(), ['new', 'relabelled', 'same']);
  assert.deepEqual(compareSnapshot(difference.fingerprints, snapshot, 'id', fields), { ...difference, deleted: [], updated: [], created: [] }, 'the new state compares equal to its snapshot');
});

test("a page's fingerprints cover its created and updated objects, not its deleted ones", () => {
  const change = (objectId: string, eventType: DetectedChange['eventType'], labelIds: string[]): DetectedChange => ({ objectId, eventType, record: { id: objectId, labelIds }, version: '1', date: new Date(0) });
  const page = pageFingerprints([change('a', 'CREATED', ['INBOX']), change('b', 'UPDATED', ['STARRED']), change('c', 'DELETED', [])], fields);
  assert.deepEqual([...page.keys()], ['a', 'b']);
  assert.equal(page.get('b'), stateFingerprint({ labelIds: ['STARRED'] }, fields));
});
