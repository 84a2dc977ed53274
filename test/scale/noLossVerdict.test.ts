// The chaos harness's independent verdict: each failure class it must catch, shown on hand-made
// operation logs and notification bodies, and the signature checks that turn a body into a forgery.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { judge, objectKey, type MailboxOp, type OpKind, type ReceivedBody } from '../../bench/support/noLossVerdict.ts';
import { forgeryOf } from '../../bench/support/webhookVerification.ts';

const TYPE = 'changed-messages';
const I = 7;

const op = (objectId: string, kind: OpKind, historyId: number): MailboxOp => ({ instanceId: I, objectId, kind, historyId: String(historyId), at: historyId });

interface E {
  objectId: string;
  eventType: string;
  historyId: number;
  sequence: number;
}

let bodyCount = 0;
function body(events: E[], options: { id?: string; forgery?: string } = {}): ReceivedBody {
  bodyCount += 1;
  const json = {
    id: options.id ?? `n-${bodyCount}`,
    message: {
      instanceId: I,
      raw: { [TYPE]: events.map((e) => ({ id: e.objectId, historyId: String(e.historyId), labelIds: ['INBOX'] })), objectType: TYPE },
      events: events.map((e) => ({ id: `${e.objectId}@${e.eventType}@${e.historyId}`, objectType: TYPE, instanceId: I, ...e })),
    },
  };
  return { body: JSON.stringify(json), receivedAt: 1000 + bodyCount, ...(options.forgery ? { forgery: options.forgery } : {}) };
}

const run = (ops: MailboxOp[], bodies: ReceivedBody[], baseline: string[] = []) =>
  judge({ ops, bodies, objectType: TYPE, baselineObjects: new Set(baseline.map((id) => objectKey(I, id))) });

test('every op covered by an event of the right type: ok, nothing reported', () => {
  const v = run(
    [op('a', 'newMessage', 10), op('a', 'star', 11), op('a', 'delete', 12)],
    [body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 1 }]), body([{ objectId: 'a', eventType: 'UPDATED', historyId: 11, sequence: 2 }]), body([{ objectId: 'a', eventType: 'DELETED', historyId: 12, sequence: 3 }])],
  );
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.equal(v.lost.length + v.misclassified.length + v.phantom.length + v.misclassifiedEvents.length + v.orderViolations.length, 0);
});

test('changes between two polls collapse into one event carrying the latest version', () => {
  const v = run([op('a', 'newMessage', 10), op('a', 'star', 11), op('a', 'trash', 13)], [body([{ objectId: 'a', eventType: 'CREATED', historyId: 13, sequence: 1 }])]);
  assert.equal(v.ok, true, JSON.stringify(v));
});

test('a missing CREATED hidden by a later UPDATED is misclassified, not covered', () => {
  const v = run([op('a', 'newMessage', 10), op('a', 'star', 12)], [body([{ objectId: 'a', eventType: 'UPDATED', historyId: 12, sequence: 1 }])]);
  assert.equal(v.ok, false);
  assert.equal(v.lost.length, 0);
  assert.deepEqual(v.misclassified.map((f) => [f.op.kind, f.seen]), [['newMessage', ['UPDATED']]]);
  assert.match(v.misclassifiedEvents[0]!.reason, /creation no event reported/);
});

test('a missing DELETED is lost', () => {
  const v = run([op('a', 'newMessage', 10), op('a', 'delete', 14)], [body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 1 }])]);
  assert.deepEqual(v.lost.map((f) => f.op.kind), ['delete']);
  assert.equal(v.ok, false);
});

test('a label change no event reaches at or after its version is lost', () => {
  const v = run([op('a', 'newMessage', 10), op('a', 'star', 11)], [body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 1 }])]);
  assert.deepEqual(v.lost.map((f) => f.op.kind), ['star']);
});

test('a deleted label: each message that carried it needs an UPDATED; the label ops themselves expect none', () => {
  const ops = [op('a', 'newMessage', 10), op('L1', 'labelCreated', 10), op('a', 'labelAdded', 11), op('L1', 'labelRenamed', 11), op('a', 'labelDeleted', 12)];
  const created = body([{ objectId: 'a', eventType: 'CREATED', historyId: 11, sequence: 1 }]);
  const missing = run(ops, [created]);
  assert.deepEqual(missing.lost.map((f) => f.op.kind), ['labelDeleted']);
  const covered = run(ops, [created, body([{ objectId: 'a', eventType: 'UPDATED', historyId: 12, sequence: 2 }])]);
  assert.equal(covered.ok, true, JSON.stringify(covered));
  // An event on the label's id is explained by no message op, even at the label op's version.
  const onLabel = run(ops, [created, body([{ objectId: 'a', eventType: 'UPDATED', historyId: 12, sequence: 2 }]), body([{ objectId: 'L1', eventType: 'UPDATED', historyId: 11, sequence: 3 }])]);
  assert.deepEqual(onLabel.phantom.map((f) => f.event.objectId), ['L1']);
});

test('a deletion delivered as UPDATED is misclassified', () => {
  const v = run(
    [op('a', 'newMessage', 10), op('a', 'delete', 14)],
    [body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 1 }]), body([{ objectId: 'a', eventType: 'UPDATED', historyId: 14, sequence: 2 }])],
  );
  assert.deepEqual(v.misclassified.map((f) => f.op.kind), ['delete']);
  assert.match(v.misclassifiedEvents[0]!.reason, /UPDATED for a delete/);
  assert.equal(v.ok, false);
});

test('a DELETED for a message never deleted, and a CREATED for a message already seen, are misclassified events', () => {
  const deleted = run([op('a', 'newMessage', 10), op('a', 'star', 11)], [body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 1 }, { objectId: 'a', eventType: 'DELETED', historyId: 11, sequence: 2 }])]);
  assert.match(deleted.misclassifiedEvents[0]!.reason, /DELETED for a star/);
  const recreated = run(
    [op('a', 'newMessage', 10), op('a', 'star', 11)],
    [body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 1 }]), body([{ objectId: 'a', eventType: 'CREATED', historyId: 11, sequence: 2 }])],
  );
  assert.match(recreated.misclassifiedEvents[0]!.reason, /CREATED after an earlier event/);
  assert.equal(recreated.ok, false);
});

test('events no operation explains are phantoms', () => {
  const v = run(
    [op('a', 'newMessage', 10)],
    [
      body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 1 }]),
      body([{ objectId: 'zz', eventType: 'CREATED', historyId: 20, sequence: 2 }]),
      body([{ objectId: 'a', eventType: 'UPDATED', historyId: 99, sequence: 3 }]),
    ],
  );
  assert.deepEqual(v.phantom.map((p) => p.reason).sort(), ['no operation made version 99', 'no operation touched this object']);
  assert.equal(v.ok, false);
});

test('an event whose raw record names another object is a phantom', () => {
  const good = body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 1 }]);
  const tampered = { ...good, body: good.body.replace('"id":"a","historyId"', '"id":"b","historyId"') };
  const v = run([op('a', 'newMessage', 10)], [tampered]);
  assert.equal(v.phantom[0]!.reason, 'raw record does not match the event');
  assert.deepEqual(v.lost.map((f) => f.op.kind), ['newMessage']);
});

test('ops on messages that existed before the instance are ops too; a CREATED for one is misclassified', () => {
  const fine = run([op('old', 'star', 30)], [body([{ objectId: 'old', eventType: 'UPDATED', historyId: 30, sequence: 1 }])], ['old']);
  assert.equal(fine.ok, true, JSON.stringify(fine));
  const wrong = run([op('old', 'star', 30)], [body([{ objectId: 'old', eventType: 'CREATED', historyId: 30, sequence: 1 }])], ['old']);
  assert.match(wrong.misclassifiedEvents[0]!.reason, /existed before the instance/);
  const unexplained = run([], [body([{ objectId: 'old', eventType: 'UPDATED', historyId: 31, sequence: 1 }])], ['old']);
  assert.equal(unexplained.phantom.length, 1);
});

test('an event without a positive integer sequence is malformed (a phantom), not silently ordered', () => {
  const v = run([op('a', 'newMessage', 10)], [body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: Number.NaN }])]);
  assert.deepEqual(v.phantom.map((f) => f.reason), ['sequence null is not a positive integer']);
});

test("a DELETED without a version (an expired history's recovery) covers the message's deletion, and is a phantom without one", () => {
  const unversioned = (objectId: string): ReceivedBody => {
    bodyCount += 1;
    const json = { id: `n-${bodyCount}`, message: { instanceId: I, raw: { [TYPE]: [{ id: objectId }], objectType: TYPE }, events: [{ id: `${objectId}@DELETED@gap`, objectType: TYPE, instanceId: I, objectId, eventType: 'DELETED', sequence: 9 }] } };
    return { body: JSON.stringify(json), receivedAt: 1000 + bodyCount };
  };
  const created = body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 1 }]);
  const covered = run([op('a', 'newMessage', 10), op('a', 'star', 11), op('a', 'delete', 12)], [created, unversioned('a')]);
  assert.equal(covered.ok, true, JSON.stringify(covered));
  assert.equal(covered.unversionedDeletes, 1);
  const neverDeleted = run([op('a', 'newMessage', 10), op('a', 'star', 11)], [created, unversioned('a')]);
  assert.deepEqual(neverDeleted.phantom.map((f) => f.reason), ['DELETED without a version of a message never deleted']);
  assert.deepEqual(neverDeleted.lost.map((f) => f.op.kind), ['star']);
});

test('duplicates are allowed and counted', () => {
  const once = body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 1 }], { id: 'n-same' });
  const again = { ...once, receivedAt: once.receivedAt + 5 };
  const v = run([op('a', 'newMessage', 10)], [once, again]);
  assert.equal(v.ok, true);
  assert.equal(v.duplicatedDeliveries, 1);
  assert.equal(v.duplicatedEvents, 1);
  assert.equal(v.uniqueEvents, 1);
});

test('per object, a higher sequence with a lower historyId is an order violation', () => {
  const v = run(
    [op('a', 'newMessage', 10), op('a', 'star', 11)],
    [body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 5 }]), body([{ objectId: 'a', eventType: 'UPDATED', historyId: 11, sequence: 4 }])],
  );
  assert.equal(v.orderViolations.length, 1);
});

test('a message deleted before any poll saw it may be reported by its DELETED alone (counted)', () => {
  const v = run([op('a', 'newMessage', 10), op('a', 'star', 11), op('a', 'delete', 12)], [body([{ objectId: 'a', eventType: 'DELETED', historyId: 12, sequence: 1 }])]);
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.equal(v.createdThenDeleted, 1);
});

test('a forged body counts as forged and its events cover nothing', () => {
  const v = run([op('a', 'newMessage', 10)], [body([{ objectId: 'a', eventType: 'CREATED', historyId: 10, sequence: 1 }], { forgery: 'Elements-Webhook-Signature does not match' })]);
  assert.equal(v.forged.length, 1);
  assert.equal(v.lost.length, 1);
  assert.equal(v.ok, false);
});

test('forgeryOf accepts both signatures and names the one that fails', () => {
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const keys = { webhookSecret: secret, signatureKey: 'sig-key' };
  const payload = JSON.stringify({ id: 'n', message: { instanceId: I, events: [] } });
  const headersFor = (bodyText: string, sigKey = 'sig-key') => ({
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': new Webhook(secret).sign('msg_1', new Date(), bodyText),
    'elements-webhook-signature': `sha256=${createHmac('sha256', sigKey).update(bodyText).digest('base64')}`,
  });
  const keysOf = (id: number) => (id === I ? keys : undefined);
  assert.equal(forgeryOf(payload, headersFor(payload), keysOf), undefined);
  assert.match(forgeryOf(payload.replace('"n"', '"m"'), headersFor(payload), keysOf)!, /Standard Webhooks/);
  assert.match(forgeryOf(payload, headersFor(payload, 'other-key'), keysOf)!, /Elements-Webhook-Signature/);
  assert.match(forgeryOf(payload.replace(`${I}`, '8'), headersFor(payload.replace(`${I}`, '8')), keysOf)!, /no keys/);
});
