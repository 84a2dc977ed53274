// The instances table as the workers see it: the reads they need and their named state changes —
// a callback gone (410), polling disabled after failures, the event sequence advanced by the outbox,
// an instance marked invalid when its grant is refused.

import type { Kysely } from 'kysely';
import { instanceIsLive } from '../instanceActivity.ts';
import type { Database, InstanceRow } from '../schema.ts';

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
