// Retention's public face: the pruner that drops settled notifications, their events and attempts once
// they are older than the configured retention.

export { EventPruner, type EventPrunerOptions, type EventPrunerObserver } from './eventPruner.ts';
