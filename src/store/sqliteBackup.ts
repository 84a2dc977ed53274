// `changehook backup <file>`: a consistent copy of the SQLite database, taken while the server runs.
// VACUUM INTO reads one snapshot (in WAL mode the server keeps writing meanwhile) and writes it as a
// compact, self-contained database file. The copy holds what the original holds (mail metadata,
// encrypted secrets), so it is created 0600 like the original, and an existing file is never replaced.

import fs from 'node:fs';
import SQLite from 'better-sqlite3';
import { sqliteFile } from './database.ts';

export function backupSqlite(dataDir: string, destination: string): { source: string; bytes: number } {
  const source = sqliteFile(dataDir);
  if (!fs.existsSync(source)) throw new Error(`there is no database at ${source} (CHANGEHOOK_DATA_DIR)`);
  // VACUUM INTO writes into a file that does not exist or is empty: create it empty, private, and only
  // if nothing is there ('wx').
  try {
    fs.closeSync(fs.openSync(destination, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${destination} already exists; choose a new file name`);
    throw error;
  }
  const db = new SQLite(source, { fileMustExist: true, timeout: 5000 });
  try {
    db.prepare('VACUUM INTO ?').run(destination);
  } catch (error) {
    fs.rmSync(destination, { force: true });
    throw error;
  } finally {
    db.close();
  }
  return { source, bytes: fs.statSync(destination).size };
}
