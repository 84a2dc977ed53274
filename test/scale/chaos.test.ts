// The short CI run of the chaos harness (`npm run chaos -- --seconds 20`): three workers on PostgreSQL,
// SIGKILLs, Gmail faults, expired tokens and receiver outages for 20 s, then nothing may be lost. A
// killed worker's leases last 60 s, so the final wait takes about a minute of its own.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos } from '../../bench/support/chaosHarness.ts';

const SKIP = process.env.CHANGEHOOK_TEST_SKIP_POSTGRES === '1' ? 'needs PostgreSQL (CHANGEHOOK_TEST_SKIP_POSTGRES=1 is set)' : false;

test('chaos for 20 s: SIGKILLed workers, Gmail faults and receiver outages lose no change', { skip: SKIP, timeout: 240_000 }, async (t) => {
  const result = await runChaos({ seconds: 20, leaseSeconds: 15, log: (line) => t.diagnostic(line) });
  t.diagnostic(
    `seed ${result.seed}: ${result.changes.total} changes, ${result.events} events, lost ${result.lost}, duplicated deliveries ${result.duplicatedDeliveries}, ` +
      `kills ${result.kills.map((k) => `${k.worker} next delivery ${k.nextDeliveryMs} ms, taken over ${k.takeoverMs} ms`).join('; ')}`,
  );
  assert.ok(result.changes.total > 100, `only ${result.changes.total} changes were made`);
  assert.ok(result.kills.length > 0, 'no worker was killed');
  assert.deepEqual(result.lostChanges, [], `lost changes (seed ${result.seed})`);
  assert.equal(result.lost, 0);
  assert.equal(result.undeliveredEvents, 0, `events never delivered (seed ${result.seed})`);
  assert.equal(result.sequenceProblems, 0);
  assert.deepEqual(result.unexplainedDuplicates, [], 'notifications delivered twice by live workers');
  assert.ok(result.quiet, `not quiet after the final wait: ${JSON.stringify(result.notificationsByStatus)}`);
});
