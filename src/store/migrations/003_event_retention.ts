// Event retention: the pruner looks for settled notifications (DELIVERED, FAILED) older than the
// retention. Without an index on (status, created_at) that is a scan of every notification, every
// pass, at millions of rows; with it, a pass that finds nothing old reads a few index pages.

import type { Kysely } from 'kysely';

export function migration003() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('notifications_by_status_age').on('notifications').columns(['status', 'created_at']).execute();
    },
  };
}
