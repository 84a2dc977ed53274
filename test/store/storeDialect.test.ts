// The store knows its dialect: the lease API reads it from the database handle it is given — the
// handle openStore made, a transaction of it, or a plugin wrapper of it — so no caller passes it.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dialectOf } from '../../src/store/index.ts';
import { testDialects } from '../support/databases.ts';
import { withInstanceStore } from '../support/storeRows.ts';

for (const dialect of testDialects()) {
  describe(`the store's dialect on ${dialect}`, () => {
    test('is read from the handle, its transactions and its plugin wrappers', () =>
      withInstanceStore(dialect, async (store) => {
        assert.equal(dialectOf(store.db), store.dialect);
        assert.equal(dialectOf(store.db.withPlugin({ transformQuery: (args) => args.node, transformResult: async (args) => args.result })), store.dialect);
        await store.db.transaction().execute(async (trx) => {
          assert.equal(dialectOf(trx), store.dialect);
        });
      }));
  });
}
