// The first-start bootstrap of a tenant with fixed secrets (CHANGEHOOK_ORG_SECRET / _USER_SECRET) when
// several processes start at once over one PostgreSQL database, each with its own connection (API
// replicas, workers): all of them start, and there is one organization with its one user. (SQLite has
// one `serve` process; several connections of one process would only wait on each other's locks.)

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore, type Store } from '../../src/store/index.ts';
import { TenantService } from '../../src/tenants/index.ts';
import { createTestDatabase, testDialects } from '../support/databases.ts';

for (const dialect of testDialects().filter((d) => d === 'postgres')) {
  test(`processes bootstrapping the same tenant at once on ${dialect}: all start, one tenant`, async () => {
    const database = await createTestDatabase(dialect);
    const stores: Store[] = [];
    try {
      for (let i = 0; i < 3; i += 1) stores.push(await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir }));
      for (let round = 0; round < 5; round += 1) {
        const fixed = { organizationSecret: `bootstrap-org-${dialect}-${round}-0123456789`, userSecret: `bootstrap-user-${dialect}-${round}-0123456789` };
        const results = await Promise.all(stores.map((store) => new TenantService(store.db).bootstrap(fixed)));
        assert.equal(results.filter((created) => created !== undefined).length, 1, `round ${round}: one process created the tenant, the others found it`);
        const caller = await new TenantService(stores[0]!.db).authenticate({ user: fixed.userSecret, organization: fixed.organizationSecret }, { requireOrganization: true });
        assert.equal(caller.organizationId, results.find((created) => created !== undefined)!.organizationId);
      }
      const db = stores[0]!.db;
      assert.equal((await db.selectFrom('organizations').select('id').execute()).length, 5, 'one organization per tenant');
      assert.equal((await db.selectFrom('users').select('id').execute()).length, 5, 'one user per tenant');
    } finally {
      for (const store of stores) await store.close();
      await database.drop();
    }
  });
}
