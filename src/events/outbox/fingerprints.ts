// The fingerprints a full-listing (or snapshot) resource is diffed against: id → hash of the record,
// per schedule. Written inside the poll's commit (pollCommit.ts) so they move with the cursor and the
// events; read at the start of the next poll.

import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/index.ts';
import type { DetectedChange } from '../eventTypes.ts';
import { insertChunks } from './insertChunks.ts';

export type FingerprintWrite =
  /** A baseline: the full set of ids and fingerprints. */
  | { kind: 'replace'; fingerprints: ReadonlyMap<string, string> }
  /** After a diff: only what changed. */
  | { kind: 'apply'; changes: readonly DetectedChange[]; fingerprints: ReadonlyMap<string, string> };

export async function writeFingerprints(trx: Transaction<Database>, scheduleId: number, write: FingerprintWrite): Promise<void> {
  if (write.kind === 'replace') {
    await trx.deleteFrom('object_fingerprints').where('schedule_id', '=', scheduleId).execute();
    for (const part of insertChunks([...write.fingerprints])) {
      await trx
        .insertInto('object_fingerprints')
        .values(part.map(([object_id, fingerprint]) => ({ schedule_id: scheduleId, object_id, fingerprint })))
        .execute();
    }
    return;
  }
  const removed = write.changes.filter((c) => c.eventType === 'DELETED').map((c) => c.objectId);
  for (const part of insertChunks(removed)) {
    await trx.deleteFrom('object_fingerprints').where('schedule_id', '=', scheduleId).where('object_id', 'in', part).execute();
  }
  const upserts = write.changes
    .filter((c) => c.eventType !== 'DELETED')
    .map((c) => [c.objectId, write.fingerprints.get(c.objectId)] as const)
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
  for (const part of insertChunks(upserts)) {
    await trx
      .insertInto('object_fingerprints')
      .values(part.map(([object_id, fingerprint]) => ({ schedule_id: scheduleId, object_id, fingerprint })))
      .onConflict((oc) => oc.columns(['schedule_id', 'object_id']).doUpdateSet((eb) => ({ fingerprint: eb.ref('excluded.fingerprint') })))
      .execute();
  }
}

export async function loadFingerprints(db: Kysely<Database>, scheduleId: number): Promise<Map<string, string>> {
  const rows = await db.selectFrom('object_fingerprints').select(['object_id', 'fingerprint']).where('schedule_id', '=', scheduleId).execute();
  return new Map(rows.map((row) => [row.object_id, row.fingerprint]));
}
