// Storage per event, and the cost of pruning it. Writes N Gmail-like events (changed-messages records
// as the hub returns them, a few hundred bytes each) through the real outbox (commitPoll: events, their
// notification envelopes of 10 events, the cursor), books one delivery attempt per notification as the
// dispatcher does (attempt row + DELIVERED), and measures the store: on SQLite the file (with its WAL,
// after a checkpoint), on PostgreSQL the tables with their indexes and TOAST. Bytes per million events
// are extrapolated linearly from N. Then the retention pruner runs with a clock past the retention, with
// its production defaults (500 notifications per batch, 10 ms pause between batches): how long a full
// prune of those rows takes, the size after it, and after writing N events again (is the space reused?).
//
// Run: npx tsx bench/storage.ts [--events 100000] [--store sqlite|postgres|both] [--per-poll 100]

import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pino from 'pino';
import { commitPoll } from '../src/events/outbox/index.ts';
import { eventsFromCursorRecords } from '../src/events/poller/cursorChanges.ts';
import { EventPruner } from '../src/events/retention/eventPruner.ts';
import { openStore, sqliteFile, type InstanceRow, type Store } from '../src/store/index.ts';
import { TenantService } from '../src/tenants/index.ts';
import { createTestDatabase, type TestDatabase, type TestDialect } from '../test/support/databases.ts';
import { report, type Row } from './support/report.ts';
import { seededRandom } from './support/seededRandom.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    store: { type: 'string', default: 'both' },
    'per-poll': { type: 'string', default: '100' },
  },
});
const EVENTS = Number(values.events);
/** Changes committed per poll: a Gmail history page of 100 (the hub's default page size). */
const PER_POLL = Number(values['per-poll']);
const DIALECTS: TestDialect[] = values.store === 'both' ? ['sqlite', 'postgres'] : [values.store as TestDialect];
const RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
const LEASE_OWNER = 'storage-bench';

// ---- Gmail-like records, reproducible (seeded), shaped like GET /changed-messages answers ----

const WORDS = (
  'the quarterly report invoice meeting tomorrow please review attached update project deadline team schedule ' +
  'thanks regards customer order shipping confirmation account password reset newsletter weekly summary ' +
  'budget proposal draft contract signed agenda call notes follow question answer release version support ticket'
).split(' ');
const NAMES = ['Alice Martin', 'Bob Chen', 'Carla Rossi', 'Dmitri Ivanov', 'Emma Schulz', 'Farid Haddad', 'Grace Okafor', 'Hiro Tanaka'];
const LABEL_SETS = [['INBOX', 'UNREAD', 'CATEGORY_PERSONAL'], ['INBOX', 'CATEGORY_UPDATES'], ['INBOX', 'IMPORTANT', 'UNREAD'], ['SENT'], ['INBOX', 'CATEGORY_PROMOTIONS', 'UNREAD']];

function makeRecords(random: () => number, firstMessage: number, count: number, historyBase: number): Record<string, unknown>[] {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const hex = () => crypto.createHash('sha1').update(String(random())).digest('hex').slice(0, 16);
  return Array.from({ length: count }, (_, i) => {
    const name = pick(NAMES);
    const internalDate = 1_700_000_000_000 + (firstMessage + i) * 37_000;
    const subject = words(4 + Math.floor(random() * 6));
    return {
      id: hex(),
      threadId: hex(),
      labelIds: pick(LABEL_SETS),
      snippet: words(18 + Math.floor(random() * 14)),
      historyId: String(historyBase + i),
      internalDate: String(internalDate),
      date: new Date(internalDate).toISOString(),
      from: `"${name}" <${name.toLowerCase().replace(' ', '.')}@example.com>`,
      to: 'storage.bench@example.com',
      cc: random() < 0.2 ? `${pick(NAMES).toLowerCase().replace(' ', '.')}@example.org` : null,
      subject: subject[0]!.toUpperCase() + subject.slice(1),
      sizeEstimate: 2_000 + Math.floor(random() * 60_000),
      eventType: random() < 0.8 ? 'CREATED' : 'UPDATED',
    };
  });
}

// ---- the store under measurement ----

interface Subject {
  dialect: TestDialect;
  store: Store;
  database: TestDatabase;
  instance: InstanceRow;
  scheduleId: number;
}

async function openSubject(dialect: TestDialect): Promise<Subject> {
  const database = await createTestDatabase(dialect);
  const store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
  const tenant = await new TenantService(store.db).createOrganization({ name: 'storage bench', userEmail: 'storage.bench@example.com' });
  const now = Date.now();
  const { id } = await store.db
    .insertInto('instances')
    .values({
      organization_id: tenant.organizationId,
      user_id: tenant.userId,
      element_key: 'gmail',
      name: 'storage.bench@example.com',
      token_hash: crypto.randomBytes(16).toString('hex'),
      token_encrypted: 'unused',
      tags: '["bench"]',
      configuration: '{}',
      secret_configuration: 'unused',
      valid: 1,
      disabled: 0,
      events_enabled: 0,
      callback_url: 'https://receiver.example.com/hooks',
      webhook_secret_encrypted: 'unused',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const instance = await store.db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const schedule = await store.db
    .insertInto('poll_schedules')
    .values({ instance_id: id, resource: 'changed-messages', next_run_at: now, lease_owner: LEASE_OWNER, lease_until: now + 3_600_000, cursor: '1', baseline_at: now, config_fingerprint: 'bench', created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { dialect, store, database, instance, scheduleId: schedule.id };
}

/** Writes `count` events as polls of PER_POLL changes, each notification then delivered on its first attempt. */
async function writeEvents(subject: Subject, count: number, random: () => number, firstMessage: number): Promise<{ seconds: number; recordBytes: number }> {
  const { db } = subject.store;
  let recordBytes = 0;
  const started = performance.now();
  for (let written = 0; written < count; written += PER_POLL) {
    const size = Math.min(PER_POLL, count - written);
    const records = makeRecords(random, firstMessage + written, size, 1_000_000 + firstMessage + written);
    const pollDate = new Date();
    const { changes } = eventsFromCursorRecords(records, { pollDate });
    for (const change of changes) recordBytes += JSON.stringify(change.record).length;
    let notificationIds: readonly string[] = [];
    await commitPoll(db, {
      instance: subject.instance,
      ownerEmail: 'storage.bench@example.com',
      hubKey: 'general',
      scheduleId: subject.scheduleId,
      leaseOwner: LEASE_OWNER,
      resource: 'changed-messages',
      changes,
      pollDate,
      schedule: { cursor: String(1_000_000 + firstMessage + written + size), last_success_at: pollDate.getTime() },
      onCommitted: (capture) => {
        notificationIds = capture.notificationIds;
      },
    });
    // What the dispatcher writes for a first-attempt delivery (attempt row + DELIVERED), batched per poll.
    const deliveredAt = Date.now();
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('delivery_attempts')
        .values(notificationIds.map((id) => ({ notification_id: id, attempted_at: deliveredAt - 42, duration_ms: 42, status_code: 200, outcome: 'done', response_excerpt: '{"ok":true}', error: null })))
        .execute();
      await trx
        .updateTable('notifications')
        .set({ status: 'DELIVERED', attempt_count: 1, last_status_code: 200, delivered_at: deliveredAt, next_attempt_at: null })
        .where('id', 'in', notificationIds)
        .execute();
    });
  }
  return { seconds: (performance.now() - started) / 1000, recordBytes };
}

/** Bytes the store takes on disk: SQLite's file after a checkpoint (plus what is left of the WAL); PostgreSQL's three tables. */
async function storedBytes(subject: Subject): Promise<{ total: number; reusable?: number }> {
  const { db } = subject.store;
  if (subject.dialect === 'sqlite') {
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
    const file = sqliteFile(subject.database.dataDir);
    const total = [file, `${file}-wal`].filter((f) => fs.existsSync(f)).reduce((sum, f) => sum + fs.statSync(f).size, 0);
    const pageSize = (await sql<{ page_size: number }>`PRAGMA page_size`.execute(db)).rows[0]!.page_size;
    const freePages = (await sql<{ freelist_count: number }>`PRAGMA freelist_count`.execute(db)).rows[0]!.freelist_count;
    return { total, reusable: pageSize * freePages };
  }
  const result = await sql<{ bytes: string }>`
    SELECT sum(pg_total_relation_size(name::regclass))::text AS bytes FROM (VALUES ('events'), ('notifications'), ('delivery_attempts')) AS t(name)`.execute(db);
  return { total: Number(result.rows[0]!.bytes) };
}

async function rowCounts(subject: Subject): Promise<{ notifications: number; events: number; attempts: number }> {
  const { db } = subject.store;
  const count = async (table: 'notifications' | 'events' | 'delivery_attempts') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { notifications: await count('notifications'), events: await count('events'), attempts: await count('delivery_attempts') };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const perMillion = (bytes: number) => (bytes / EVENTS) * 1e6;

const rows: Row[] = [];
const data: Record<string, unknown> = { events: EVENTS, perPoll: PER_POLL, extrapolation: 'linear from N events' };
for (const dialect of DIALECTS) {
  const subject = await openSubject(dialect);
  try {
    const random = seededRandom(42);
    const empty = await storedBytes(subject);
    const write = await writeEvents(subject, EVENTS, random, 0);
    const written = await storedBytes(subject);
    const counts = await rowCounts(subject);
    const grown = written.total - empty.total;

    const pruner = new EventPruner({
      db: subject.store.db,
      logger: pino({ level: 'silent' }),
      retentionMs: RETENTION_MS,
      now: () => Date.now() + RETENTION_MS + 24 * 60 * 60 * 1000,
    });
    const pruneStarted = performance.now();
    const pruned = await pruner.pruneOnce();
    const pruneSeconds = (performance.now() - pruneStarted) / 1000;
    const afterPrune = await storedBytes(subject);
    const left = await rowCounts(subject);
    let afterVacuum: number | undefined;
    if (dialect === 'postgres') {
      // What autovacuum does in time: marks the dead rows' space reusable (and trims empty pages at the end).
      await sql`VACUUM events, notifications, delivery_attempts`.execute(subject.store.db);
      afterVacuum = (await storedBytes(subject)).total;
    }
    await writeEvents(subject, EVENTS, random, EVENTS);
    const refilled = await storedBytes(subject);

    const label = dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    rows.push(
      { figure: `${label}: written`, value: `${counts.events} events, ${counts.notifications} notifications, ${counts.attempts} attempts in ${write.seconds.toFixed(1)} s (${Math.round(counts.events / write.seconds)} events/s); record ${Math.round(write.recordBytes / counts.events)} B on average` },
      { figure: `${label}: store grew by`, value: `${mb(grown)} = ${Math.round(grown / counts.events)} B per event` },
      { figure: `${label}: per million events`, value: `${(perMillion(grown) / 1e9).toFixed(2)} GB (extrapolated linearly from ${EVENTS})` },
      { figure: `${label}: full prune`, value: `${pruned.notifications} notifications, ${pruned.events} events, ${pruned.attempts} attempts in ${pruneSeconds.toFixed(2)} s (${Math.round(pruned.events / pruneSeconds)} events/s); left: ${left.notifications + left.events + left.attempts} rows` },
      {
        figure: `${label}: size after prune`,
        value:
          dialect === 'sqlite'
            ? `${mb(afterPrune.total - empty.total)} above empty (the file keeps its pages; ${mb(afterPrune.reusable ?? 0)} of them free for reuse)`
            : `${mb(afterPrune.total - empty.total)} above empty; after VACUUM ${mb((afterVacuum ?? 0) - empty.total)} (dead rows' space marked reusable)`,
      },
      { figure: `${label}: after writing ${EVENTS} events again`, value: `${mb(refilled.total - empty.total)} above empty (×${((refilled.total - empty.total) / grown).toFixed(2)} of the first fill: space reused)` },
    );
    data[dialect] = {
      emptyBytes: empty.total,
      writtenBytes: written.total,
      bytesPerEvent: grown / counts.events,
      bytesPerMillionEvents: perMillion(grown),
      writeSeconds: write.seconds,
      averageRecordBytes: write.recordBytes / counts.events,
      counts,
      pruned,
      pruneSeconds,
      afterPruneBytes: afterPrune.total,
      reusableAfterPruneBytes: afterPrune.reusable,
      afterVacuumBytes: afterVacuum,
      refilledBytes: refilled.total,
    };
  } finally {
    await subject.store.close();
    await subject.database.drop();
  }
}
report('storage', rows, data);
