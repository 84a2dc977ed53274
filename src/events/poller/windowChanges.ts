// Date-window change detection: the hub returned the records changed since the window start (URL
// placeholders); `datesConfiguration` tells CREATED from UPDATED and the filters trim the window's edges.

import { parseRecordDate } from './recordDates.ts';
import type { DetectedChange } from '../eventTypes.ts';
import { getIdField, recordFingerprint, type DetectionResult, type SkippedRecord } from './changeDetection.ts';
import { DEFAULT_FILTER_BY_UPDATED_DATE, type ResourcePollerConfiguration } from './pollerConfiguration.ts';
import { readRecordPath } from './recordPath.ts';

export interface PollWindow {
  readonly from: Date;
  readonly to: Date;
}

export type WindowResourceConfiguration = Pick<
  ResourcePollerConfiguration,
  'idField' | 'datesConfiguration' | 'filterByUpdatedDate' | 'filterByCurrentDate' | 'createdCheckTolerance'
>;

/** Where the next window starts: the last poll minus `pollDelay`, so records indexed late are still seen. */
export function windowStart(lastPollAt: Date, pollDelaySeconds = 0): Date {
  return new Date(lastPollAt.getTime() - Math.max(0, pollDelaySeconds) * 1000);
}

/**
 * Classifies the records of one window. The version is the record's change date, so overlapping windows
 * (pollDelay) see the same change under the same event id. Records without usable dates become UPDATED at
 * the window end, versioned by fingerprint: mislabelled beats lost. Without datesConfiguration every
 * record is UPDATED. As Cloud Elements' polling guide says, createdCheckTolerance is in seconds and
 * filterByUpdatedDate is on unless set to false.
 */
export function classifyWindowRecords(
  records: readonly unknown[],
  config: WindowResourceConfiguration,
  window: PollWindow,
): DetectionResult {
  const dates = config.datesConfiguration;
  const toleranceMs = (config.createdCheckTolerance ?? 0) * 1000;
  const filterByUpdatedDate = config.filterByUpdatedDate ?? DEFAULT_FILTER_BY_UPDATED_DATE;
  const byId = new Map<string, DetectedChange>();
  const skippedRecords: SkippedRecord[] = [];

  records.forEach((value, index) => {
    const objectId = getIdField(value, config.idField);
    if (objectId === undefined || value === null || typeof value !== 'object') {
      skippedRecords.push({ index, reason: 'missing-id' });
      return;
    }
    const record = value as Record<string, unknown>;
    const updated = dates?.updatedDateField
      ? parseRecordDate(readRecordPath(record, dates.updatedDateField), dates.updatedDateFormat, dates.updatedDateTimezone)
      : undefined;
    const created = dates?.createdDateField
      ? parseRecordDate(readRecordPath(record, dates.createdDateField), dates.createdDateFormat, dates.createdDateTimezone)
      : undefined;
    const effective = updated ?? created;

    if (effective !== undefined) {
      if (config.filterByCurrentDate && effective.getTime() > window.to.getTime()) return;
      if (filterByUpdatedDate && effective.getTime() < window.from.getTime()) return;
    }
    const isCreated =
      created !== undefined && (updated === undefined || Math.abs(updated.getTime() - created.getTime()) <= toleranceMs);
    const change: DetectedChange = {
      objectId,
      eventType: isCreated ? 'CREATED' : 'UPDATED',
      record,
      version: effective === undefined ? recordFingerprint(record) : String(effective.getTime()),
      date: effective ?? window.to,
    };
    // The same object twice in a window (pages shifting): keep its latest state, but never lose that it is new.
    const earlier = byId.get(objectId);
    if (earlier === undefined || earlier.date.getTime() <= change.date.getTime()) {
      byId.set(objectId, earlier?.eventType === 'CREATED' && change.eventType === 'UPDATED' ? { ...change, eventType: 'CREATED' } : change);
    }
  });
  return { changes: [...byId.values()], skipped: skippedRecords.length, skippedRecords };
}

