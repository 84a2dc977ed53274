export { openStore, sqliteFile, type Store } from './database.ts';
export { SchemaTooNewError } from './schemaMigration.ts';
export { backupSqlite } from './sqliteBackup.ts';
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
export { claimDuePolls, claimDueNotifications, releaseAllLeases, releaseSucceededPolls, renewPollLeases, type ClaimOptions, type Claimed, type PollRelease } from './claimQueries.ts';
export { pruneSettledNotifications, SETTLED_NOTIFICATION_STATUSES, type PruneBatchOptions, type PrunedRows } from './pruneQueries.ts';
export type { StoreDialect } from './migrations/columns.ts';
