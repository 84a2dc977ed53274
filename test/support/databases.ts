// Test databases: a fresh SQLite directory, or a fresh PostgreSQL database on the local server
// (created per test file and dropped afterwards). PostgreSQL is part of the suite: CI starts it; on
// a developer machine without it, set CHANGEHOOK_TEST_SKIP_POSTGRES=1 to run SQLite only.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type TestDialect = 'sqlite' | 'postgres';

export const POSTGRES_ADMIN_URL = process.env.CHANGEHOOK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function testDialects(): TestDialect[] {
  return process.env.CHANGEHOOK_TEST_SKIP_POSTGRES === '1' ? ['sqlite'] : ['sqlite', 'postgres'];
}

export interface TestDatabase {
  dialect: TestDialect;
  dataDir: string;
  databaseUrl?: string;
  databaseName?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-test-'));
  if (dialect === 'sqlite') {
    return { dialect, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const databaseName = `changehook_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${databaseName}`;
  return {
    dialect,
    dataDir,
    databaseUrl: url.toString(),
    databaseName,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      await client.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
