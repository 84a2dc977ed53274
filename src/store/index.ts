export { openStore, sqliteFile, type Store } from './database.ts';
export type {
  Database,
  InstanceRow,
  NewInstanceRow,
  InstanceRowUpdate,
  OrganizationRow,
  UserRow,
  PollScheduleRow,
  PollScheduleRowUpdate,
  NotificationRow,
  NotificationStatus,
  EventRow,
  DeliveryAttemptRow,
} from './schema.ts';
export { claimDuePolls, claimDueNotifications, releaseAllLeases, type ClaimOptions, type Claimed } from './claimQueries.ts';
export type { StoreDialect } from './migrations/columns.ts';
