// A poll that takes longer than its lease keeps it: the worker renews the leases of the polls it has
// in hand, so no other worker takes a slow poll over while it runs; when it ends, its release writes
// the new cursor and hands the lease back. The provider call is held open by the test.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { ElementRegistry } from '../../../src/elements/index.ts';
import { PollWorker } from '../../../src/events/poller/pollWorker.ts';
import { resourceConfigFingerprint } from '../../../src/events/poller/scheduleSync.ts';
import { HUB_HEADERS, type HubResponse } from '../../../src/hubs/hubContract.ts';
import { openStore } from '../../../src/store/index.ts';
import { TenantService } from '../../../src/tenants/index.ts';
import { createTestDatabase, testDialects } from '../../support/databases.ts';
import { insertInstance } from '../../support/storeRows.ts';
import { waitFor } from '../../support/webhookReceiver.ts';

const START = 1_700_000_000_000;
const LEASE_MS = 3_000;
const RESOURCE = { url: '/hubs/general/changed-messages', idField: 'id' };

for (const dialect of testDialects()) {
  describe(`poll lease renewal on ${dialect}`, () => {
    test('a poll running past its lease keeps it until it ends, then releases it with the new cursor', async () => {
      const database = await createTestDatabase(dialect);
      const store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
      let clock = START;
      const waiting: ((response: HubResponse) => void)[] = [];
      const answer = (response: HubResponse) => {
        for (const resolve of waiting.splice(0)) resolve(response);
      };
      let calls = 0;
      const worker = new PollWorker({
        db: store.db,
        hubs: {
          execute: () => {
            calls += 1;
            return new Promise<HubResponse>((resolve) => waiting.push(resolve));
          },
        },
        elements: new ElementRegistry({}),
        logger: pino({ level: 'silent' }),
        pollingFailureLimit: 100,
        leaseMs: LEASE_MS,
        idleWaitMs: 20,
        now: () => clock,
      });
      try {
        await new TenantService(store.db).createOrganization({ name: 'renewal', userEmail: 'renewal@example.com' });
        const instance = await insertInstance(store.db, {
          name: 'slow poll',
          events_enabled: 1,
          refresh_interval_minutes: 1,
          poller_configuration: JSON.stringify({ 'changed-messages': RESOURCE }),
        });
        const schedule = await store.db
          .insertInto('poll_schedules')
          .values({
            instance_id: instance.id,
            resource: 'changed-messages',
            next_run_at: START - 1000,
            cursor: 'cursor-1',
            baseline_at: START - 60_000,
            // The state for an expired cursor is kept already, so the poll is one page of changes.
            state_snapshot_at: START - 60_000,
            config_fingerprint: resourceConfigFingerprint(RESOURCE),
            created_at: START,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const row = () => store.db.selectFrom('poll_schedules').selectAll().where('id', '=', schedule.id).executeTakeFirstOrThrow();

        worker.start();
        await waitFor(async () => calls === 1, 'the poll calls the provider', 10_000);
        assert.equal((await row()).lease_until, START + LEASE_MS);

        // Time passes in steps shorter than the lease, to four times the lease; the renewal (every
        // second of real time) keeps moving the lease on from the current time.
        for (let step = 1; step <= 6; step += 1) {
          clock = START + step * 2_000;
          await waitFor(async () => (await row()).lease_until === clock + LEASE_MS, `the lease renewed at step ${step}`, 10_000);
        }
        assert.equal(calls, 1, 'nobody polled the resource again meanwhile');

        answer({ status: 200, headers: { [HUB_HEADERS.nextCursor]: 'cursor-2' }, body: [] });
        await waitFor(async () => (await row()).lease_owner === null, 'the lease handed back', 10_000);
        const released = await row();
        assert.equal(released.cursor, 'cursor-2');
        assert.equal(released.last_poll_at, START);
        assert.equal(released.last_success_at, START);
        assert.ok(released.next_run_at >= clock, 'the next run is not in the past');
      } finally {
        answer({ status: 200, headers: { [HUB_HEADERS.nextCursor]: 'cursor-2' }, body: [] });
        await worker.stop();
        await store.close();
        await database.drop();
      }
    });
  });
}
