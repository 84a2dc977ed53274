// Opens the store: Kysely over better-sqlite3 (one file under the data directory) or over a pg Pool
// when DATABASE_URL is set, and brings its schema up to date.

import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { migrationProvider } from './migrations/index.ts';
import type { StoreDialect } from './migrations/columns.ts';

export interface Store {
  db: Kysely<Database>;
  dialect: StoreDialect;
  close(): Promise<void>;
}

// bigint columns hold epoch milliseconds, well inside Number's exact range: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'changehook.sqlite');
}

export async function openStore(options: {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  /** Told about errors of idle pooled connections (PostgreSQL restarted, connection killed). */
  onConnectionError?: (error: Error) => void;
}): Promise<Store> {
  let db: Kysely<Database>;
  let dialect: StoreDialect;
  if (options.databaseUrl) {
    dialect = 'postgres';
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    // Without a listener, an idle connection terminated by the server (a restart, a failover) would be
    // an uncaught exception that kills the process; the pool replaces the connection on next use.
    pool.on('error', (error) => options.onConnectionError?.(error));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    fs.mkdirSync(options.dataDir, { recursive: true });
    const sqlite = new SQLite(sqliteFile(options.dataDir));
    // WAL lets readers proceed during the single writer's transactions; busy_timeout covers the
    // `changehook` commands (migrate, keys rotate) that open the same file beside a running server.
    sqlite.pragma('journal_mode = WAL');
    // In WAL mode NORMAL survives any process crash; a power cut may roll back the last commits, and
    // since a poll's events and its cursor commit together, that only repeats the poll (the receiver
    // may see a delivery again: delivery is at-least-once), it never loses a change.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  }
  await migrate(db, dialect);
  return { db, dialect, close: () => db.destroy() };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; the hot paths (claims, polls, deliveries) run the same few SQL
 * texts thousands of times a second, so prepared statements are kept by their text. better-sqlite3
 * runs a statement synchronously to completion, so one statement object never serves two queries at
 * once. (A statement being iterated is busy; streaming queries are not cached.)
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(text, statement);
      }
      return statement as unknown as SqliteStatement;
    },
  };
}

async function migrate(db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
}
