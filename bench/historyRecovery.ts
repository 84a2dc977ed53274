// What recovering from expired Gmail history costs. For a mailbox of N messages (labels spread as in a
// real inbox), one changed-messages instance is baselined: its first poll takes the message-states
// snapshot and stores a label fingerprint per message. Then 1% of the messages are deleted, 1% relabelled
// (starred and taken out of the inbox, so each is a real change) and 1% more received, the mailbox's
// history is dropped, and the next poll recovers. Measured: Gmail
// quota units and calls of the snapshot (at the baseline) and of the recovery, their wall time against an
// emulator answering at once and the time the same calls take one after another at Google's ~100 ms, the
// state stored per mailbox (rows and bytes), and the events the recovery emitted against the changes made.
//
// Run: npx tsx bench/historyRecovery.ts [--messages 10000,100000] [--store sqlite|postgres]

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pino from 'pino';
import { startGoogleEmulator } from '../emulators/google/index.ts';
import { PollWorker } from '../src/events/poller/pollWorker.ts';
import { sqliteFile } from '../src/store/index.ts';
import { createTestDatabase } from '../test/support/databases.ts';
import { startBenchServices } from './support/benchServices.ts';
import { report, type Row } from './support/report.ts';
import { seededRandom } from './support/seededRandom.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000,100000' },
    store: { type: 'string', default: 'sqlite' },
  },
});
const SIZES = values.messages.split(',').map(Number);
const GOOGLE_LATENCY_S = 0.1;
const EMAIL = 'recovery@example.com';

const LABEL_MIX: [string, number][] = [
  ['UNREAD', 0.3],
  ['STARRED', 0.02],
  ['IMPORTANT', 0.1],
  ['CATEGORY_UPDATES', 0.25],
  ['CATEGORY_PROMOTIONS', 0.25],
  ['CATEGORY_SOCIAL', 0.1],
];

interface Measured {
  units: number;
  calls: number;
  seconds: number;
}

const rows: Row[] = [];
const data: Record<string, unknown>[] = [];
for (const size of SIZES) {
  const emulator = await startGoogleEmulator({ quotaUnitsPerSecond: 1e9, maxConcurrentRequestsPerUser: 100_000 });
  const database = values.store === 'postgres' ? await createTestDatabase('postgres') : undefined;
  const bench = await startBenchServices(emulator.baseUrl, database ? { DATABASE_URL: database.databaseUrl! } : {});
  const { services } = bench;
  const { db } = services.store;
  try {
    const random = seededRandom(size);
    await emulator.control.createMailbox(EMAIL);
    const base = Date.UTC(2024, 0, 1);
    for (let i = 0; i < size; i++) {
      const labelIds = ['INBOX', ...LABEL_MIX.filter(([, share]) => random() < share).map(([label]) => label)];
      const raw = Buffer.from(`From: s${i % 97}@example.com\r\nTo: ${EMAIL}\r\nSubject: Message ${i}\r\n\r\nBody ${i}\r\n`);
      await emulator.control.deliverMessage(EMAIL, { raw, date: new Date(base + i * 1000), labelIds });
    }
    const instance = await bench.connect(EMAIL, {
      'event.notification.enabled': true,
      'event.notification.callback.url': 'http://127.0.0.1:9/unused',
      'event.poller.refresh_interval': '60',
      'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
    });
    const row = await services.instances.row(bench.caller, instance.id);
    const schedule = async () => db.selectFrom('poll_schedules').selectAll().where('instance_id', '=', instance.id).executeTakeFirstOrThrow();
    const sizeBefore = await stateBytes();

    const baseline = await measuredPoll(async () => (await schedule()).state_snapshot_at !== null);
    const fingerprints = Number((await db.selectFrom('object_fingerprints').select((eb) => eb.fn.countAll().as('n')).where('schedule_id', '=', (await schedule()).id).executeTakeFirstOrThrow()).n);
    const stored = (await stateBytes()) - sizeBefore;

    // The gap: 1% deleted, 1% starred, 1% received, then the history is gone.
    const listed = await services.hubs.execute(row, { method: 'GET', path: '/message-states', query: {} });
    const ids = (listed.body as { id: string }[]).map((message) => message.id);
    const changes = Math.max(1, Math.round(size / 100));
    for (let i = 0; i < changes; i++) {
      await services.hubs.execute(row, { method: 'DELETE', path: `/messages/${ids[i * 3]}`, query: {} });
      await services.hubs.execute(row, { method: 'PATCH', path: `/messages/${ids[i * 3 + 1]}`, query: {}, body: { addLabelIds: ['STARRED'], removeLabelIds: ['INBOX'] } });
      await emulator.control.deliverMessage(EMAIL, { from: 'gap@example.com', subject: `gap ${i}`, text: 'gap' });
    }
    emulator.control.expireHistory(EMAIL);
    const eventsBefore = await eventCount();
    const recovery = await measuredPoll(async () => (await eventCount()) > eventsBefore);
    const emitted = (await eventCount()) - eventsBefore;

    const cost = (figures: Measured) =>
      `${figures.units} units, ${figures.calls} Gmail calls, ${figures.seconds.toFixed(2)} s without latency (${(figures.calls * GOOGLE_LATENCY_S).toFixed(1)} s of calls one after another at ${GOOGLE_LATENCY_S * 1000} ms)`;
    rows.push({ figure: `${size} messages: baseline snapshot`, value: cost(baseline) });
    rows.push({ figure: `${size} messages: state kept`, value: `${fingerprints} rows, ${stored} bytes (${Math.round(stored / size)} bytes/message, ${values.store})` });
    rows.push({ figure: `${size} messages: recovery after ${changes} deleted, ${changes} relabelled, ${changes} received`, value: `${cost(recovery)}; ${emitted} events` });
    data.push({ messages: size, store: values.store, baseline, recovery, stateRows: fingerprints, stateBytes: stored, changes: changes * 3, emitted });

    async function measuredPoll(done: () => Promise<boolean>): Promise<Measured> {
      emulator.control.resetQuota(EMAIL);
      const callsBefore = totalCalls();
      await db.updateTable('poll_schedules').set({ next_run_at: 0 }).where('instance_id', '=', instance.id).execute();
      const worker = new PollWorker({ db, hubs: services.hubs, elements: services.elements, logger: pino({ level: 'silent' }), pollingFailureLimit: 1e6, concurrency: 4, idleWaitMs: 20 });
      const started = performance.now();
      worker.start();
      while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 20));
      const seconds = (performance.now() - started) / 1000;
      await worker.stop();
      return { units: emulator.control.quota(EMAIL).unitsUsed, calls: totalCalls() - callsBefore, seconds };
    }

    function totalCalls(): number {
      return Object.values(emulator.control.calls()).reduce((sum, n) => sum + n, 0);
    }

    async function eventCount(): Promise<number> {
      return Number((await db.selectFrom('events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    }

    /** Bytes of the fingerprint table and its index (PostgreSQL), or of the whole SQLite file after a checkpoint. */
    async function stateBytes(): Promise<number> {
      if (services.store.dialect === 'postgres') {
        const result = await sql<{ bytes: string }>`SELECT pg_total_relation_size('object_fingerprints') AS bytes`.execute(db);
        return Number(result.rows[0]!.bytes);
      }
      await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
      return fs.statSync(sqliteFile(services.config.dataDir)).size;
    }
  } finally {
    await bench.close();
    await emulator.close();
    await database?.drop();
  }
}
report('historyRecovery', rows, { sizes: data });
