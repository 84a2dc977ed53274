// Cursor change detection: the hub already returns changes since a cursor (the element's change feed),
// each record labelled with its eventType. We only turn them into events, one per object per page.

import { EVENT_TYPES, type DetectedChange, type EventType, type ProviderRecord } from '../eventTypes.ts';
import { parseRecordDate } from './recordDates.ts';
import { getIdField, recordFingerprint, type DetectionResult, type SkippedRecord } from './changeDetection.ts';

export interface CursorOptions {
  /** Where the object id is; `id` by default. */
  readonly idField?: string;
  /** The field carrying CREATED/UPDATED/DELETED, removed from the record we deliver. `eventType` by default. */
  readonly eventTypeField?: string;
  /** The provider's version of the change (the element names it); the fingerprint when absent. */
  readonly versionField?: string;
  /**
   * Where a record states when its object came to be (epoch ms, or ISO-8601; the element names it): a
   * CREATED event's date. A change feed states no date for other changes, so UPDATED and DELETED events,
   * records without a usable value, and feeds that name no such field get the poll date.
   */
  readonly createdDateField?: string;
  readonly pollDate?: Date;
}

/**
 * One change per object, in order of last appearance. Several changes of one object in a page collapse to
 * the last, except that CREATED followed by UPDATED stays CREATED (with the latest record): the receiver
 * has never seen the object.
 */
export function eventsFromCursorRecords(records: readonly unknown[], options: CursorOptions = {}): DetectionResult {
  const idField = options.idField ?? 'id';
  const eventTypeField = options.eventTypeField ?? 'eventType';
  const { versionField, createdDateField } = options;
  const pollDate = options.pollDate ?? new Date();
  const byId = new Map<string, DetectedChange>();
  const skippedRecords: SkippedRecord[] = [];

  records.forEach((value, index) => {
    if (value === null || typeof value !== 'object') {
      skippedRecords.push({ index, reason: 'missing-id' });
      return;
    }
    const { [eventTypeField]: label, ...record } = value as ProviderRecord;
    const eventType = typeof label === 'string' ? label.toUpperCase() : undefined;
    if (!isEventType(eventType)) {
      skippedRecords.push({ index, reason: 'invalid-event-type' });
      return;
    }
    const objectId = getIdField(record, idField);
    if (objectId === undefined) {
      skippedRecords.push({ index, reason: 'missing-id' });
      return;
    }
    const providerVersion = versionField === undefined ? undefined : record[versionField];
    const baseVersion =
      typeof providerVersion === 'string' || typeof providerVersion === 'number' ? String(providerVersion) : recordFingerprint(record);
    // A deletion may carry the same provider version as the last update; keep their ids apart.
    const version = eventType === 'DELETED' ? `deleted:${baseVersion}` : baseVersion;
    const earlier = byId.get(objectId);
    const merged: EventType = earlier?.eventType === 'CREATED' && eventType === 'UPDATED' ? 'CREATED' : eventType;
    byId.delete(objectId); // re-insert so the order follows the last appearance
    const date = (merged === 'CREATED' && createdDateField !== undefined ? createdDate(record[createdDateField]) : undefined) ?? pollDate;
    byId.set(objectId, { objectId, eventType: merged, record, version, date });
  });
  return { changes: [...byId.values()], skipped: skippedRecords.length, skippedRecords };
}

function createdDate(value: unknown): Date | undefined {
  const date = parseRecordDate(value);
  return date !== undefined && date.getTime() > 0 ? date : undefined;
}

function isEventType(value: string | undefined): value is EventType {
  return value !== undefined && (EVENT_TYPES as readonly string[]).includes(value);
}
