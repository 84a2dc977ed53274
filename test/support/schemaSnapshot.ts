// A database's schema as plain data, to compare two databases: every table with its columns (Kysely's
// introspection) and every index with its definition (from the catalog; introspection has none).
// Opens the database without migrating it, unlike openStore.

import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { sqliteFile } from '../../src/store/index.ts';
import type { TestDatabase } from './databases.ts';

// biome-ignore lint/suspicious/noExplicitAny: a schema-agnostic handle, for tests that read any table
export type PlainDatabase = Kysely<any>;

export function openPlainDatabase(database: TestDatabase): PlainDatabase {
  if (database.databaseUrl) return new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.databaseUrl, max: 2 }) }) });
  return new Kysely({ dialect: new SqliteDialect({ database: new SQLite(sqliteFile(database.dataDir)) }) });
}

export interface SchemaSnapshot {
  tables: { name: string; columns: { name: string; dataType: string; isNullable: boolean; hasDefaultValue: boolean; isAutoIncrementing: boolean }[] }[];
  indexes: { name: string; definition: string }[];
}

export async function describeSchema(database: TestDatabase): Promise<SchemaSnapshot> {
  const db = openPlainDatabase(database);
  try {
    const tables = (await db.introspection.getTables({ withInternalKyselyTables: true }))
      .map((table) => ({
        name: table.name,
        columns: table.columns
          .map(({ name, dataType, isNullable, hasDefaultValue, isAutoIncrementing }) => ({ name, dataType, isNullable, hasDefaultValue, isAutoIncrementing }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { rows } = database.databaseUrl
      ? await sql<{ name: string; definition: string }>`select indexname as name, indexdef as definition from pg_indexes where schemaname = current_schema()`.execute(db)
      : await sql<{ name: string; definition: string | null }>`select name, coalesce(sql, tbl_name) as definition from sqlite_master where type = 'index'`.execute(db);
    const indexes = rows.map(({ name, definition }) => ({ name, definition: definition ?? '' })).sort((a, b) => a.name.localeCompare(b.name));
    return { tables, indexes };
  } finally {
    await db.destroy();
  }
}
