// The short CI runs of the chaos harness, PostgreSQL and SQLite, each on 5 Gmail and 3 Outlook mailboxes:
// kills of every kind, Gmail and Graph delta faults, expired tokens, expired Gmail history and Outlook
// delta state, a revoked grant (either provider), a deleted user label, receiver outages; then the
// independent verdict (op log against the verified bodies the receiver got, never the product's
// database) must find nothing lost, misclassified, phantom or forged. `npm run chaos -- --seed N --seconds 35 --store …` repeats a run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos, type ChaosResult, type ChaosStore } from '../../bench/support/chaosHarness.ts';

const SKIP = process.env.CHANGEHOOK_TEST_SKIP_POSTGRES === '1' ? 'needs PostgreSQL binaries (CHANGEHOOK_TEST_SKIP_POSTGRES=1 is set)' : false;

function assertClean(result: ChaosResult, kinds: string[]): void {
  const v = result.verdict;
  const seed = `(seed ${result.seed}, ${result.store})`;
  assert.ok(v.ops > 100, `only ${v.ops} ops were made ${seed}`);
  for (const kind of kinds) assert.ok(result.killsByKind[kind as keyof typeof result.killsByKind] > 0, `no ${kind} was killed ${seed}`);
  assert.equal(result.faults.historyExpiries, 1, `no expired history ${seed}`);
  assert.equal(result.faults.deltaExpiries, 1, `no expired Outlook delta state ${seed}`);
  assert.ok(!result.faults.deltaRecoveryMs.includes(null), `Outlook did not recover from an expired delta state ${seed}`);
  assert.ok(!result.faults.historyRecoveryMs.includes(null), `Gmail did not recover from an expired history ${seed}`);
  assert.equal(result.faults.grantRevocations, 1, `no revoked grant ${seed}`);
  assert.ok((result.opsByKind.labelCreated ?? 0) >= 1, `no user label was deleted and replaced ${seed}`);
  // Outlook ops were made, of each kind that changes a message, and every one of them was covered.
  const outlook = result.evidence.ops.filter((o) => o.provider === 'outlook');
  const made = (...kinds: string[]) => kinds.reduce((n, kind) => n + (result.outlookOpsByKind[kind] ?? 0), 0);
  assert.ok(outlook.length >= 20, `only ${outlook.length} Outlook ops were made ${seed}`);
  for (const kinds of [['newMessage'], ['move'], ['read', 'unread'], ['flag', 'unflag']]) assert.ok(made(...kinds) > 0, `no Outlook ${kinds.join('/')} op ${seed}`);
  assert.deepEqual(
    v.lost.filter((f) => f.op.provider === 'outlook').map((f) => f.op),
    [],
    `Outlook ops lost ${seed}`,
  );
  assert.ok(!result.faults.grantRecoveryMs.includes(null), `changes made while a grant was revoked did not all arrive ${seed}`);
  assert.deepEqual(v.lost.map((f) => f.op), [], `lost ${seed}`);
  assert.deepEqual(v.misclassified.map((f) => [f.op, f.seen]), [], `misclassified ops ${seed}`);
  assert.deepEqual(v.misclassifiedEvents.map((f) => [f.event.id, f.reason]), [], `misclassified events ${seed}`);
  assert.deepEqual(v.phantom.map((f) => [f.event.id, f.reason]), [], `phantom events ${seed}`);
  assert.deepEqual(v.forged, [], `forged bodies ${seed}`);
  assert.ok(result.quiet, `not every op was covered within the final wait ${seed}`);
  // Killed processes are restarted by the harness; none may die on its own (e.g. of the database's death).
  assert.deepEqual(result.crashExits, [], `processes exited on their own ${seed}`);
}

const summary = (r: ChaosResult) =>
  `seed ${r.seed} ${r.store}: ${r.verdict.ops} ops (Gmail ${JSON.stringify(r.opsByKind)}, Outlook ${JSON.stringify(r.outlookOpsByKind)}), ${r.verdict.uniqueEvents} events, kills ${JSON.stringify(r.killsByKind)}, crash exits ${r.crashExits.length}, ` +
  `duplicates ${r.verdict.duplicatedDeliveries}/${r.verdict.duplicatedEvents}, Outlook messages vanished between polls ${r.verdict.vanishedBetweenPolls}, order violations ${r.verdict.orderViolations.length} (sequence reuse ${r.verdict.sequenceReuse}), durations ${JSON.stringify(r.durationsMs)}`;

const run = (store: ChaosStore, log: (line: string) => void) =>
  runChaos({ store, seconds: 35, instances: 8, outlookInstances: 3, opsPerSecond: 8, killEverySeconds: 4, historyExpiries: 1, deltaExpiries: 1, grantRevocations: 1, leaseSeconds: 5, drainSeconds: 60, log });

test('chaos on PostgreSQL for 35 s: workers, api and the postmaster killed, nothing lost', { skip: SKIP, timeout: 180_000 }, async (t) => {
  const result = await run('postgres', (line) => t.diagnostic(line));
  t.diagnostic(summary(result));
  assertClean(result, ['worker', 'api', 'database']);
});

test('chaos on SQLite for 35 s: `changehook serve` killed at random, nothing lost', { timeout: 180_000 }, async (t) => {
  const result = await run('sqlite', (line) => t.diagnostic(line));
  t.diagnostic(summary(result));
  assertClean(result, ['serve']);
});
