import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventIdFor } from '../../../src/events/deterministicId.ts';
import {
  buildNotification,
  chunkEvents,
  notificationIdFor,
  type NotificationEvent,
  type NotificationInstance,
} from '../../../src/events/delivery/notificationEnvelope.ts';

const instance: NotificationInstance = {
  id: 7,
  name: 'API Instance with Polling',
  elementKey: 'gmail',
  hubKey: 'general',
  tags: ['Docs'],
  accountId: 1,
  companyId: 2,
  userId: 3,
  user: 'owner@example.com',
};
const pollDate = new Date('2023-11-14T22:13:20.000Z');
const createdDate = new Date('2023-11-14T22:13:21.000Z');

function event(objectId: string, sequence: number, overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    id: eventIdFor(7, 'changed-messages', objectId, String(sequence)),
    sequence,
    instanceId: 7,
    objectType: 'changed-messages',
    objectId,
    eventType: 'CREATED',
    date: new Date('2023-11-14T22:13:00.000Z'),
    record: { id: objectId, labelIds: ['INBOX'] },
    ...overrides,
  };
}

test('the envelope matches the Cloud Elements contract exactly', () => {
  const events = [event('m1', 1), event('m2', 2, { eventType: 'DELETED', record: { id: 'm2' } })];
  const built = buildNotification({ instance, events, pollDate, createdDate });
  const id = notificationIdFor(events.map((item) => item.id));
  assert.deepEqual(JSON.parse(built.payload), {
    id,
    topic: 'instance-7-gmail-events',
    action: 'create',
    severity: 'medium',
    createdDate: '2023-11-14T22:13:21Z',
    user: 'owner@example.com',
    message: {
      eventId: id,
      elementKey: 'gmail',
      instanceId: 7,
      instance_id: 7,
      instanceName: 'API Instance with Polling',
      instanceTags: ['Docs'],
      accountId: 1,
      companyId: 2,
      userId: 3,
      raw: {
        'changed-messages': [{ id: 'm1', labelIds: ['INBOX'] }, { id: 'm2' }],
        objectType: 'changed-messages',
        pollDate: 1700000000000,
      },
      events: [
        { eventType: 'CREATED', objectId: 'm1', objectType: 'changed-messages', hubKey: 'general', elementKey: 'gmail', date: '2023-11-14T22:13:00Z', pollDate: '2023-11-14T22:13:20.000Z', id: events[0]?.id, sequence: 1 },
        { eventType: 'DELETED', objectId: 'm2', objectType: 'changed-messages', hubKey: 'general', elementKey: 'gmail', date: '2023-11-14T22:13:00Z', pollDate: '2023-11-14T22:13:20.000Z', id: events[1]?.id, sequence: 2 },
      ],
    },
  });
  assert.equal(built.id, id);
  assert.equal(built.payload, JSON.stringify(built.body));
});

test('a rebuilt notification has the same id and the same bytes', () => {
  const events = [event('m1', 1), event('m2', 2)];
  const first = buildNotification({ instance, events, pollDate, createdDate });
  const again = buildNotification({ instance, events: events.map((item) => ({ ...item })), pollDate, createdDate });
  assert.equal(again.payload, first.payload);
  assert.equal(notificationIdFor([events[1]?.id ?? '', events[0]?.id ?? '']), first.id);
  assert.notEqual(buildNotification({ instance, events: [event('m1', 1)], pollDate, createdDate }).id, first.id);
});

test('refuses empty, oversized and mixed batches', () => {
  assert.throws(() => buildNotification({ instance, events: [], pollDate, createdDate }), RangeError);
  const eleven = Array.from({ length: 11 }, (_, index) => event(`m${index}`, index));
  assert.throws(() => buildNotification({ instance, events: eleven, pollDate, createdDate }), /at most 10/);
  assert.throws(() => buildNotification({ instance, events: [event('a', 1), event('b', 2, { objectType: 'labels' })], pollDate, createdDate }), /labels/);
  assert.throws(() => buildNotification({ instance, events: [event('a', 1, { instanceId: 8 })], pollDate, createdDate }), /instance 8/);
});

test('chunkEvents: ≤ 10 per chunk, one instance and one objectType each, order kept', () => {
  const events = [
    ...Array.from({ length: 23 }, (_, index) => event(`m${index}`, index)),
    event('l1', 30, { objectType: 'labels' }),
    event('x1', 31, { instanceId: 9 }),
    event('m99', 32),
  ];
  const chunks = chunkEvents(events);
  assert.deepEqual(chunks.map((chunk) => chunk.length), [10, 10, 4, 1, 1]);
  for (const chunk of chunks) {
    assert.equal(new Set(chunk.map((item) => `${item.instanceId}/${item.objectType}`)).size, 1);
  }
  assert.equal(chunks[2]?.at(-1)?.objectId, 'm99');
  assert.deepEqual(chunkEvents(events, 30).map((chunk) => chunk.length), [24, 1, 1]);
  assert.deepEqual(chunkEvents([]), []);
  assert.throws(() => chunkEvents(events, 0), RangeError);
});
