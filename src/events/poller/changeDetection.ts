// What change detection produces, shared by the three detection kinds (cursor, date window, full listing),
// and the record helpers they all use: the id at `idField` and a key-order-independent fingerprint.
// The change itself (DetectedChange, EventType) is events-wide vocabulary: ../eventTypes.ts.

import { createHash } from 'node:crypto';
import type { DetectedChange, ProviderRecord } from '../eventTypes.ts';
import { readRecordPath } from './recordPath.ts';

export type SkipReason = 'missing-id' | 'invalid-event-type';

export interface SkippedRecord {
  /** Position in the input, so the caller can log the offending record. */
  readonly index: number;
  readonly reason: SkipReason;
}

export interface DetectionResult {
  readonly changes: DetectedChange[];
  /** Records that could not become events; reported, never thrown, so one bad record cannot stall a resource. */
  readonly skipped: number;
  readonly skippedRecords: SkippedRecord[];
}

/** SHA-256 hex of the record's JSON with object keys sorted at every depth. */
export function recordFingerprint(record: unknown): string {
  const canonical = JSON.stringify(record, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const object = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(object).sort().map((key) => [key, object[key]]));
  });
  return createHash('sha256').update(canonical ?? 'undefined').digest('hex');
}

/**
 * The id at a dot path (`message.id`) as a string, or undefined when absent or not a scalar.
 * An exact key containing dots wins over the path, since some providers use such keys.
 */
export function getIdField(record: unknown, idField: string): string | undefined {
  const value = readRecordPath(record, idField);
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}

/** A record standing in for a deleted object: only its id, nested as the idField path says. */
export function minimalRecord(idField: string, objectId: string): ProviderRecord {
  const segments = idField.split('.');
  let record: ProviderRecord = { [segments.at(-1) ?? idField]: objectId };
  for (const segment of segments.slice(0, -1).reverse()) record = { [segment]: record };
  return record;
}
