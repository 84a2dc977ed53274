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
export {
  claimDuePolls,
  claimDueNotifications,
  claimRefreshLease,
  releaseLeasesOfDeadProcesses,
  releaseNotification,
  releaseRefreshLease,
  releasePoll,
  releaseSucceededPolls,
  renewNotificationLease,
  renewPollLeases,
  wasTakenOver,
  type ClaimOptions,
  type Claimed,
  type PollRelease,
} from './leases.ts';
export { dialectOf } from './storeDialect.ts';
export { instanceIsLive, isInstanceLive, isPollingRunnable } from './instanceActivity.ts';
export { pruneSettledNotifications, SETTLED_NOTIFICATION_STATUSES, type PruneBatchOptions, type PrunedRows } from './pruneQueries.ts';
export type { StoreDialect } from './migrations/columns.ts';
export { deliveryAttempts, instances, notifications, pollSchedules } from './models/index.ts';
export type { AttemptBooking } from './models/notifications.ts';
export type { InstanceChanges, NewInstance, StoredGrant, StoredSettings } from './models/instances.ts';
export type { PollFailure } from './models/pollSchedules.ts';
