// Rows for store-level tests: an element instance inserted directly for the store's first user (no
// OAuth, no provider), for tests of the poller, the outbox and retention that need an instance row and
// nothing else. Events are off unless the test says otherwise, so a schedule of it is never polled.

import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { openStore, type Database, type InstanceRow, type NewInstanceRow, type Store } from '../../src/store/index.ts';
import { TenantService } from '../../src/tenants/index.ts';
import { createTestDatabase, type TestDialect } from './databases.ts';

export async function insertInstance(db: Kysely<Database>, values: Partial<NewInstanceRow> = {}): Promise<InstanceRow> {
  const user = await db.selectFrom('users').select(['id', 'organization_id']).orderBy('id').executeTakeFirstOrThrow();
  const now = Date.now();
  return db
    .insertInto('instances')
    .values({
      organization_id: user.organization_id,
      user_id: user.id,
      element_key: 'gmail',
      name: 'test instance',
      token_hash: crypto.randomBytes(16).toString('hex'),
      token_encrypted: 'unused',
      tags: '[]',
      configuration: '{}',
      secret_configuration: 'unused',
      valid: 1,
      disabled: 0,
      events_enabled: 0,
      callback_url: null,
      webhook_secret_encrypted: 'unused',
      created_at: now,
      updated_at: now,
      ...values,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A fresh store with one organization and one instance (events off) for `body`, dropped afterwards. */
export async function withInstanceStore(dialect: TestDialect, body: (store: Store, instanceId: number) => Promise<void>): Promise<void> {
  const database = await createTestDatabase(dialect);
  const store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
  try {
    await new TenantService(store.db).createOrganization({ name: 'store test', userEmail: 'store-test@example.com' });
    await body(store, (await insertInstance(store.db)).id);
  } finally {
    await store.close();
    await database.drop();
  }
}
