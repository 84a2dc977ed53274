// Cursor resources whose provider can expire a cursor (Gmail's history) keep the state of every object
// the receiver was told about in object_fingerprints, as listing resources do. state_snapshot_at says
// since when that state is complete: null for schedules polled before it was kept, which take their
// first snapshot on their next poll.

import type { Kysely } from 'kysely';

export function migration004() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('poll_schedules').addColumn('state_snapshot_at', 'bigint').execute();
    },
  };
}
