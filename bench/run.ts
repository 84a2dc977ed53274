// `npm run bench`: every benchmark in its own process (so one's memory and JIT state do not colour the
// next), in order, each printing its table and writing bench/results/<name>.json.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs: [string, string[]][] = [
  ['emulator-history.ts', ['--seconds', '3', '--messages', '0']],
  ['idlePoll.ts', []],
  ['idlePoll.ts', ['--store', 'postgres', '--rounds', '1']],
  // Outlook Email: idle polls (Graph message delta) against a bare client on the Microsoft emulator.
  ['outlookIdlePoll.ts', []],
  ['delivery.ts', []],
  // A receiver answering after 50 ms, at 4, 8 (the default) and 32 per origin.
  ['delivery.ts', ['--receiver-latency-ms', '50', '--rounds', '1']],
  ['latency.ts', []],
  ['scheduledMemory.ts', ['--instances', '0']],
  ['scheduledMemory.ts', ['--instances', '100000']],
  // Capacity at Google's latency (p50 100 ms / p99 300 ms): one serve on SQLite at its defaults; then
  // scale-out in a latency-bound setting (16 polls in flight per worker, more mailboxes than one worker
  // can poll), where a second worker should add nearly as much as the first.
  ['capacity.ts', ['--setups', 'serve', '--mailboxes', '5000', '--seconds', '30', '--label', 'capacity-serve']],
  ['capacity.ts', ['--setups', 'pg1,pg2', '--mailboxes', '20000', '--seconds', '30', '--env', 'CHANGEHOOK_POLL_CONCURRENCY=16', '--label', 'capacity-scale-out']],
  ['storage.ts', ['--events', '50000']],
  // Expired Gmail history: the state kept per mailbox and the quota of one recovery, at 10 000 and 100 000 messages.
  ['historyRecovery.ts', ['--messages', '10000,100000']],
];

let failed = 0;
for (const [script, args] of runs) {
  const file = fileURLToPath(new URL(script, import.meta.url));
  console.log(`\n# ${script} ${args.join(' ')}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file, ...args], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    console.log(`# ${script} exited with ${result.status}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
