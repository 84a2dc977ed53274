// The chaos harness's verdict, independent of the product: it compares the log of operations the harness
// itself made on the mailboxes (with the version the provider returned for each) against the notification
// bodies the receiver got. The product's database is never consulted. Plain data in, plain data out.
//
// Observed: every received body whose signatures verified (both schemes, see webhookVerification.ts); a
// body that failed is "forged" and none of its events count. Each body's `message.events[i]` goes with
// `message.raw[objectType][i]` (notificationEnvelope.ts): the event's version is read from that record.
// An event id received more than once is one event (a duplicate, allowed and counted).
//
// Versions, per provider (an instance is Gmail or Outlook by the ops made on it):
// - Gmail: the op's version is the historyId Gmail gave the object after the op; an event's is its
//   record's `historyId`. Both are compared as integers.
// - Outlook: Graph's `changeKey` is an opaque string with no order. Each op gets a rank instead: per
//   object, its place (1, 2, …) in the order the harness made that object's ops (the op log's order; ops
//   on one mailbox are sequential). An event's version is the rank of the object's op whose changeKey
//   equals its record's `changeKey` (the lowest, should two ops share one); a changeKey no op on the
//   object got is a phantom, as an unknown historyId is. A delete has no changeKey (Graph answers 204):
//   its rank alone; a DELETED record carrying no changeKey (Graph's `@removed` has the id only) is
//   matched to the deletion as below. The rules then read "version" as the rank.
//
// Rules, per operation on object X with version h (the version the provider gave the object after the op):
// - new message: a CREATED event of X with version ≥ h. If X was deleted before any poll saw it the
//   product emits only DELETED: a DELETED of X is then accepted, counted as `createdThenDeleted`.
// - label added/removed, read, unread, star, unstar, trash, untrash, flag, unflag, move (Outlook: between
//   two watched folders, the id kept): a CREATED or UPDATED event of X with version ≥ h (Gmail's history
//   and Graph's delta collapse changes between two polls into one event carrying the latest version),
//   or a DELETED of X when X was later deleted.
// - label deleted (X lost a user label because the label itself was deleted): as a label removal.
// - delete: a DELETED event of X (Gmail: its historyId is the deletion's own history record, ≥ h). A
//   DELETED without a version (an expired-history recovery only knows the message is gone; Outlook's
//   deletions always) counts as carrying the deletion's version; without a deletion of X it is a phantom.
// - label created or renamed (X is the label): no message changes, so no event may answer it; an event
//   whose object is a label id is phantom like any event on an unknown object.
// - Outlook only, a message the harness created and deleted of which no event at all arrived: it came
//   and went between two delta rounds the product committed, and Graph's delta reports nothing of such a
//   message (it was in no watched folder when the older round ended and is in none now), so no product
//   can. Its ops are excused and counted (`vanishedBetweenPolls`). One event of it, of any type, and
//   the rules above apply in full (e.g. a CREATED then needs its DELETED). Gmail's history keeps the
//   deletion, so there such a message needs its DELETED (createdThenDeleted).
// An op with no event of X at or after h is LOST; one covered only by events of the wrong type is
// MISCLASSIFIED. Each event is also judged on its own:
// - PHANTOM: its object is unknown, or no op on X has exactly its version (every event version is the
//   version of one of our ops: the emulators give each change its own history record or changeKey), or
//   its event and raw record disagree on the object id, or it has no positive integer `sequence` (order
//   is judged by it).
// - misclassified event: a DELETED that is not our deletion; a CREATED after the receiver already got an
//   event of X (or of a message that existed before the instance); an UPDATED of a message whose
//   creation no earlier event reported — the "CREATED hidden by a later UPDATED" case.
// - order violation: per object, an event with a higher `sequence` and a lower version than another.

export type OpKind =
  | 'newMessage'
  | 'labelAdded'
  | 'labelRemoved'
  | 'labelDeleted'
  | 'read'
  | 'unread'
  | 'star'
  | 'unstar'
  | 'trash'
  | 'untrash'
  | 'delete'
  | 'labelCreated'
  | 'labelRenamed'
  // Outlook only: the message's flag set or cleared, the message moved between two watched folders.
  | 'flag'
  | 'unflag'
  | 'move';

export type Provider = 'gmail' | 'outlook';

interface OpBase {
  instanceId: number;
  objectId: string;
  kind: OpKind;
  /** ms epoch when the op was made (for recovery figures only). */
  at: number;
}

export interface GmailOp extends OpBase {
  provider?: 'gmail';
  /** Gmail's historyId of the object right after the op (for a delete: the mailbox's, read right after). */
  historyId: string;
}

export interface OutlookOp extends OpBase {
  provider: 'outlook';
  /** Graph's changeKey of the message after the op, from Graph's answer; none for a delete (204). */
  changeKey?: string;
}

export type MailboxOp = GmailOp | OutlookOp;

/** A notification body the receiver got, with the outcome of its signature checks. */
export interface ReceivedBody {
  body: string;
  receivedAt: number;
  /** undefined when both signatures verified; otherwise why not. */
  forgery?: string;
}

export interface VerdictInput {
  ops: readonly MailboxOp[];
  /** Messages that existed before their instance was connected (instanceId/objectId keys made by objectKey). */
  baselineObjects: ReadonlySet<string>;
  bodies: readonly ReceivedBody[];
  /** Object type of the polled resource (`changed-messages`, for Gmail and Outlook alike). */
  objectType: string;
  /** Outlook instances (their records carry `changeKey`); instances with Outlook ops are Outlook anyway. */
  outlookInstances?: ReadonlySet<number>;
}

export interface ReceivedEvent {
  id: string;
  instanceId: number;
  objectId: string;
  eventType: string;
  sequence: number;
  /** The record's version as the provider wrote it (Gmail: historyId; Outlook: changeKey); undefined when absent. */
  providerVersion: string | undefined;
  /** The comparable version (Gmail: the historyId; Outlook: the rank of the op that made the changeKey), once resolved. */
  version: bigint | undefined;
  firstReceivedAt: number;
}

export interface OpFinding {
  op: MailboxOp;
  /** The event types that did cover it (misclassified only). */
  seen?: string[];
}

export interface EventFinding {
  event: ReceivedEvent;
  reason: string;
}

export interface Verdict {
  ops: number;
  bodies: number;
  uniqueEvents: number;
  lost: OpFinding[];
  misclassified: OpFinding[];
  misclassifiedEvents: EventFinding[];
  phantom: EventFinding[];
  forged: { receivedAt: number; reason: string }[];
  /** Extra receptions of a notification id already received. */
  duplicatedDeliveries: number;
  /** Extra receptions of an event id already received. */
  duplicatedEvents: number;
  /** Per object: pairs of events whose sequence and version disagree on the order. */
  orderViolations: { instanceId: number; objectId: string; earlier: string; later: string }[];
  /** Two different events of one instance with the same sequence. */
  sequenceReuse: number;
  /** DELETED events without a version (an expired-history recovery's), matched to their deletion. */
  unversionedDeletes: number;
  /** New messages reported only by their DELETED (deleted before any poll saw them). */
  createdThenDeleted: number;
  /** Outlook messages created and deleted between two delta rounds, of which nothing arrived (nor could). */
  vanishedBetweenPolls: number;
  /** Per op: when the first covering event arrived (ms epoch; label ops: when made), for recovery figures. */
  coveredAt: Map<MailboxOp, number>;
  /** lost, misclassified (ops and events), phantom and forged are all zero. */
  ok: boolean;
}

export function objectKey(instanceId: number, objectId: string): string {
  return `${instanceId}/${objectId}`;
}

const LABEL_KINDS: ReadonlySet<OpKind> = new Set(['labelAdded', 'labelRemoved', 'labelDeleted', 'read', 'unread', 'star', 'unstar', 'trash', 'untrash', 'flag', 'unflag', 'move']);
/** Ops on a label itself: they change no message. */
const LABEL_OBJECT_KINDS: ReadonlySet<OpKind> = new Set(['labelCreated', 'labelRenamed']);

interface EnvelopeShape {
  id?: unknown;
  message?: { instanceId?: unknown; events?: unknown; raw?: Record<string, unknown> };
}

/** The field of a provider's records that carries the version. */
const VERSION_FIELD: Record<Provider, string> = { gmail: 'historyId', outlook: 'changeKey' };

const providerOf = (op: MailboxOp): Provider => op.provider ?? 'gmail';

/** Each instance's provider, from the ops made on it (an instance mixing providers is a harness bug). */
function instanceProviders(input: VerdictInput): Map<number, Provider> {
  const providers = new Map<number, Provider>();
  for (const id of input.outlookInstances ?? []) providers.set(id, 'outlook');
  for (const op of input.ops) {
    const known = providers.get(op.instanceId);
    if (known !== undefined && known !== providerOf(op)) throw new Error(`instance ${op.instanceId} has both ${known} and ${providerOf(op)} ops`);
    providers.set(op.instanceId, providerOf(op));
  }
  return providers;
}

/**
 * Each op's comparable version: Gmail's historyId, or for Outlook the op's rank among its object's ops
 * (1 for the first the harness made). Throws when an Outlook op other than a delete has no changeKey.
 */
function opVersions(ops: readonly MailboxOp[]): Map<MailboxOp, bigint> {
  const versions = new Map<MailboxOp, bigint>();
  const made = new Map<string, number>();
  for (const op of ops) {
    if (op.provider !== 'outlook') {
      versions.set(op, BigInt(op.historyId));
      continue;
    }
    if (op.changeKey === undefined && op.kind !== 'delete') throw new Error(`Outlook op ${op.kind} on ${op.objectId} has no changeKey`);
    const key = objectKey(op.instanceId, op.objectId);
    const rank = (made.get(key) ?? 0) + 1;
    made.set(key, rank);
    versions.set(op, BigInt(rank));
  }
  return versions;
}

/** The events of the verified bodies, each once, with duplicates and malformed entries counted. */
function collectEvents(input: VerdictInput, providers: ReadonlyMap<number, Provider>, verdict: Verdict): Map<string, ReceivedEvent> {
  const events = new Map<string, ReceivedEvent>();
  const notifications = new Set<string>();
  for (const received of input.bodies) {
    if (received.forgery !== undefined) {
      verdict.forged.push({ receivedAt: received.receivedAt, reason: received.forgery });
      continue;
    }
    let body: EnvelopeShape;
    try {
      body = JSON.parse(received.body) as EnvelopeShape;
    } catch {
      verdict.forged.push({ receivedAt: received.receivedAt, reason: 'body is not JSON' });
      continue;
    }
    const notificationId = String(body.id);
    if (notifications.has(notificationId)) verdict.duplicatedDeliveries += 1;
    notifications.add(notificationId);
    const list = Array.isArray(body.message?.events) ? (body.message.events as Record<string, unknown>[]) : [];
    const raw = body.message?.raw ?? {};
    for (const [index, entry] of list.entries()) {
      const id = String(entry.id);
      if (events.has(id)) {
        verdict.duplicatedEvents += 1;
        continue;
      }
      const objectType = String(entry.objectType);
      const records = Array.isArray(raw[objectType]) ? (raw[objectType] as Record<string, unknown>[]) : [];
      const record = records[index];
      const instanceId = Number(entry.instanceId ?? body.message?.instanceId);
      const field = VERSION_FIELD[providers.get(instanceId) ?? 'gmail'];
      const value = record?.[field];
      const providerVersion = typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
      const event: ReceivedEvent = {
        id,
        instanceId,
        objectId: String(entry.objectId),
        eventType: String(entry.eventType),
        sequence: Number(entry.sequence),
        providerVersion,
        version: undefined,
        firstReceivedAt: received.receivedAt,
      };
      events.set(id, event);
      if (objectType !== input.objectType) verdict.phantom.push({ event, reason: `object type ${objectType}` });
      else if (record === undefined || String(record.id) !== event.objectId) verdict.phantom.push({ event, reason: 'raw record does not match the event' });
      // A DELETED found by an expired-history recovery (any Outlook deletion) has only the id: its version is settled in judge().
      else if (providerVersion === undefined && event.eventType !== 'DELETED') verdict.phantom.push({ event, reason: `record has no ${field}` });
      else if (!Number.isSafeInteger(event.sequence) || event.sequence < 1) verdict.phantom.push({ event, reason: `sequence ${String(entry.sequence)} is not a positive integer` });
    }
  }
  return events;
}

export function judge(input: VerdictInput): Verdict {
  const verdict: Verdict = {
    ops: input.ops.length,
    bodies: input.bodies.length,
    uniqueEvents: 0,
    lost: [],
    misclassified: [],
    misclassifiedEvents: [],
    phantom: [],
    forged: [],
    duplicatedDeliveries: 0,
    duplicatedEvents: 0,
    orderViolations: [],
    sequenceReuse: 0,
    unversionedDeletes: 0,
    createdThenDeleted: 0,
    vanishedBetweenPolls: 0,
    coveredAt: new Map(),
    ok: false,
  };
  const providers = instanceProviders(input);
  const versionOf = opVersions(input.ops);
  const events = collectEvents(input, providers, verdict);
  verdict.uniqueEvents = events.size;
  // Message ops only: an event on a label's id is then explained by nothing (phantom).
  const opsByObject = new Map<string, MailboxOp[]>();
  for (const op of input.ops) {
    if (LABEL_OBJECT_KINDS.has(op.kind)) continue;
    const key = objectKey(op.instanceId, op.objectId);
    opsByObject.set(key, [...(opsByObject.get(key) ?? []), op]);
  }
  const malformedBefore = new Set(verdict.phantom.map((p) => p.event.id));
  for (const event of events.values()) {
    if (malformedBefore.has(event.id)) continue;
    const objectOps = opsByObject.get(objectKey(event.instanceId, event.objectId)) ?? [];
    if (event.providerVersion === undefined) {
      // A DELETED without a version (the gap of an expired history held the deletion's record; Graph's
      // @removed never carries one) is the deletion's, when X was deleted; otherwise nothing explains it.
      const deletion = objectOps.find((o) => o.kind === 'delete');
      if (deletion === undefined) verdict.phantom.push({ event, reason: 'DELETED without a version of a message never deleted' });
      else {
        event.version = versionOf.get(deletion);
        verdict.unversionedDeletes += 1;
      }
    } else if (providers.get(event.instanceId) === 'outlook') {
      // The rank of the op that gave the message this changeKey; none: a version no op made.
      const maker = objectOps.find((o) => o.provider === 'outlook' && o.changeKey === event.providerVersion);
      if (maker !== undefined) event.version = versionOf.get(maker);
      else verdict.phantom.push({ event, reason: objectOps.length === 0 && !input.baselineObjects.has(objectKey(event.instanceId, event.objectId)) ? 'no operation touched this object' : `no operation made version ${event.providerVersion}` });
    } else {
      event.version = BigInt(event.providerVersion);
    }
  }
  const malformed = new Set(verdict.phantom.map((p) => p.event.id));

  const eventsByObject = new Map<string, ReceivedEvent[]>();
  for (const event of events.values()) {
    if (malformed.has(event.id)) continue;
    const key = objectKey(event.instanceId, event.objectId);
    eventsByObject.set(key, [...(eventsByObject.get(key) ?? []), event]);
  }

  // Outlook messages that came and went between two delta rounds: created and deleted by the harness,
  // not there before the instance, and not one event of them received (malformed ones included).
  const heardOf = new Set([...events.values()].map((e) => objectKey(e.instanceId, e.objectId)));
  const vanished = new Map<string, MailboxOp>();
  for (const [key, ops] of opsByObject) {
    const deletion = ops.find((o) => o.kind === 'delete');
    if (ops[0]?.provider !== 'outlook' || ops[0].kind !== 'newMessage' || deletion === undefined) continue;
    if (input.baselineObjects.has(key) || heardOf.has(key)) continue;
    vanished.set(key, deletion);
  }
  verdict.vanishedBetweenPolls = vanished.size;

  // Each operation: covered, misclassified or lost.
  for (const op of input.ops) {
    if (LABEL_OBJECT_KINDS.has(op.kind)) {
      verdict.coveredAt.set(op, op.at); // nothing is to arrive for it
      continue;
    }
    const key = objectKey(op.instanceId, op.objectId);
    const gone = vanished.get(key);
    if (gone !== undefined) {
      verdict.coveredAt.set(op, gone.at); // nothing could arrive for it once it was deleted
      continue;
    }
    const h = versionOf.get(op)!;
    const atOrAfter = (eventsByObject.get(key) ?? []).filter((e) => e.version !== undefined && e.version >= h);
    const deletedLater = (opsByObject.get(key) ?? []).some((o) => o.kind === 'delete' && versionOf.get(o)! >= h);
    let right: ReceivedEvent[];
    if (op.kind === 'newMessage') {
      right = atOrAfter.filter((e) => e.eventType === 'CREATED');
      if (right.length === 0 && deletedLater) {
        right = atOrAfter.filter((e) => e.eventType === 'DELETED');
        if (right.length > 0) verdict.createdThenDeleted += 1;
      }
    } else if (op.kind === 'delete') {
      right = atOrAfter.filter((e) => e.eventType === 'DELETED');
    } else {
      right = atOrAfter.filter((e) => e.eventType === 'CREATED' || e.eventType === 'UPDATED' || (deletedLater && e.eventType === 'DELETED'));
    }
    if (right.length > 0) verdict.coveredAt.set(op, Math.min(...right.map((e) => e.firstReceivedAt)));
    else if (atOrAfter.length > 0) verdict.misclassified.push({ op, seen: [...new Set(atOrAfter.map((e) => e.eventType))] });
    else verdict.lost.push({ op });
  }

  // Each event: explained by an op, of the right type, in order.
  const bySequence = new Map<string, string>();
  for (const [key, list] of eventsByObject) {
    const ops = opsByObject.get(key) ?? [];
    const created = ops.find((o) => o.kind === 'newMessage');
    const baseline = input.baselineObjects.has(key);
    list.sort((a, b) => (a.version! < b.version! ? -1 : a.version! > b.version! ? 1 : a.sequence - b.sequence));
    for (const [index, event] of list.entries()) {
      const h = event.version!;
      const op = ops.find((o) => versionOf.get(o) === h);
      if (op === undefined) {
        verdict.phantom.push({ event, reason: ops.length === 0 && !baseline ? 'no operation touched this object' : `no operation made version ${h}` });
        continue;
      }
      const earlier = list.slice(0, index).filter((e) => e.version! < h);
      if (event.eventType === 'DELETED') {
        if (op.kind !== 'delete') verdict.misclassifiedEvents.push({ event, reason: `DELETED for a ${op.kind}` });
      } else if (op.kind === 'delete') {
        verdict.misclassifiedEvents.push({ event, reason: `${event.eventType} for a delete` });
      } else if (event.eventType === 'CREATED') {
        if (baseline || created === undefined) verdict.misclassifiedEvents.push({ event, reason: 'CREATED for a message that existed before the instance' });
        else if (earlier.length > 0) verdict.misclassifiedEvents.push({ event, reason: 'CREATED after an earlier event of the message' });
      } else if (event.eventType === 'UPDATED') {
        if (!baseline && earlier.length === 0) verdict.misclassifiedEvents.push({ event, reason: 'UPDATED of a message whose creation no event reported' });
      } else {
        verdict.misclassifiedEvents.push({ event, reason: `unknown event type ${event.eventType}` });
      }
    }
    const inSequence = [...list].sort((a, b) => a.sequence - b.sequence);
    for (let i = 1; i < inSequence.length; i += 1) {
      const before = inSequence[i - 1]!;
      const after = inSequence[i]!;
      if (after.version! < before.version!) {
        verdict.orderViolations.push({ instanceId: after.instanceId, objectId: after.objectId, earlier: before.id, later: after.id });
      }
    }
  }
  for (const event of events.values()) {
    const key = `${event.instanceId}#${event.sequence}`;
    const other = bySequence.get(key);
    if (other !== undefined && other !== event.id) verdict.sequenceReuse += 1;
    else bySequence.set(key, event.id);
  }

  verdict.ok = verdict.lost.length === 0 && verdict.misclassified.length === 0 && verdict.misclassifiedEvents.length === 0 && verdict.phantom.length === 0 && verdict.forged.length === 0;
  return verdict;
}

/** Whether `kind` is a label-like change (an UPDATED in Gmail's history). */
export function isLabelChange(kind: OpKind): boolean {
  return LABEL_KINDS.has(kind);
}
