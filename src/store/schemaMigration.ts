// Brings the schema up to date with Kysely's Migrator: safely when several processes start at once
// (compose's one-shot `migrate` beside services that each open the store, a rolling upgrade), and never
// over a database that a newer Changehook has migrated.
//
// On PostgreSQL the Migrator itself takes a session advisory lock and migrates in one transaction, so a
// second process waits and then finds nothing to do. On SQLite it takes no lock (it assumes the
// database has one connection, true within a process but not across processes), so two processes could
// both run a migration; there the whole run happens inside BEGIN IMMEDIATE, SQLite's cross-process
// write lock. SQLite's DDL is transactional, so a failed migration leaves the file as it was.

import { DEFAULT_MIGRATION_TABLE, type Kysely, Migrator, sql } from 'kysely';
import { migrationProvider } from './migrations/index.ts';
import type { StoreDialect } from './migrations/columns.ts';
import type { Database } from './schema.ts';

/** The database holds migrations this version does not know: it was upgraded by a newer Changehook. */
export class SchemaTooNewError extends Error {}

/** How long a process waits for another one's SQLite migration (each try itself waits busy_timeout). */
const SQLITE_LOCK_WAIT_MS = 10 * 60_000;

export async function migrateToLatest(db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  if (dialect === 'postgres') {
    await refuseNewerSchema(db, dialect);
    await runMigrator(db, dialect);
    return;
  }
  await db.connection().execute(async (connection) => {
    await beginImmediate(connection);
    try {
      await refuseNewerSchema(connection, dialect);
      await runMigrator(connection, dialect);
      await sql`commit`.execute(connection);
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
  });
}

async function runMigrator(db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
}

/**
 * Kysely would stop at a migration it does not know with "corrupted migrations"; an operator who rolled
 * the code back (or started an old image) needs to hear what happened and what to do instead.
 */
async function refuseNewerSchema(db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((table) => table.name === DEFAULT_MIGRATION_TABLE)) return;
  const known = new Set(Object.keys(await migrationProvider(dialect).getMigrations()));
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)} order by name`.execute(db);
  const unknown = rows.map((row) => row.name).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new SchemaTooNewError(
      `the database was migrated by a newer Changehook (migration ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} unknown to this version); upgrade the code or restore a backup`,
    );
  }
}

/** Takes SQLite's write lock, waiting for another process's migration (or a long write) to finish. */
async function beginImmediate(connection: Kysely<Database>): Promise<void> {
  const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
  for (;;) {
    try {
      await sql`begin immediate`.execute(connection);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
    }
  }
}
