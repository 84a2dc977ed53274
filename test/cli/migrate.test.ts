// `changehook migrate` as upgrades run it. Several processes migrating one fresh database at once (a
// compose `migrate` service beside services that migrate as they start, or two replicas starting
// together) all succeed and leave exactly the schema one process makes: PostgreSQL through Kysely's
// advisory lock, SQLite through BEGIN IMMEDIATE (Kysely takes no lock there). The test holds each
// process at its first write until all of them are there, so they start migrating together instead
// of one after another as they happen to start. A database a newer Changehook migrated is refused with
// a message that says what happened and what to do.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { DEFAULT_MIGRATION_TABLE, sql } from 'kysely';
import pg from 'pg';
import { sqliteFile } from '../../src/store/index.ts';
import { migrationProvider } from '../../src/store/migrations/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/databases.ts';
import { databaseEnv, runCli, startCli, type CliResult } from '../support/cliProcess.ts';
import { describeSchema, openPlainDatabase } from '../support/schemaSnapshot.ts';
import { waitFor } from '../support/webhookReceiver.ts';

const PROCESSES = 6;

/** Whether a process has a file open (Linux: its /proc/<pid>/fd links). */
function hasOpen(pid: number, file: string): boolean {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Starts the migrate processes, holding each at its first write until all of them are waiting there:
 * on SQLite the file's write lock, taken before any of them starts; on PostgreSQL an uncommitted
 * creation of Kysely's migration table, which every other creation of it waits for. Then lets go.
 */
async function migrateAtOnce(database: TestDatabase): Promise<CliResult[]> {
  let release: () => Promise<void>;
  let allWaiting: (pids: number[]) => Promise<boolean>;
  if (database.databaseUrl) {
    const holder = new pg.Client({ connectionString: database.databaseUrl });
    // pg_stat_activity is read apart: within a transaction it is a snapshot taken at first use.
    const observer = new pg.Client({ connectionString: database.databaseUrl });
    await holder.connect();
    await observer.connect();
    await holder.query('begin');
    await holder.query(`create table ${DEFAULT_MIGRATION_TABLE} (name text)`);
    release = async () => {
      await holder.query('rollback');
      await holder.end();
      await observer.end();
    };
    allWaiting = async (pids) => {
      const { rows } = await observer.query<{ waiting: number }>(
        "select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      return rows[0]!.waiting === pids.length;
    };
  } else {
    const file = sqliteFile(database.dataDir);
    const holder = new SQLite(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    release = async () => {
      holder.exec('ROLLBACK');
      holder.close();
    };
    // Each process opens the file, then waits for the lock at its first write (or BEGIN IMMEDIATE).
    allWaiting = async (pids) => pids.every((pid) => hasOpen(pid, file));
  }
  const started = Array.from({ length: PROCESSES }, () => startCli(['migrate'], databaseEnv(database)));
  try {
    const pids = started.map(({ pid }) => pid);
    await waitFor(() => allWaiting(pids), `${PROCESSES} migrate processes waiting on the database`, 30_000);
  } finally {
    await release();
  }
  return Promise.all(started.map(({ result }) => result));
}

for (const dialect of testDialects()) {
  describe(`changehook migrate on ${dialect}`, () => {
    const databases: TestDatabase[] = [];
    async function freshDatabase(): Promise<TestDatabase> {
      const database = await createTestDatabase(dialect);
      databases.push(database);
      return database;
    }
    after(async () => {
      for (const database of databases) await database.drop();
    });

    test(`${PROCESSES} processes migrating a fresh database at once all succeed, with the schema one process makes`, async () => {
      const reference = await freshDatabase();
      const single = await runCli(['migrate'], databaseEnv(reference));
      assert.equal(single.code, 0, single.stderr);

      const shared = await freshDatabase();
      const results = await migrateAtOnce(shared);
      for (const result of results) {
        assert.equal(result.code, 0, `a migrate process failed:\n${result.stdout}\n${result.stderr}`);
        assert.match(result.stdout, new RegExp(`database is up to date \\(${dialect}\\)`));
      }

      assert.deepEqual(await describeSchema(shared), await describeSchema(reference));
      const db = openPlainDatabase(shared);
      try {
        const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)} order by name`.execute(db);
        assert.deepEqual(
          rows.map((row) => row.name),
          Object.keys(await migrationProvider(dialect).getMigrations()).sort(),
        );
      } finally {
        await db.destroy();
      }
    });

    test('a database migrated by a newer Changehook is refused with a clear message and left as it was', async () => {
      const database = await freshDatabase();
      assert.equal((await runCli(['migrate'], databaseEnv(database))).code, 0);
      const db = openPlainDatabase(database);
      try {
        await sql`insert into ${sql.table(DEFAULT_MIGRATION_TABLE)} (name, timestamp) values ('999_from_the_future', ${new Date().toISOString()})`.execute(db);
      } finally {
        await db.destroy();
      }
      const before = await describeSchema(database);

      for (const command of [['migrate'], ['serve']]) {
        const refused = await runCli(command, { ...databaseEnv(database), PORT: '0' });
        assert.equal(refused.code, 1, `${command[0]}: ${refused.stdout}${refused.stderr}`);
        assert.equal(
          refused.stderr.trim(),
          'the database was migrated by a newer Changehook (migration 999_from_the_future is unknown to this version); upgrade the code or restore a backup',
        );
      }
      assert.deepEqual(await describeSchema(database), before);
    });
  });
}
