// Full-listing change detection: diff every record of a resource against the fingerprints stored after the
// previous poll. The caller must pass the COMPLETE listing; a partial one would report missing ids as DELETED.

import type { DetectedChange } from '../eventTypes.ts';
import { getIdField, minimalRecord, recordFingerprint, type DetectionResult, type SkippedRecord } from './changeDetection.ts';

export interface ListingOptions {
  /** The date given to every change (listings carry no change dates). Defaults to now. */
  readonly pollDate?: Date;
  /**
   * A number that grows with each committed poll of the resource (e.g. its poll count). It prefixes the
   * version so an object that returns to an earlier state (starred, unstarred, starred) gets a new event id,
   * while a repeat of an uncommitted poll, which sees the same generation, gets the same ids.
   */
  readonly generation?: number | string;
}

export interface ListingResult extends DetectionResult {
  /** id → fingerprint for every record listed: the state to store with this poll. */
  readonly fingerprints: Map<string, string>;
}

/** CREATED for new ids, UPDATED for changed fingerprints, DELETED for ids no longer listed. `previous` null = baseline. */
export function detectListingChanges(
  records: readonly unknown[],
  idField: string,
  previous: ReadonlyMap<string, string> | null,
  options: ListingOptions = {},
): ListingResult {
  const date = options.pollDate ?? new Date();
  const versionOf = (fingerprint: string): string => (options.generation === undefined ? fingerprint : `${options.generation}:${fingerprint}`);
  const fingerprints = new Map<string, string>();
  const latest = new Map<string, Record<string, unknown>>();
  const skippedRecords: SkippedRecord[] = [];

  records.forEach((record, index) => {
    const objectId = getIdField(record, idField);
    if (objectId === undefined || record === null || typeof record !== 'object') {
      skippedRecords.push({ index, reason: 'missing-id' });
      return;
    }
    // A record listed twice (pages shifting while we list) counts once, in its last form.
    fingerprints.set(objectId, recordFingerprint(record));
    latest.set(objectId, record as Record<string, unknown>);
  });

  const changes: DetectedChange[] = [];
  if (previous !== null) {
    for (const [objectId, fingerprint] of fingerprints) {
      const before = previous.get(objectId);
      if (before === fingerprint) continue;
      const record = latest.get(objectId) ?? {};
      changes.push({ objectId, eventType: before === undefined ? 'CREATED' : 'UPDATED', record, version: versionOf(fingerprint), date });
    }
    for (const [objectId, fingerprint] of previous) {
      if (fingerprints.has(objectId)) continue;
      changes.push({ objectId, eventType: 'DELETED', record: minimalRecord(idField, objectId), version: versionOf(`deleted:${fingerprint}`), date });
    }
  }
  return { changes, fingerprints, skipped: skippedRecords.length, skippedRecords };
}
