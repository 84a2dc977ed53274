// A poll worker that cannot keep up says so: each claimed poll reports how long after its due time it
// started, and a minute in which more than 1 % of the polls started late ends with a "falling behind"
// warning in the log; a worker whose polls start on time stays quiet. The schedules belong to an
// instance with events off, so each is claimed and skipped without a provider call.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { ElementRegistry } from '../../../src/elements/index.ts';
import { PollWorker, type PollWorkerObserver } from '../../../src/events/poller/pollWorker.ts';
import { openStore, type Database } from '../../../src/store/index.ts';
import { TenantService } from '../../../src/tenants/index.ts';
import { createTestDatabase, testDialects, type TestDialect } from '../../support/databases.ts';
import { waitFor } from '../../support/webhookReceiver.ts';
import { insertInstance } from '../../support/storeRows.ts';

const START = 1_700_000_000_000;
const HOUR_MS = 3_600_000;

async function seedInstance(db: Kysely<Database>, name: string): Promise<number> {
  return (await insertInstance(db, { name, created_at: START, updated_at: START })).id;
}

/** A new instance with `count` schedules due at `dueAt`. Each batch gets its own instance, since
 * skipping one schedule removes every schedule of its instance. */
async function seedDueSchedules(db: Kysely<Database>, name: string, count: number, dueAt: number): Promise<void> {
  const instanceId = await seedInstance(db, name);
  await db
    .insertInto('poll_schedules')
    .values(
      Array.from({ length: count }, (_, index) => ({
        instance_id: instanceId,
        resource: `r${index}`,
        next_run_at: dueAt,
        config_fingerprint: 'x',
        created_at: START - HOUR_MS,
      })),
    )
    .execute();
}

interface WorkerHarness {
  db: Kysely<Database>;
  clock: { now: number };
  /** The lateness (seconds) of every claimed poll, in claim order. */
  started: number[];
  /** The warnings the worker logged that say it is falling behind. */
  fallingBehind(): Record<string, unknown>[];
}

/** A fresh database, one organization, and a running PollWorker on a controlled clock; all torn down after. */
async function withWorker(dialect: TestDialect, body: (harness: WorkerHarness) => Promise<void>): Promise<void> {
  const database = await createTestDatabase(dialect);
  const store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
  const lines: string[] = [];
  const started: number[] = [];
  const unexpected: string[] = [];
  const clock = { now: START };
  let worker: PollWorker | undefined;
  try {
    await new TenantService(store.db).createOrganization({ name: 'falling behind', userEmail: 'behind@example.com' });
    const observer: PollWorkerObserver = {
      polled: () => undefined,
      leaseTakenOver: () => undefined,
      started: (latenessSeconds) => {
        started.push(latenessSeconds);
      },
      captured: () => {
        unexpected.push('captured changes');
      },
    };
    worker = new PollWorker({
      db: store.db,
      hubs: {
        execute: () => {
          unexpected.push('called the provider');
          throw new Error('no poll runs a provider call in this test');
        },
      },
      elements: new ElementRegistry({}),
      logger: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }),
      pollingFailureLimit: 100,
      idleWaitMs: 10,
      now: () => clock.now,
      observer,
    });
    worker.start();
    await body({
      db: store.db,
      clock,
      started,
      fallingBehind: () =>
        lines
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((entry) => entry.level === 40 && typeof entry.msg === 'string' && entry.msg.startsWith('falling behind:')),
    });
    assert.deepEqual(unexpected, []);
  } finally {
    await worker?.stop();
    await store.close();
    await database.drop();
  }
}

for (const dialect of testDialects()) {
  describe(`falling behind on ${dialect}`, () => {
    test('polls claimed an hour late are reported when the minute is over', () =>
      withWorker(dialect, async ({ db, clock, started, fallingBehind }) => {
        await seedDueSchedules(db, 'late', 3, clock.now - HOUR_MS);
        await waitFor(() => started.length >= 3, 'the late schedules claimed', 10_000);
        assert.deepEqual(started, [3600, 3600, 3600]);
        assert.deepEqual(fallingBehind(), [], 'nothing is reported before the minute is over');

        // The first claim of the next minute closes the late one.
        clock.now += 61_000;
        await seedDueSchedules(db, 'next minute', 1, clock.now);
        const [warning] = await waitFor(() => {
          const warnings = fallingBehind();
          return warnings.length > 0 && warnings;
        }, 'the falling-behind warning', 10_000);

        assert.deepEqual(started, [3600, 3600, 3600, 0]);
        assert.deepEqual({ polls: warning.polls, late: warning.late, maxLatenessSeconds: warning.maxLatenessSeconds }, { polls: 3, late: 3, maxLatenessSeconds: 3600 });
        assert.equal(fallingBehind().length, 1);
      }));

    test('polls claimed on time are not reported', () =>
      withWorker(dialect, async ({ db, clock, started, fallingBehind }) => {
        await seedDueSchedules(db, 'on time', 3, clock.now);
        await waitFor(() => started.length >= 3, 'the schedules claimed', 10_000);
        assert.deepEqual(started, [0, 0, 0]);

        clock.now += 61_000;
        await seedDueSchedules(db, 'next minute', 1, clock.now);
        // This claim closed the first minute: had it been late, the warning would be logged by now.
        await waitFor(() => started.length >= 4, 'the next minute claimed', 10_000);

        assert.deepEqual(started, [0, 0, 0, 0]);
        assert.deepEqual(fallingBehind(), []);
      }));
  });
}
