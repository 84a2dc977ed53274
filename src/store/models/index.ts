// The store's models, one module per table, each with named state changes.

export * as deliveryAttempts from './deliveryAttempts.ts';
export * as instances from './instances.ts';
export * as notifications from './notifications.ts';
export * as pollSchedules from './pollSchedules.ts';
