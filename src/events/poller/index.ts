// The poller's public face: the poll worker (scheduling, claiming, polling a resource), the schedule
// sync the composition root hands to instances, and the pure pieces of change detection and poller
// configuration that instances and the events API use.

export {
  parsePollerConfiguration,
  parsePollerUrls,
  resourceNameFromUrl,
  DEFAULT_POLLER_CONFIGURATION_FIELD,
  MAX_PAGE_SIZE,
  type PollerConfiguration,
  type PollerUrlsContext,
  type ResourcePollerConfiguration,
  type DatesConfiguration,
} from './pollerConfiguration.ts';
export { expandPollUrl, validatePollUrl, placeholdersIn, type PollUrlContext } from './urlPlaceholders.ts';
export {
  formatJavaPattern,
  parseJavaPattern,
  javaPatternToDateFns,
  tokenizeJavaPattern,
  validateJavaPattern,
  type JavaPatternPart,
} from './javaDatePattern.ts';
export { parseRecordDate, validateDateFormat, EPOCH_FORMATS } from './recordDates.ts';
export { resolveTimeZone, formatOffset, wallClockToInstant, UTC, type TimeZone } from './timeZones.ts';
export {
  recordFingerprint,
  getIdField,
  minimalRecord,
  type DetectionResult,
  type SkippedRecord,
  type SkipReason,
} from './changeDetection.ts';
export { detectListingChanges, type ListingOptions, type ListingResult } from './listingChanges.ts';
export { classifyWindowRecords, windowStart, type PollWindow, type WindowResourceConfiguration } from './windowChanges.ts';
export { eventsFromCursorRecords, type CursorOptions } from './cursorChanges.ts';
export { syncPollSchedules, PAUSED_AT, type SyncOptions } from './scheduleSync.ts';
export type { DetectionKind, HubExecutor } from './resourcePoller.ts';
export { PollWorker, type PollWorkerOptions, type PollWorkerObserver, type PollResult } from './pollWorker.ts';
