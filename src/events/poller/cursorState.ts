// The state a cursor resource keeps so that an expired cursor loses nothing: for every object the
// receiver was told about, a fingerprint of the fields the element names (e.g. a message's labels).
// Each committed page of changes updates it; when the provider no longer has changes from the cursor,
// a snapshot of every object compared with it tells what the gap held: objects gone (DELETED), objects
// whose fields differ (UPDATED) and new objects (CREATED). Plain functions over plain data.

import { createHash } from 'node:crypto';
import type { DetectedChange, ProviderRecord } from '../eventTypes.ts';
import { getIdField } from './changeDetection.ts';

/** A short, key-order and list-order independent hash of the named fields of a record. */
export function stateFingerprint(record: ProviderRecord, fields: readonly string[]): string {
  const picked = fields.map((field) => {
    const value = record[field];
    return Array.isArray(value) ? [...value].map(String).sort() : (value ?? null);
  });
  return createHash('sha256').update(JSON.stringify(picked)).digest('base64url').slice(0, 16);
}

/** Fingerprints of a page's created and updated objects; deleted ones leave the state when applied. */
export function pageFingerprints(changes: readonly DetectedChange[], fields: readonly string[]): Map<string, string> {
  const fingerprints = new Map<string, string>();
  for (const change of changes) if (change.eventType !== 'DELETED') fingerprints.set(change.objectId, stateFingerprint(change.record, fields));
  return fingerprints;
}

export interface SnapshotDifference {
  /** Known objects no longer there. */
  readonly deleted: readonly string[];
  /** Known objects whose fields changed. */
  readonly updated: readonly string[];
  /** Objects the receiver was never told about. */
  readonly created: readonly string[];
  /** The new state: every object of the snapshot. */
  readonly fingerprints: ReadonlyMap<string, string>;
  /** Snapshot records without an id. */
  readonly skipped: number;
}

export function compareSnapshot(known: ReadonlyMap<string, string>, snapshot: readonly unknown[], idField: string, fields: readonly string[]): SnapshotDifference {
  const fingerprints = new Map<string, string>();
  let skipped = 0;
  for (const record of snapshot) {
    const id = getIdField(record, idField);
    if (id === undefined) {
      skipped += 1;
      continue;
    }
    fingerprints.set(id, stateFingerprint(record as ProviderRecord, fields));
  }
  const deleted = [...known.keys()].filter((id) => !fingerprints.has(id));
  const updated: string[] = [];
  const created: string[] = [];
  for (const [id, fingerprint] of fingerprints) {
    const before = known.get(id);
    if (before === undefined) created.push(id);
    else if (before !== fingerprint) updated.push(id);
  }
  return { deleted, updated, created, fingerprints, skipped };
}
