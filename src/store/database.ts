// Opens the store: Kysely over better-sqlite3 (one file under the data directory) or over a pg Pool
// when DATABASE_URL is set, and brings its schema up to date.

import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import type { StoreDialect } from './migrations/columns.ts';
import { migrateToLatest } from './schemaMigration.ts';

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
  /** Told about errors of pooled connections, idle or in use (PostgreSQL restarted, connection killed). */
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
    // The pool listens to idle connections only. A connection in use when the server dies fails its query
    // (the caller sees that error) and also emits 'error' on the client, which without this listener is
    // an uncaught exception that kills the process (the chaos harness saw workers exit when it killed
    // PostgreSQL mid-query).
    pool.on('connect', (client) => client.on('error', (error) => options.onConnectionError?.(error)));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    const file = sqliteFile(options.dataDir);
    createPrivately(options.dataDir, file);
    const sqlite = new SQLite(file);
    // WAL lets readers proceed during the single writer's transactions; busy_timeout covers the
    // `changehook` commands (migrate, keys rotate) that open the same file beside a running server.
    sqlite.pragma('journal_mode = WAL');
    // New -wal and -shm files take the database file's mode; ones already there (an earlier version's, or
    // another process's) keep theirs.
    for (const sibling of [`${file}-wal`, `${file}-shm`]) tightenMode(sibling);
    // In WAL mode NORMAL survives any process crash; a power cut may roll back the last commits, and
    // since a poll's events and its cursor commit together, that only repeats the poll (the receiver
    // may see a delivery again: delivery is at-least-once), it never loses a change.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  }
  await migrateToLatest(db, dialect);
  return { db, dialect, close: () => db.destroy() };
}

/**
 * The store holds mail subjects and snippets, so only its owner may read it: a data directory we create
 * is 0700 (one the operator made is left as it is), and the database file is created 0600 before SQLite
 * opens it (SQLite's own default is 0644) or, left looser by an earlier version, tightened.
 */
function createPrivately(dataDir: string, file: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  tightenMode(file);
}

/** Takes group and other access away from a file, if it exists and we own it. */
function tightenMode(file: string): void {
  try {
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) fs.chmodSync(file, mode & 0o700);
  } catch (error) {
    // Not there (none yet, or the last connection removed it), or another user's: then its owner's next
    // start tightens it; refusing to open over it would only stop the service.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EPERM') throw error;
  }
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
