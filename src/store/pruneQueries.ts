// Deleting settled history — the store's side of the retention pruner. One call deletes one batch:
// up to `limit` notifications that are settled (DELIVERED or FAILED) and were created before the
// cutoff, with their events and delivery attempts, in one transaction. Undelivered notifications
// (NEW, RETRYING, or waiting on a callback that answered 410) are never picked.
//
// The children are deleted explicitly, before their notifications, so nothing depends on the
// foreign keys' ON DELETE CASCADE (or on SQLite's foreign_keys pragma being on).
//
// The dialect difference is the batch pick, as in leases.ts: on PostgreSQL several workers may
// prune at once, and `FOR UPDATE SKIP LOCKED` gives each a different batch without waiting; the
// locks also keep a picked row's status from changing (a redelivery through the API) until the batch
// commits. On SQLite there is a single writer, so the transaction alone is enough.

import type { Kysely } from 'kysely';
import type { StoreDialect } from './migrations/columns.ts';
import type { Database, NotificationStatus } from './schema.ts';

/** Statuses whose notifications are history: nothing will send them again unless asked to. */
export const SETTLED_NOTIFICATION_STATUSES = ['DELIVERED', 'FAILED'] as const satisfies readonly NotificationStatus[];

/** Rows deleted, by table. */
export interface PrunedRows {
  notifications: number;
  events: number;
  attempts: number;
}

export interface PruneBatchOptions {
  /** Settled notifications created before this time (epoch ms) are deleted. */
  createdBefore: number;
  /** At most this many notifications (with their events and attempts) in this batch. */
  limit: number;
}

/** Deletes one batch; fewer than `limit` notifications means nothing (unlocked) of that age is left. */
export function pruneSettledNotifications(db: Kysely<Database>, dialect: StoreDialect, { createdBefore, limit }: PruneBatchOptions): Promise<PrunedRows> {
  return db.transaction().execute(async (trx) => {
    const picked = await trx
      .selectFrom('notifications')
      .select('id')
      .where('status', 'in', SETTLED_NOTIFICATION_STATUSES)
      .where('created_at', '<', createdBefore)
      // No ORDER BY: any old batch will do, and without it the (status, created_at) index stops
      // after `limit` rows instead of sorting every old row first.
      .limit(limit)
      .$if(dialect === 'postgres', (query) => query.forUpdate().skipLocked())
      .execute();
    const ids = picked.map((row) => row.id);
    if (ids.length === 0) return { notifications: 0, events: 0, attempts: 0 };
    const events = await trx.deleteFrom('events').where('notification_id', 'in', ids).executeTakeFirst();
    const attempts = await trx.deleteFrom('delivery_attempts').where('notification_id', 'in', ids).executeTakeFirst();
    const notifications = await trx.deleteFrom('notifications').where('id', 'in', ids).executeTakeFirst();
    return {
      notifications: Number(notifications.numDeletedRows),
      events: Number(events.numDeletedRows),
      attempts: Number(attempts.numDeletedRows),
    };
  });
}
