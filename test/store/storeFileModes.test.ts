// The SQLite store's files are its owner's alone: they hold mail subjects and snippets. A fresh store
// creates its data directory 0700 and its database, -wal and -shm files 0600; a store an earlier
// version left world-readable is tightened when opened. SQLite only: PostgreSQL keeps no files here.
// The umask is set to the common 022 so the checks cannot pass by a strict umask alone.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { openStore, sqliteFile } from '../../src/store/index.ts';

let root = '';
let savedUmask = 0;
before(() => {
  savedUmask = process.umask(0o022);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-modes-'));
});
after(() => {
  process.umask(savedUmask);
  fs.rmSync(root, { recursive: true, force: true });
});

const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);
const storeFiles = (dataDir: string) => ['', '-wal', '-shm'].map((suffix) => `${sqliteFile(dataDir)}${suffix}`);

test('a fresh store creates its directory 0700 and its database, -wal and -shm files 0600', async () => {
  const dataDir = path.join(root, 'fresh', 'data');
  const store = await openStore({ dataDir });
  try {
    // The -wal and -shm files exist while a connection is open (the last one to close removes them).
    await store.db.selectFrom('organizations').select('id').execute();
    assert.equal(modeOf(path.join(root, 'fresh')), '700');
    assert.equal(modeOf(dataDir), '700');
    for (const file of storeFiles(dataDir)) assert.equal(modeOf(file), '600', file);
  } finally {
    await store.close();
  }
});

test('a store left readable by others is tightened when opened, -wal and -shm included', async () => {
  const dataDir = path.join(root, 'earlier');
  fs.mkdirSync(dataDir);
  // As an earlier version left it: SQLite's default 0644, with another connection (a running server)
  // holding the -wal and -shm files open so they are not created anew.
  const earlier = new SQLite(sqliteFile(dataDir));
  earlier.pragma('journal_mode = WAL');
  earlier.exec('CREATE TABLE earlier (x)');
  for (const file of storeFiles(dataDir)) assert.equal(modeOf(file), '644', `${file} as an earlier version left it`);
  const store = await openStore({ dataDir });
  try {
    for (const file of storeFiles(dataDir)) assert.equal(modeOf(file), '600', file);
  } finally {
    await store.close();
    earlier.close();
  }
});
