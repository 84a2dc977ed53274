// Where the master keys come from: CHANGEHOOK_MASTER_KEY (+ CHANGEHOOK_PREVIOUS_MASTER_KEYS), or, in
// SQLite mode without them, ./data/master.key (mode 0600) created once. The file holds the current
// key on its first line and older keys after it, so `keys rotate` can work without the environment.

import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.ts';
import { parseMasterKey } from '../config/index.ts';
import { Keyring, generateMasterKey } from './envelopeEncryption.ts';

export function masterKeyFile(dataDir: string): string {
  return path.join(dataDir, 'master.key');
}

function readKeyFile(file: string): Buffer[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => parseMasterKey(file, line));
}

function writeKeyFile(file: string, keys: readonly Buffer[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, keys.map((k) => k.toString('base64')).join('\n') + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function loadKeyring(config: Config): Keyring {
  if (config.masterKey) return new Keyring(config.masterKey, config.previousMasterKeys);
  const file = masterKeyFile(config.dataDir);
  if (!fs.existsSync(file)) writeKeyFile(file, [generateMasterKey()]);
  const [current, ...previous] = readKeyFile(file);
  if (!current) throw new Error(`${file} holds no key`);
  return new Keyring(current, [...previous, ...config.previousMasterKeys]);
}

/**
 * Starts a rotation of the key file: a new current key, the old ones kept for opening. Returns the
 * keyring to re-encrypt with. With CHANGEHOOK_MASTER_KEY set, rotation is driven by the environment
 * (set the new key and list the old one in CHANGEHOOK_PREVIOUS_MASTER_KEYS), so the file is untouched.
 */
export function beginKeyFileRotation(config: Config): Keyring {
  if (config.masterKey) return loadKeyring(config);
  const file = masterKeyFile(config.dataDir);
  const existing = fs.existsSync(file) ? readKeyFile(file) : [];
  const keys = [generateMasterKey(), ...existing];
  writeKeyFile(file, keys);
  return new Keyring(keys[0]!, keys.slice(1));
}

/** After every secret is re-encrypted, the key file keeps only the current key. */
export function finishKeyFileRotation(config: Config): void {
  if (config.masterKey) return;
  const file = masterKeyFile(config.dataDir);
  const [current] = readKeyFile(file);
  if (current) writeKeyFile(file, [current]);
}
