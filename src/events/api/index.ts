// The events API's public face: the service the HTTP routes call (queries, redelivery, polling health,
// webhook secret), the types of what it returns, and the status lists the routes' schemas enumerate.

export { EventService, type EventServiceDeps } from './eventService.ts';
export type { EventFilter, EventView, AttemptView } from './eventQueries.ts';
export type { PollingHealth } from './pollingHealth.ts';
export type { OwnedInstances } from './ownedInstances.ts';
export { CE_EVENT_STATUSES, EVENT_STATUSES, STATUS_FILTER_VALUES, ceEventStatus, type CeEventStatus } from './eventStatuses.ts';
