// A mailbox too large for the message-states snapshot: the poller keeps polling it without state
// (marked on the schedule), and an expired cursor then moves on from a fresh one, reported as a gap it
// could not recover, instead of failing every poll. The hub is a stand-in answering what Gmail's would.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { ElementRegistry } from '../../../src/elements/index.ts';
import { pollResource, STATE_NOT_KEPT, type HubExecutor } from '../../../src/events/poller/resourcePoller.ts';
import { CursorExpired, HUB_HEADERS, SnapshotTooLarge, type HubRequest, type HubResponse } from '../../../src/hubs/index.ts';
import type { Database, InstanceRow } from '../../../src/store/index.ts';
import { testDialects } from '../../support/databases.ts';
import { withInstanceStore } from '../../support/storeRows.ts';

const OWNER = 'snapshot-test';
const config = { url: '/hubs/general/changed-messages', idField: 'id' };

/** changed-messages without a cursor answers `fresh`; with one, the cursor has expired; message-states is refused. */
function refusingHub(fresh: string): HubExecutor & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async execute(_instance: InstanceRow, request: HubRequest): Promise<HubResponse> {
      calls.push(request.path);
      if (request.path === '/message-states') throw new SnapshotTooLarge('the mailbox holds more than 1000000 messages');
      if (request.query.cursor !== undefined) throw new CursorExpired('history expired', { providerStatus: 404 });
      return { status: 200, body: [], headers: { [HUB_HEADERS.nextCursor]: fresh } };
    },
  };
}

async function poll(db: Kysely<Database>, instanceId: number, hubs: HubExecutor) {
  const schedule = await db.updateTable('poll_schedules').set({ lease_owner: OWNER, lease_until: Date.now() + 60_000 }).where('instance_id', '=', instanceId).returningAll().executeTakeFirstOrThrow();
  const instance = await db.selectFrom('instances').selectAll().where('id', '=', instanceId).executeTakeFirstOrThrow();
  const element = new ElementRegistry({}).get('gmail');
  return pollResource({ db, hubs, element, instance, ownerEmail: 'big@example.com', schedule, config, leaseOwner: OWNER, startedAt: Date.now() });
}

for (const dialect of testDialects()) {
  describe(`a refused snapshot on ${dialect}`, () => {
    test('the baseline goes ahead without state, and an expired cursor moves on as an unrecovered gap', () =>
      withInstanceStore(dialect, async (store, instanceId) => {
        const { db } = store;
        await db
          .insertInto('poll_schedules')
          .values({ instance_id: instanceId, resource: 'changed-messages', next_run_at: 0, lease_owner: null, lease_until: null, cursor: null, baseline_at: null, config_fingerprint: 'x', last_poll_at: null, last_success_at: null, last_error: null, created_at: 0 })
          .execute();

        const baseline = await poll(db, instanceId, refusingHub('cursor-1'));
        assert.equal(baseline.baseline, true);
        const afterBaseline = await db.selectFrom('poll_schedules').selectAll().executeTakeFirstOrThrow();
        assert.equal(afterBaseline.cursor, 'cursor-1');
        assert.equal(Number(afterBaseline.state_snapshot_at), STATE_NOT_KEPT);

        const hub = refusingHub('cursor-2');
        const expired = await poll(db, instanceId, hub);
        assert.equal(expired.resynchronized, true);
        assert.match(expired.unrecoveredGap ?? '', /too large/);
        assert.ok(!hub.calls.includes('/message-states'), 'a mailbox known to be too large is not snapshotted again');
        assert.equal((await db.selectFrom('poll_schedules').select('cursor').executeTakeFirstOrThrow()).cursor, 'cursor-2');
      }));
  });
}
