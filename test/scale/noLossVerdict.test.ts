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

// --- Outlook: versions are Graph changeKeys, unordered strings; each op's rank (its place among its
// object's ops, in the order the harness made them) orders them, and an event's version is the rank of
// the op whose changeKey its record carries.

const O = 9;
const outlookOp = (objectId: string, kind: OpKind, changeKey: string | undefined, at = 0): MailboxOp => ({
  provider: 'outlook',
  instanceId: O,
  objectId,
  kind,
  ...(changeKey === undefined ? {} : { changeKey }),
  at,
});

interface OE {
  objectId: string;
  eventType: string;
  /** Absent: a record with the id only (Graph's @removed). */
  changeKey?: string;
  sequence: number;
}

function outlookBody(events: OE[]): ReceivedBody {
  bodyCount += 1;
  const records = events.map((e) =>
    e.changeKey === undefined ? { id: e.objectId } : { id: e.objectId, changeKey: e.changeKey, parentFolderId: 'inbox-id', isRead: false, flag: { flagStatus: 'notFlagged' } },
  );
  const json = {
    id: `n-${bodyCount}`,
    message: {
      instanceId: O,
      raw: { [TYPE]: records, objectType: TYPE },
      events: events.map((e) => ({ id: `${e.objectId}@${e.eventType}@${e.changeKey ?? 'removed'}`, objectType: TYPE, instanceId: O, objectId: e.objectId, eventType: e.eventType, sequence: e.sequence })),
    },
  };
  return { body: JSON.stringify(json), receivedAt: 1000 + bodyCount };
}

const runMixed = (ops: MailboxOp[], bodies: ReceivedBody[], baseline: string[] = []) =>
  judge({ ops, bodies, objectType: TYPE, baselineObjects: new Set(baseline.map((id) => objectKey(O, id))) });

test('Outlook: new message, read, flag, a move (UPDATED) and a delete (DELETED with the id only), each covered: ok', () => {
  const ops = [
    outlookOp('m', 'newMessage', 'ck-1'),
    outlookOp('m', 'read', 'ck-2'),
    outlookOp('m', 'flag', 'ck-3'),
    outlookOp('m', 'move', 'ck-4'),
    outlookOp('m', 'delete', undefined),
  ];
  const v = runMixed(ops, [
    outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'ck-1', sequence: 1 }]),
    outlookBody([{ objectId: 'm', eventType: 'UPDATED', changeKey: 'ck-3', sequence: 2 }]),
    outlookBody([{ objectId: 'm', eventType: 'UPDATED', changeKey: 'ck-4', sequence: 3 }]),
    outlookBody([{ objectId: 'm', eventType: 'DELETED', sequence: 4 }]),
  ]);
  assert.equal(v.ok, true, JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x)));
  assert.equal(v.lost.length + v.misclassified.length + v.phantom.length + v.misclassifiedEvents.length + v.orderViolations.length, 0);
  assert.equal(v.unversionedDeletes, 1);
  assert.equal(v.coveredAt.size, ops.length);
});

test('Outlook: changes between two polls collapse into one event carrying the last changeKey', () => {
  const v = runMixed(
    [outlookOp('m', 'newMessage', 'ck-a'), outlookOp('m', 'unread', 'ck-b'), outlookOp('m', 'unflag', 'ck-c'), outlookOp('m', 'move', 'ck-d')],
    [outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'ck-d', sequence: 1 }])],
  );
  assert.equal(v.ok, true);
});

test('Outlook: a change no event reaches at or after its rank is lost, though events with other changeKeys arrived', () => {
  // The changeKeys sort the other way round ('z' > 'b'), so a string comparison would call the flag covered.
  const v = runMixed(
    [outlookOp('m', 'newMessage', 'z-1'), outlookOp('m', 'read', 'y-2'), outlookOp('m', 'flag', 'b-3')],
    [outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'z-1', sequence: 1 }]), outlookBody([{ objectId: 'm', eventType: 'UPDATED', changeKey: 'y-2', sequence: 2 }])],
  );
  assert.deepEqual(
    v.lost.map((f) => f.op.kind),
    ['flag'],
  );
  assert.equal(v.ok, false);
  // A move no event reached is lost as well.
  const moved = runMixed([outlookOp('m', 'newMessage', 'k1'), outlookOp('m', 'move', 'k2')], [outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'k1', sequence: 1 }])]);
  assert.deepEqual(
    moved.lost.map((f) => f.op.kind),
    ['move'],
  );
  // And a deletion whose DELETED never came.
  const deleted = runMixed([outlookOp('m', 'newMessage', 'k1'), outlookOp('m', 'delete', undefined)], [outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'k1', sequence: 1 }])]);
  assert.deepEqual(
    deleted.lost.map((f) => f.op.kind),
    ['delete'],
  );
});

test('Outlook: a changeKey no op on the message got is a phantom and covers nothing', () => {
  const v = runMixed(
    [outlookOp('m', 'newMessage', 'k1'), outlookOp('m', 'read', 'k2'), outlookOp('other', 'newMessage', 'k9')],
    [
      outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'k1', sequence: 1 }]),
      // k9 is another message's changeKey: not a version of m.
      outlookBody([{ objectId: 'm', eventType: 'UPDATED', changeKey: 'k9', sequence: 2 }]),
      outlookBody([{ objectId: 'other', eventType: 'CREATED', changeKey: 'k9', sequence: 3 }]),
    ],
  );
  assert.deepEqual(
    v.phantom.map((p) => p.reason),
    ['no operation made version k9'],
  );
  assert.deepEqual(
    v.lost.map((f) => f.op.kind),
    ['read'],
  );
  const unknownObject = runMixed([outlookOp('m', 'newMessage', 'k1')], [outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'k1', sequence: 1 }, { objectId: 'zz', eventType: 'CREATED', changeKey: 'k1', sequence: 2 }])]);
  assert.deepEqual(
    unknownObject.phantom.map((p) => p.reason),
    ['no operation touched this object'],
  );
  // A record without a changeKey that is not a deletion, and an id-only DELETED of a message never deleted.
  const bare = runMixed(
    [outlookOp('m', 'newMessage', 'k1'), outlookOp('m', 'read', 'k2')],
    [outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'k1', sequence: 1 }, { objectId: 'm', eventType: 'UPDATED', sequence: 2 }]), outlookBody([{ objectId: 'm', eventType: 'DELETED', sequence: 3 }])],
  );
  assert.deepEqual(
    bare.phantom.map((p) => p.reason).sort(),
    ['DELETED without a version of a message never deleted', 'record has no changeKey'],
  );
  assert.equal(bare.ok, false);
});

test('Outlook: a move reported as DELETED, and a new message reported only as UPDATED, are misclassified', () => {
  const moved = runMixed(
    [outlookOp('m', 'newMessage', 'k1'), outlookOp('m', 'move', 'k2')],
    [outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'k1', sequence: 1 }]), outlookBody([{ objectId: 'm', eventType: 'DELETED', changeKey: 'k2', sequence: 2 }])],
  );
  assert.deepEqual(
    moved.misclassified.map((f) => [f.op.kind, f.seen]),
    [['move', ['DELETED']]],
  );
  assert.match(moved.misclassifiedEvents[0]!.reason, /DELETED for a move/);
  assert.equal(moved.ok, false);
  const hidden = runMixed([outlookOp('m', 'newMessage', 'k1'), outlookOp('m', 'flag', 'k2')], [outlookBody([{ objectId: 'm', eventType: 'UPDATED', changeKey: 'k2', sequence: 1 }])]);
  assert.deepEqual(
    hidden.misclassified.map((f) => [f.op.kind, f.seen]),
    [['newMessage', ['UPDATED']]],
  );
  assert.match(hidden.misclassifiedEvents[0]!.reason, /creation no event reported/);
  // A move into the other watched folder announced as a new message (CREATED again) is misclassified too.
  const recreated = runMixed(
    [outlookOp('m', 'newMessage', 'k1'), outlookOp('m', 'move', 'k2')],
    [outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'k1', sequence: 1 }]), outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'k2', sequence: 2 }])],
  );
  assert.match(recreated.misclassifiedEvents[0]!.reason, /CREATED after an earlier event/);
});

test('Outlook: messages from before the instance; order judged by rank', () => {
  const fine = runMixed([outlookOp('old', 'move', 'k7'), outlookOp('old', 'unread', 'k8')], [outlookBody([{ objectId: 'old', eventType: 'UPDATED', changeKey: 'k7', sequence: 1 }, { objectId: 'old', eventType: 'UPDATED', changeKey: 'k8', sequence: 2 }])], ['old']);
  assert.equal(fine.ok, true);
  const wrong = runMixed([outlookOp('old', 'flag', 'k7')], [outlookBody([{ objectId: 'old', eventType: 'CREATED', changeKey: 'k7', sequence: 1 }])], ['old']);
  assert.match(wrong.misclassifiedEvents[0]!.reason, /existed before the instance/);
  const reordered = runMixed(
    [outlookOp('old', 'read', 'k1'), outlookOp('old', 'flag', 'k2')],
    [outlookBody([{ objectId: 'old', eventType: 'UPDATED', changeKey: 'k2', sequence: 1 }]), outlookBody([{ objectId: 'old', eventType: 'UPDATED', changeKey: 'k1', sequence: 2 }])],
    ['old'],
  );
  assert.equal(reordered.orderViolations.length, 1);
});

test('Gmail and Outlook instances judged side by side, each by its own version field', () => {
  const ops = [op('a', 'newMessage', 10), op('a', 'star', 11), outlookOp('m', 'newMessage', 'k1'), outlookOp('m', 'flag', 'k2')];
  const bodies = [
    body([{ objectId: 'a', eventType: 'CREATED', historyId: 11, sequence: 1 }]),
    outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'k1', sequence: 1 }]),
    outlookBody([{ objectId: 'm', eventType: 'UPDATED', changeKey: 'k2', sequence: 2 }]),
  ];
  const v = judge({ ops, bodies, objectType: TYPE, baselineObjects: new Set() });
  assert.equal(v.ok, true);
  // An Outlook record carrying a Gmail-style historyId instead of a changeKey versions nothing.
  const crossed = judge({
    ops,
    bodies: [bodies[0]!, { ...bodies[1]!, body: bodies[1]!.body.replace('"changeKey":"k1"', '"historyId":"1"') }, bodies[2]!],
    objectType: TYPE,
    baselineObjects: new Set(),
  });
  assert.deepEqual(
    crossed.phantom.map((p) => p.reason),
    ['record has no changeKey'],
  );
  assert.throws(() => judge({ ops: [op('a', 'newMessage', 1), { ...outlookOp('a', 'read', 'k'), instanceId: I }], bodies: [], objectType: TYPE, baselineObjects: new Set() }), /both gmail and outlook/);
});

test('Outlook: a message created and deleted between two delta rounds, of which nothing arrived, is excused (counted); any event of it and the rules apply', () => {
  const ops = [outlookOp('m', 'newMessage', 'k1'), outlookOp('m', 'flag', 'k2'), outlookOp('m', 'delete', undefined)];
  const unseen = runMixed(ops, []);
  assert.equal(unseen.ok, true, JSON.stringify(unseen.lost));
  assert.equal(unseen.vanishedBetweenPolls, 1);
  // Its CREATED arrived: its DELETED must arrive as well.
  const halfSeen = runMixed(ops, [outlookBody([{ objectId: 'm', eventType: 'CREATED', changeKey: 'k2', sequence: 1 }])]);
  assert.deepEqual(
    halfSeen.lost.map((f) => f.op.kind),
    ['delete'],
  );
  assert.equal(halfSeen.vanishedBetweenPolls, 0);
  // A message from before the instance was in a watched folder when the baseline round ended: its deletion is owed.
  const old = runMixed([outlookOp('old', 'read', 'k5'), outlookOp('old', 'delete', undefined)], [], ['old']);
  assert.deepEqual(
    old.lost.map((f) => f.op.kind),
    ['read', 'delete'],
  );
  // A message deleted without having been created by the harness (no newMessage) is not excused either.
  const notOurs = runMixed([outlookOp('x', 'read', 'k5'), outlookOp('x', 'delete', undefined)], []);
  assert.equal(notOurs.lost.length, 2);
  // Gmail's history keeps the deletion: there such a message needs at least its DELETED.
  const gmail = run([op('a', 'newMessage', 10), op('a', 'delete', 12)], []);
  assert.deepEqual(
    gmail.lost.map((f) => f.op.kind),
    ['newMessage', 'delete'],
  );
  assert.equal(gmail.vanishedBetweenPolls, 0);
});
