// Public API of the events capability's domain layer: poller configuration, change detection and
// notification delivery as plain functions over plain data. Adapters (store, HTTP, workers) build on these.

export {
  parsePollerConfiguration,
  parsePollerUrls,
  normalizeResourceKey,
  resourceNameFromUrl,
  DEFAULT_POLLER_CONFIGURATION_FIELD,
  MAX_PAGE_SIZE,
  type PollerConfiguration,
  type PollerUrlsContext,
  type ResourcePollerConfiguration,
  type DatesConfiguration,
} from './poller/pollerConfiguration.ts';
export { expandPollUrl, validatePollUrl, placeholdersIn, type PollUrlContext } from './poller/urlPlaceholders.ts';
export {
  formatJavaPattern,
  parseJavaPattern,
  javaPatternToDateFns,
  tokenizeJavaPattern,
  validateJavaPattern,
  type JavaPatternPart,
} from './poller/javaDatePattern.ts';
export { parseRecordDate, validateDateFormat, EPOCH_FORMATS } from './poller/recordDates.ts';
export { resolveTimeZone, formatOffset, wallClockToInstant, UTC, type TimeZone } from './poller/timeZones.ts';
export {
  recordFingerprint,
  getIdField,
  minimalRecord,
  EVENT_TYPES,
  type EventType,
  type ProviderRecord,
  type DetectedChange,
  type DetectionResult,
  type SkippedRecord,
  type SkipReason,
} from './poller/changeDetection.ts';
export { detectListingChanges, type ListingOptions, type ListingResult } from './poller/listingChanges.ts';
export { classifyWindowRecords, windowStart, type PollWindow, type WindowResourceConfiguration } from './poller/windowChanges.ts';
export { eventsFromCursorRecords, type CursorOptions } from './poller/cursorChanges.ts';
export { eventIdFor, deterministicUuid } from './poller/deterministicId.ts';

export {
  buildNotification,
  chunkEvents,
  notificationIdFor,
  notificationTopic,
  MAX_EVENTS_PER_NOTIFICATION,
  type BuildNotificationInput,
  type BuiltNotification,
  type NotificationBody,
  type NotificationEvent,
  type NotificationInstance,
  type EnvelopeEvent,
  type EnvelopeRaw,
} from './delivery/notificationEnvelope.ts';
export {
  nextAttempt,
  parseRetryAfter,
  RETRY_DELAYS_MS,
  MAX_ATTEMPTS,
  RETRY_JITTER,
  MAX_RETRY_AFTER_SECONDS,
  MIN_RETRY_AFTER_SECONDS,
  DELIVERY_TIMEOUT_MS,
  type DeliveryOutcome,
  type NextStep,
  type NextAttemptInput,
} from './delivery/retrySchedule.ts';
export { deliveryHeaders, type DeliveryHeadersInput } from './delivery/deliveryHeaders.ts';
