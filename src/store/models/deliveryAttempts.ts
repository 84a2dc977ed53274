// The delivery_attempts table: one row per request sent to a callback, written with the
// notification's booking in the same transaction.

import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export type DeliveryAttemptRecord = Insertable<Database['delivery_attempts']>;

export async function recordDeliveryAttempt(db: Kysely<Database>, attempt: DeliveryAttemptRecord): Promise<void> {
  await db.insertInto('delivery_attempts').values(attempt).execute();
}
