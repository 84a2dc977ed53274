// Table types of the Changehook database, shared by the SQLite and PostgreSQL dialects.
// Times are epoch milliseconds (bigint), booleans 0/1 integers and documents JSON text, so one set
// of queries serves both dialects.

import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface OrganizationsTable {
  id: Generated<number>;
  name: string;
  secret_hash: string;
  created_at: number;
}

export interface UsersTable {
  id: Generated<number>;
  organization_id: number;
  email: string;
  secret_hash: string;
  created_at: number;
}

export interface InstancesTable {
  id: Generated<number>;
  organization_id: number;
  user_id: number;
  element_key: string;
  name: string;
  /** SHA-256 of the instance token, for looking up hub calls. */
  token_hash: string;
  /** The token itself, encrypted: Cloud Elements shows it again in GET /instances/{id}. */
  token_encrypted: string;
  tags: string;
  /** Non-secret configuration values as JSON. */
  configuration: string;
  /** Secret configuration values (client secret, signature key) as encrypted JSON. */
  secret_configuration: string;
  access_token_encrypted: string | null;
  refresh_token_encrypted: string | null;
  access_token_expires_at: number | null;
  granted_scope: string | null;
  provider_account: string | null;
  valid: number;
  invalid_reason: string | null;
  disabled: number;
  events_enabled: number;
  callback_url: string | null;
  refresh_interval_minutes: number | null;
  poller_configuration: string | null;
  webhook_secret_encrypted: string;
  /** Single-flight token refresh across processes: who refreshes, and until when. */
  refresh_lease_owner: string | null;
  refresh_lease_until: number | null;
  created_at: number;
  updated_at: number;
  /** Last per-instance event sequence number handed out. */
  event_sequence: Generated<number>;
  polling_disabled: Generated<number>;
  polling_disabled_reason: string | null;
  /** The receiver answered 410 Gone: deliveries wait until the callback URL changes. */
  callback_gone: Generated<number>;
}

export interface PollSchedulesTable {
  id: Generated<number>;
  instance_id: number;
  resource: string;
  next_run_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  /** Cursor resources: the provider cursor; window resources: the next window start (ms). */
  cursor: string | null;
  /** When the baseline was recorded; null = the next poll records it and emits nothing. */
  baseline_at: number | null;
  /** Hash of the resource's poller configuration: a change restarts from a new baseline. */
  config_fingerprint: string;
  last_poll_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
  consecutive_failures: Generated<number>;
  created_at: number;
  /** Cursor resources with recovery: when the kept object state was last complete; null = not kept yet. */
  state_snapshot_at: number | null;
}

export interface ObjectFingerprintsTable {
  schedule_id: number;
  object_id: string;
  fingerprint: string;
}

export type NotificationStatus = 'NEW' | 'RETRYING' | 'DELIVERED' | 'FAILED';

export interface NotificationsTable {
  id: string;
  instance_id: number;
  organization_id: number;
  object_type: string;
  /** The exact body bytes that are signed and sent. */
  payload: string;
  status: NotificationStatus;
  attempt_count: Generated<number>;
  /** Null while waiting for something other than time (a 410'd callback to change). */
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface EventsTable {
  id: string;
  instance_id: number;
  organization_id: number;
  object_type: string;
  object_id: string;
  event_type: string;
  sequence: number;
  record: string;
  occurred_at: number;
  poll_at: number;
  notification_id: string;
  created_at: number;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  notification_id: string;
  attempted_at: number;
  duration_ms: number;
  status_code: number | null;
  outcome: string;
  response_excerpt: string | null;
  error: string | null;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  instances: InstancesTable;
  poll_schedules: PollSchedulesTable;
  object_fingerprints: ObjectFingerprintsTable;
  notifications: NotificationsTable;
  events: EventsTable;
  delivery_attempts: DeliveryAttemptsTable;
}

export type InstanceRow = Selectable<InstancesTable>;
export type NewInstanceRow = Insertable<InstancesTable>;
export type InstanceRowUpdate = Updateable<InstancesTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type UserRow = Selectable<UsersTable>;
export type PollScheduleRow = Selectable<PollSchedulesTable>;
export type PollScheduleRowUpdate = Updateable<PollSchedulesTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type EventRow = Selectable<EventsTable>;
export type DeliveryAttemptRow = Selectable<DeliveryAttemptsTable>;
