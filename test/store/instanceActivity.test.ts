// The one "live / pollable instance" rule: the row predicates, and the query condition agreeing with them.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { instanceIsLive, isInstanceLive, isPollingRunnable } from '../../src/store/index.ts';
import { testDialects } from '../support/databases.ts';
import { insertInstance, withInstanceStore } from '../support/storeRows.ts';

const live = { disabled: 0, valid: 1, events_enabled: 1, polling_disabled: 0 };

test('an instance is live while enabled, valid and asking for events', () => {
  assert.equal(isInstanceLive(live), true);
  assert.equal(isInstanceLive({ ...live, disabled: 1 }), false);
  assert.equal(isInstanceLive({ ...live, valid: 0 }), false);
  assert.equal(isInstanceLive({ ...live, events_enabled: 0 }), false);
  const pollingDisabled = { ...live, polling_disabled: 1 };
  assert.equal(isInstanceLive(pollingDisabled), true, 'the token refresher still serves it');
});

test('an instance is pollable while live and its polling is not disabled', () => {
  assert.equal(isPollingRunnable(live), true);
  assert.equal(isPollingRunnable({ ...live, polling_disabled: 1 }), false);
  for (const column of ['disabled', 'valid', 'events_enabled'] as const) {
    assert.equal(isPollingRunnable({ ...live, [column]: live[column] === 1 ? 0 : 1 }), false, column);
  }
});

for (const dialect of testDialects()) {
  describe(`the live-instance query condition on ${dialect}`, () => {
    test('selects exactly the rows isInstanceLive accepts', () =>
      withInstanceStore(dialect, async (store) => {
        const flips = [{}, { disabled: 1 }, { valid: 0 }, { events_enabled: 0 }, { polling_disabled: 1 }];
        for (const flip of flips) await insertInstance(store.db, { ...live, ...flip });
        const rows = await store.db.selectFrom('instances').selectAll().execute();
        const expected = rows.filter(isInstanceLive).map((r) => r.id).sort((a, b) => a - b);
        const selected = (await store.db.selectFrom('instances').select('id').where(instanceIsLive).orderBy('id').execute()).map((r) => r.id);
        assert.deepEqual(selected, expected);
        assert.equal(selected.length, 2, 'the plain one and the one whose polling is disabled');
      }));
  });
}
