// The instances table: the reads the API and the workers need and its named state changes — an
// instance created, changed by its user (PUT/PATCH), deleted, its webhook secret rotated, its secrets
// re-sealed; a callback gone (410), polling disabled after failures, the event sequence advanced by the
// outbox, tokens refreshed, an instance marked invalid when its grant is refused. Values arrive sealed:
// encryption is the caller's (instances/), the columns are this module's.

import type { Kysely } from 'kysely';
import { instanceIsLive } from '../instanceActivity.ts';
import type { Database, InstanceRow } from '../schema.ts';

/** A grant as stored: its tokens (sealed), the scope the provider granted and the account behind it. */
export interface StoredGrant {
  accessTokenEncrypted: string;
  refreshTokenEncrypted: string | null;
  accessTokenExpiresAt: number;
  grantedScope: string | null;
  providerAccount: string | null;
}

/** A configuration as stored: public values as JSON, secret values sealed, and the parts the workers read. */
export interface StoredSettings {
  configuration: string;
  secretConfiguration: string;
  eventsEnabled: boolean;
  callbackUrl: string | null;
  refreshIntervalMinutes: number;
  pollerConfiguration: string;
}

export interface NewInstance {
  organizationId: number;
  userId: number;
  elementKey: string;
  name: string;
  tokenHash: string;
  tokenEncrypted: string;
  tags: readonly string[];
  disabled: boolean;
  webhookSecretEncrypted: string;
  settings: StoredSettings;
  grant: StoredGrant;
}

/** What a user's PUT or PATCH may change; what is left out stays. */
export interface InstanceChanges {
  name?: string;
  tags?: readonly string[];
  disabled?: boolean;
  settings?: StoredSettings;
  /** A new grant: the instance is valid again. */
  grant?: StoredGrant;
}

function grantColumns(grant: StoredGrant) {
  return {
    access_token_encrypted: grant.accessTokenEncrypted,
    refresh_token_encrypted: grant.refreshTokenEncrypted,
    access_token_expires_at: grant.accessTokenExpiresAt,
    granted_scope: grant.grantedScope,
    provider_account: grant.providerAccount,
    valid: 1,
    invalid_reason: null,
  };
}

function settingsColumns(settings: StoredSettings) {
  return {
    configuration: settings.configuration,
    secret_configuration: settings.secretConfiguration,
    events_enabled: settings.eventsEnabled ? 1 : 0,
    callback_url: settings.callbackUrl,
    refresh_interval_minutes: settings.refreshIntervalMinutes,
    poller_configuration: settings.pollerConfiguration,
  };
}

export function createInstance(db: Kysely<Database>, instance: NewInstance, now: number): Promise<InstanceRow> {
  return db
    .insertInto('instances')
    .values({
      organization_id: instance.organizationId,
      user_id: instance.userId,
      element_key: instance.elementKey,
      name: instance.name,
      token_hash: instance.tokenHash,
      token_encrypted: instance.tokenEncrypted,
      tags: JSON.stringify(instance.tags),
      disabled: instance.disabled ? 1 : 0,
      webhook_secret_encrypted: instance.webhookSecretEncrypted,
      created_at: now,
      updated_at: now,
      ...settingsColumns(instance.settings),
      ...grantColumns(instance.grant),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Whether `changes` give the instance another callback URL (which lifts a 410 Gone). */
export function changesCallbackUrl(row: Pick<InstanceRow, 'callback_url'>, changes: InstanceChanges): boolean {
  return changes.settings !== undefined && changes.settings.callbackUrl !== row.callback_url;
}

/**
 * A user's PUT or PATCH. It is also how a user says "try again": polling disabled after repeated
 * failures is enabled again, and another callback URL lifts a 410 Gone. Returns the changed row.
 */
export function applyUserChanges(db: Kysely<Database>, row: Pick<InstanceRow, 'id' | 'organization_id' | 'callback_url'>, changes: InstanceChanges, now: number): Promise<InstanceRow> {
  return db
    .updateTable('instances')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.tags !== undefined ? { tags: JSON.stringify(changes.tags) } : {}),
      ...(changes.disabled !== undefined ? { disabled: changes.disabled ? 1 : 0 } : {}),
      ...(changes.settings ? settingsColumns(changes.settings) : {}),
      ...(changes.grant ? grantColumns(changes.grant) : {}),
      polling_disabled: 0,
      polling_disabled_reason: null,
      ...(changesCallbackUrl(row, changes) ? { callback_gone: 0 } : {}),
      updated_at: now,
    })
    .where('id', '=', row.id)
    .where('organization_id', '=', row.organization_id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deletes an organization's instance; false when it was not there (a concurrent delete came first). */
export async function deleteInstance(db: Kysely<Database>, organizationId: number, id: number): Promise<boolean> {
  const deleted = await db.deleteFrom('instances').where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}

export function findInOrganization(db: Kysely<Database>, organizationId: number, id: number): Promise<InstanceRow | undefined> {
  return db.selectFrom('instances').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

/** The organization's instance whose Element token hashes to `tokenHash`. */
export function findByTokenHash(db: Kysely<Database>, organizationId: number, tokenHash: string): Promise<InstanceRow | undefined> {
  return db.selectFrom('instances').selectAll().where('organization_id', '=', organizationId).where('token_hash', '=', tokenHash).executeTakeFirst();
}

export function listInOrganization(db: Kysely<Database>, organizationId: number): Promise<InstanceRow[]> {
  return db.selectFrom('instances').selectAll().where('organization_id', '=', organizationId).orderBy('id').execute();
}

/** Replaces the organization's instance's (sealed) webhook signing secret. */
export async function setWebhookSecret(db: Kysely<Database>, organizationId: number, id: number, secretEncrypted: string, now: number): Promise<void> {
  await db.updateTable('instances').set({ webhook_secret_encrypted: secretEncrypted, updated_at: now }).where('id', '=', id).where('organization_id', '=', organizationId).execute();
}

/** The columns holding sealed values, which a key rotation re-seals. */
export const SEALED_COLUMNS = ['token_encrypted', 'secret_configuration', 'access_token_encrypted', 'refresh_token_encrypted', 'webhook_secret_encrypted'] as const;
export type SealedColumn = (typeof SEALED_COLUMNS)[number];

/** Every instance's sealed values. */
export function findSealedValues(db: Kysely<Database>) {
  return db.selectFrom('instances').select(['id', ...SEALED_COLUMNS]).execute();
}

/** Stores values re-sealed under the current key (the values themselves unchanged). */
export async function storeResealedValues(db: Kysely<Database>, id: number, values: Partial<Record<SealedColumn, string>>): Promise<void> {
  await db.updateTable('instances').set(values).where('id', '=', id).execute();
}

export function findInstance(db: Kysely<Database>, id: number): Promise<InstanceRow | undefined> {
  return db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Instances with their owner's e-mail address, one statement for a whole batch. */
export function findInstancesWithOwnerEmail(db: Kysely<Database>, ids: readonly number[]): Promise<(InstanceRow & { owner_email: string })[]> {
  return db
    .selectFrom('instances')
    .innerJoin('users', 'users.id', 'instances.user_id')
    .selectAll('instances')
    .select('users.email as owner_email')
    .where('instances.id', 'in', ids)
    .execute();
}

/** What delivering to an instance needs: its callback and its (encrypted) signing secrets. */
export function findDeliveryTarget(db: Kysely<Database>, id: number) {
  return db
    .selectFrom('instances')
    .select(['id', 'callback_url', 'callback_gone', 'secret_configuration', 'webhook_secret_encrypted'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The callback answered 410 Gone: marked only while the URL is still the one that answered. */
export async function markCallbackGone(db: Kysely<Database>, id: number, callbackUrl: string): Promise<void> {
  await db.updateTable('instances').set({ callback_gone: 1 }).where('id', '=', id).where('callback_url', '=', callbackUrl).execute();
}

/** Stops polling the instance, saying why; returns the updated row. */
export function disablePolling(db: Kysely<Database>, id: number, reason: string): Promise<InstanceRow> {
  return db.updateTable('instances').set({ polling_disabled: 1, polling_disabled_reason: reason }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/**
 * Advances the instance's event sequence by `count` and returns the new value (undefined: the instance
 * is gone). An UPDATE … RETURNING serializes concurrent writers on the instance row.
 */
export async function bumpEventSequence(db: Kysely<Database>, id: number, count: number): Promise<number | undefined> {
  const counter = await db
    .updateTable('instances')
    .set((eb) => ({ event_sequence: eb('event_sequence', '+', count) }))
    .where('id', '=', id)
    .returning('event_sequence')
    .executeTakeFirst();
  return counter ? Number(counter.event_sequence) : undefined;
}

/** The instance must be authenticated again (e.g. its grant was revoked). */
export async function markInvalid(db: Kysely<Database>, id: number, reason: string, now: number): Promise<void> {
  await db.updateTable('instances').set({ valid: 0, invalid_reason: reason, updated_at: now }).where('id', '=', id).execute();
}

export interface RefreshedTokens {
  accessTokenEncrypted: string;
  accessTokenExpiresAt: number;
  /** Set when the provider rotated the refresh token. */
  refreshTokenEncrypted?: string;
}

/** Stores refreshed tokens and clears the refresh lease in the same write. */
export async function storeRefreshedTokens(db: Kysely<Database>, id: number, tokens: RefreshedTokens, now: number): Promise<void> {
  await db
    .updateTable('instances')
    .set({
      access_token_encrypted: tokens.accessTokenEncrypted,
      access_token_expires_at: tokens.accessTokenExpiresAt,
      ...(tokens.refreshTokenEncrypted ? { refresh_token_encrypted: tokens.refreshTokenEncrypted } : {}),
      refresh_lease_owner: null,
      refresh_lease_until: null,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

/** Live instances whose access token expires before `before`, soonest first. */
export async function findDueForTokenRefresh(db: Kysely<Database>, before: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('instances')
    .select('id')
    .where(instanceIsLive)
    .where('access_token_expires_at', '<', before)
    .orderBy('access_token_expires_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}
