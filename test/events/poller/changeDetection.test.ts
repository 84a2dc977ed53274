import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getIdField, minimalRecord, recordFingerprint } from '../../../src/events/poller/changeDetection.ts';
import { deterministicUuid, eventIdFor } from '../../../src/events/deterministicId.ts';

test('recordFingerprint ignores key order at every depth but not array order or values', () => {
  const a = recordFingerprint({ id: '1', labels: ['A', 'B'], meta: { x: 1, y: { p: true, q: null } } });
  const b = recordFingerprint({ meta: { y: { q: null, p: true }, x: 1 }, labels: ['A', 'B'], id: '1' });
  assert.equal(a, b);
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(a, recordFingerprint({ id: '1', labels: ['B', 'A'], meta: { x: 1, y: { p: true, q: null } } }));
  assert.notEqual(a, recordFingerprint({ id: '1', labels: ['A', 'B'], meta: { x: 2, y: { p: true, q: null } } }));
  assert.equal(recordFingerprint({ b: 1, 10: 'x', 9: 'y' }), recordFingerprint({ 9: 'y', 10: 'x', b: 1 }));
});

test('getIdField reads dot paths, stringifies numbers and reports missing ids as undefined', () => {
  assert.equal(getIdField({ id: 'abc' }, 'id'), 'abc');
  assert.equal(getIdField({ id: 42 }, 'id'), '42');
  assert.equal(getIdField({ message: { id: 7 } }, 'message.id'), '7');
  assert.equal(getIdField({ 'message.id': 'dotted' }, 'message.id'), 'dotted');
  assert.equal(getIdField({ message: null }, 'message.id'), undefined);
  assert.equal(getIdField({ id: '' }, 'id'), undefined);
  assert.equal(getIdField({ id: { nested: 1 } }, 'id'), undefined);
  assert.equal(getIdField({ id: Number.NaN }, 'id'), undefined);
  assert.equal(getIdField(null, 'id'), undefined);
  assert.equal(getIdField('id', 'id'), undefined);
});

test('minimalRecord nests the id along the idField path', () => {
  assert.deepEqual(minimalRecord('id', 'x'), { id: 'x' });
  assert.deepEqual(minimalRecord('message.id', 'x'), { message: { id: 'x' } });
});

test('eventIdFor is deterministic, UUID-shaped and sensitive to every part', () => {
  const id = eventIdFor(7, 'changed-messages', 'm1', '1234');
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(eventIdFor(7, 'changed-messages', 'm1', '1234'), id);
  assert.equal(eventIdFor(7, '/changed-messages', 'm1', '1234'), id, 'the leading slash does not change the resource');
  const others = [
    eventIdFor(8, 'changed-messages', 'm1', '1234'),
    eventIdFor(7, 'messages', 'm1', '1234'),
    eventIdFor(7, 'changed-messages', 'm2', '1234'),
    eventIdFor(7, 'changed-messages', 'm1', '1235'),
  ];
  assert.equal(new Set([id, ...others]).size, 5);
  assert.notEqual(deterministicUuid('n', ['a:b', 'c']), deterministicUuid('n', ['a', 'b:c']));
});
