// `changehook keys rotate`: re-seals every encrypted column under the keyring's current key.

import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/index.ts';
import { instances, type Database } from '../store/index.ts';

export async function reencryptInstanceSecrets(db: Kysely<Database>, keyring: Keyring): Promise<{ instances: number; values: number }> {
  let resealedInstances = 0;
  let values = 0;
  const rows = await instances.findSealedValues(db);
  for (const row of rows) {
    const changes: Partial<Record<instances.SealedColumn, string>> = {};
    for (const column of instances.SEALED_COLUMNS) {
      const sealed = row[column];
      if (sealed && keyring.needsRotation(sealed)) {
        changes[column] = keyring.encrypt(keyring.decrypt(sealed));
        values += 1;
      }
    }
    if (Object.keys(changes).length > 0) {
      await instances.storeResealedValues(db, row.id, changes);
      resealedInstances += 1;
    }
  }
  return { instances: resealedInstances, values };
}
