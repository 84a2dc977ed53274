// The two status vocabularies of an event and how one gives the other: ours, the delivery state of the
// event's notification (`deliveryStatus`), and Cloud Elements' pipeline state (`status`: NEW, RECEIVED,
// DISPATCHED, CONSUMED, NOTIFIED). Plain data; the queries and the HTTP schemas both use these lists.

import type { NotificationStatus } from '../../store/index.ts';

/** Delivery states of an event's notification (ours). */
export const EVENT_STATUSES: readonly NotificationStatus[] = ['NEW', 'RETRYING', 'DELIVERED', 'FAILED'];

/** Cloud Elements' event states (its platform's event schema). */
export const CE_EVENT_STATUSES = ['NEW', 'RECEIVED', 'DISPATCHED', 'CONSUMED', 'NOTIFIED'] as const;
export type CeEventStatus = (typeof CE_EVENT_STATUSES)[number];

/** What `status=` accepts: our delivery states (as before) and Cloud Elements' states; NEW is the delivery state. */
export const STATUS_FILTER_VALUES: readonly string[] = [...new Set<string>([...EVENT_STATUSES, ...CE_EVENT_STATUSES])];

/**
 * Cloud Elements' state of an event, from the delivery state of its notification. An event is written
 * in the same transaction as its notification, due at once: it is never seen before dispatch (NEW,
 * RECEIVED). NOTIFIED once the callback answered 2xx; DISPATCHED while sent or being retried, and after
 * the retries ran out (Cloud Elements then queues it: it was dispatched, never notified). CONSUMED
 * (formulas) never applies.
 */
export function ceEventStatus(delivery: NotificationStatus): CeEventStatus {
  return delivery === 'DELIVERED' ? 'NOTIFIED' : 'DISPATCHED';
}

/** The delivery states behind a Cloud Elements state (inverse of ceEventStatus). */
export function deliveryStatesFor(status: CeEventStatus): NotificationStatus[] {
  return EVENT_STATUSES.filter((delivery) => ceEventStatus(delivery) === status);
}
