// `changehook backup <file>` copies the SQLite database while the server runs and polls: the copy is
// private (0600), sound, and restores to a server that shows the same instance; it never replaces an
// existing file; on PostgreSQL it points to pg_dump.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { startServer } from '../../src/cli/serve.ts';
import { loadConfig } from '../../src/config/index.ts';
import { sqliteFile } from '../../src/store/index.ts';
import { runCli } from '../support/cliProcess.ts';
import { apiCall, createInstance, startTestApp, TEST_MASTER_KEY } from '../support/testApp.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-backup-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

test('a backup taken while the server polls restores to the same instance', async () => {
  const app = await startTestApp('sqlite', { CHANGEHOOK_SANDBOX: '1' });
  try {
    const instance = await createInstance(app, 'backup@example.com', { configuration: { 'event.poller.refresh_interval': '0.0167' } });
    const shown = await apiCall(app, 'GET', `/instances/${instance.id}`);
    const env = { CHANGEHOOK_DATA_DIR: app.database.dataDir, LOG_LEVEL: 'warn' };
    const backup = path.join(scratch, 'changehook-backup.sqlite');

    const made = await runCli(['backup', backup], env);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /backed up .*changehook\.sqlite to .*changehook-backup\.sqlite \(\d+ bytes\)/);
    assert.match(made.stdout, /master key/);
    assert.equal(fs.statSync(backup).mode & 0o777, 0o600);
    const copy = new SQLite(backup, { readonly: true });
    assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
    copy.close();

    const first = fs.readFileSync(backup);
    const again = await runCli(['backup', backup], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^backup failed: .*changehook-backup\.sqlite already exists; choose a new file name\n$/);
    assert.deepEqual(fs.readFileSync(backup), first, 'the first backup is left as it was');

    // Restoring is putting the file back as the database, beside the master key.
    const restored = fs.mkdtempSync(path.join(scratch, 'restored-'));
    fs.copyFileSync(backup, sqliteFile(restored));
    fs.copyFileSync(path.join(app.database.dataDir, 'master.key'), path.join(restored, 'master.key'));
    const server = await startServer(loadConfig({ PORT: '0', CHANGEHOOK_DATA_DIR: restored, LOG_LEVEL: 'silent' }), 'api');
    try {
      const fromBackup = await apiCall({ api: `${server.url}/elements/api-v2`, auth: app.auth }, 'GET', `/instances/${instance.id}`);
      assert.equal(fromBackup.status, 200);
      assert.equal(fromBackup.body.token, shown.body.token);
      assert.deepEqual(fromBackup.body.configuration, shown.body.configuration);
    } finally {
      await server.close();
    }
  } finally {
    await app.close();
  }
});

test('on PostgreSQL the backup command points to pg_dump', async () => {
  const refused = await runCli(['backup', path.join(scratch, 'pg.sqlite')], {
    DATABASE_URL: 'postgres://127.0.0.1:5432/changehook',
    CHANGEHOOK_MASTER_KEY: TEST_MASTER_KEY,
    CHANGEHOOK_DATA_DIR: scratch,
  });
  assert.equal(refused.code, 64);
  assert.match(refused.stderr, /on PostgreSQL use pg_dump/);
  assert.equal(fs.existsSync(path.join(scratch, 'pg.sqlite')), false);
});
