// `changehook keys rotate`: re-seals every encrypted column under the keyring's current key.

import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/index.ts';
import type { Database, InstanceRowUpdate } from '../store/index.ts';

const ENCRYPTED_COLUMNS = [
  'token_encrypted',
  'secret_configuration',
  'access_token_encrypted',
  'refresh_token_encrypted',
  'webhook_secret_encrypted',
] as const;

export async function reencryptInstanceSecrets(db: Kysely<Database>, keyring: Keyring): Promise<{ instances: number; values: number }> {
  let instances = 0;
  let values = 0;
  const rows = await db.selectFrom('instances').select(['id', ...ENCRYPTED_COLUMNS]).execute();
  for (const row of rows) {
    const changes: InstanceRowUpdate = {};
    for (const column of ENCRYPTED_COLUMNS) {
      const sealed = row[column];
      if (sealed && keyring.needsRotation(sealed)) {
        changes[column] = keyring.encrypt(keyring.decrypt(sealed));
        values += 1;
      }
    }
    if (Object.keys(changes).length > 0) {
      await db.updateTable('instances').set(changes).where('id', '=', row.id).execute();
      instances += 1;
    }
  }
  return { instances, values };
}
