// The outbox's two guards, on both dialects: a poll commits its events and cursor only while it still
// holds the schedule's lease (a worker that lost it to another writes nothing), and a poll repeated
// from the same cursor (after a crash before its release) finds its events already written instead of
// writing them, or using up sequence numbers, a second time.

import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { after, before, describe, test } from 'node:test';
import type { DetectedChange } from '../../src/events/eventTypes.ts';
import { commitPoll, LeaseLost, type PollCommit } from '../../src/events/outbox/index.ts';
import { openStore, type Database, type InstanceRow, type Store } from '../../src/store/index.ts';
import { TenantService } from '../../src/tenants/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/databases.ts';
import { insertInstance } from '../support/storeRows.ts';

async function seedInstance(db: Kysely<Database>): Promise<InstanceRow> {
  return insertInstance(db);
}

async function seedSchedule(db: Kysely<Database>, instanceId: number, resource: string, owner: string): Promise<number> {
  const row = await db
    .insertInto('poll_schedules')
    .values({
      instance_id: instanceId,
      resource,
      next_run_at: Date.now(),
      lease_owner: owner,
      lease_until: Date.now() + 60_000,
      cursor: 'cursor-0',
      baseline_at: Date.now() - 60_000,
      config_fingerprint: 'x',
      created_at: Date.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

function changes(ids: string[]): DetectedChange[] {
  return ids.map((id) => ({ objectId: id, eventType: 'CREATED', record: { id }, version: `v-${id}`, date: new Date(1_700_000_000_000) }));
}

for (const dialect of testDialects()) {
  describe(`outbox guards on ${dialect}`, () => {
    let database: TestDatabase;
    let store: Store;

    before(async () => {
      database = await createTestDatabase(dialect);
      store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
      await new TenantService(store.db).createOrganization({ name: 'outbox test', userEmail: 'outbox@example.com' });
    });

    after(async () => {
      await store.close();
      await database.drop();
    });

    function commit(instance: InstanceRow, scheduleId: number, resource: string, leaseOwner: string, detected: DetectedChange[], cursor: string): PollCommit {
      return { instance, ownerEmail: 'owner@example.com', hubKey: 'general', scheduleId, leaseOwner, resource, changes: detected, pollDate: new Date(), schedule: { cursor } };
    }

    const eventsOf = (instanceId: number) => store.db.selectFrom('events').select(['object_id', 'sequence']).where('instance_id', '=', instanceId).orderBy('sequence').execute();
    const notificationsOf = (instanceId: number) => store.db.selectFrom('notifications').select('id').where('instance_id', '=', instanceId).execute();
    const cursorOf = async (scheduleId: number) => (await store.db.selectFrom('poll_schedules').select('cursor').where('id', '=', scheduleId).executeTakeFirstOrThrow()).cursor;

    test('a poll whose lease another worker took writes nothing: no events, no notifications, no cursor', async () => {
      const instance = await seedInstance(store.db);
      const scheduleId = await seedSchedule(store.db, instance.id, 'changed-messages', 'worker-b');
      await assert.rejects(commitPoll(store.db, commit(instance, scheduleId, 'changed-messages', 'worker-a', changes(['m1', 'm2']), 'cursor-1')), LeaseLost);
      await assert.rejects(commitPoll(store.db, commit(instance, scheduleId, 'changed-messages', 'worker-a', [], 'cursor-1')), LeaseLost, 'an idle poll too');
      assert.deepEqual(await eventsOf(instance.id), []);
      assert.deepEqual(await notificationsOf(instance.id), []);
      assert.equal(await cursorOf(scheduleId), 'cursor-0');

      // The holder commits.
      const written = await commitPoll(store.db, commit(instance, scheduleId, 'changed-messages', 'worker-b', changes(['m1', 'm2']), 'cursor-1'));
      assert.equal(written.events, 2);
      assert.deepEqual((await eventsOf(instance.id)).map((e) => e.object_id), ['m1', 'm2']);
      assert.equal(await cursorOf(scheduleId), 'cursor-1');
    });

    test('a poll repeated from the same cursor writes each change once and uses each sequence number once', async () => {
      const instance = await seedInstance(store.db);
      const scheduleId = await seedSchedule(store.db, instance.id, 'changed-messages', 'worker-a');
      const first = await commitPoll(store.db, commit(instance, scheduleId, 'changed-messages', 'worker-a', changes(['m1', 'm2']), 'cursor-1'));
      // The release never happened (a crash): the next poll reads the same changes, plus a new one.
      const repeat = await commitPoll(store.db, commit(instance, scheduleId, 'changed-messages', 'worker-a', changes(['m1', 'm2', 'm3']), 'cursor-2'));
      assert.deepEqual([first.events, repeat.events], [2, 1]);
      assert.deepEqual(await eventsOf(instance.id), [
        { object_id: 'm1', sequence: 1 },
        { object_id: 'm2', sequence: 2 },
        { object_id: 'm3', sequence: 3 },
      ]);
      assert.equal((await notificationsOf(instance.id)).length, 2, 'one notification per commit that wrote events');
      assert.equal(await cursorOf(scheduleId), 'cursor-2');
    });
  });
}
