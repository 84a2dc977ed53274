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
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  instances: InstancesTable;
}

export type InstanceRow = Selectable<InstancesTable>;
export type NewInstanceRow = Insertable<InstancesTable>;
export type InstanceRowUpdate = Updateable<InstancesTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type UserRow = Selectable<UsersTable>;
