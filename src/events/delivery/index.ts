// Delivery's public face: the notification envelope the outbox stores, the delivery worker that sends it
// (signing, retries, the callback address rule) and the pure pieces the API and tests name (retry
// schedule, headers, the callback URL policy instances check at create/PATCH).

export {
  buildNotification,
  ceDate,
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
} from './notificationEnvelope.ts';
export {
  nextAttempt,
  RETRY_DELAYS_MS,
  MAX_ATTEMPTS,
  RETRY_JITTER,
  MAX_RETRY_AFTER_SECONDS,
  MIN_RETRY_AFTER_SECONDS,
  DELIVERY_TIMEOUT_MS,
  type DeliveryOutcome,
  type NextStep,
  type NextAttemptInput,
} from './retrySchedule.ts';
export { deliveryHeaders, type DeliveryHeadersInput } from './deliveryHeaders.ts';
export { callbackUrlProblem, isPrivateAddress } from './callbackUrlPolicy.ts';
export { DeliveryWorker, DEFAULT_PER_ORIGIN_CONCURRENCY, type DeliveryWorkerOptions, type DeliveryWorkerObserver } from './deliveryWorker.ts';
