// Scale-out on PostgreSQL: idle polls per second with 1 and with 2 `changehook worker` processes (plus a
// `changehook api`), read from the workers' own /metrics (changehook_polls_total). The harness keeps
// every schedule due, so the workers are never idle for lack of work. The Google emulator runs in its
// own process; on a 2-core machine the processes share the cores, which bounds what a second worker adds.
//
// Run: npx tsx bench/scaleOut.ts [--instances 64] [--seconds 5]

import { parseArgs } from 'node:util';
import { Cluster } from './support/chaosCluster.ts';
import { startChildEmulator } from './support/childEmulator.ts';
import { report } from './support/report.ts';
import { createTestDatabase } from '../test/support/databases.ts';

const { values } = parseArgs({ options: { instances: { type: 'string', default: '64' }, seconds: { type: 'string', default: '5' } } });
const INSTANCES = Number(values.instances);
const SECONDS = Number(values.seconds);

const emulator = await startChildEmulator();

async function pollsTotal(metricsUrls: string[]): Promise<number> {
  let total = 0;
  for (const url of metricsUrls) {
    const text = await (await fetch(url)).text();
    for (const match of text.matchAll(/^changehook_polls_total\{[^}]*outcome="success"[^}]*\} (\d+(?:\.\d+)?)$/gm)) total += Number(match[1]);
  }
  return total;
}

async function measure(workers: number): Promise<number> {
  const database = await createTestDatabase('postgres');
  const cluster = new Cluster({
    databaseUrl: database.databaseUrl!,
    dataDir: database.dataDir,
    googleBaseUrl: emulator.baseUrl,
    workerEnv: { CHANGEHOOK_METRICS_PORT: '0' },
  });
  try {
    await cluster.start(workers);
    const metricsUrls = cluster.workers.map((w) => {
      const match = /metrics\s+(http:\/\/\S+\/metrics)/.exec(w.output());
      if (!match) throw new Error(`${w.name} printed no metrics URL:\n${w.output()}`);
      return match[1]!;
    });
    for (let i = 0; i < INSTANCES; i += 1) {
      const email = `scale-${workers}-${i}@example.com`;
      await emulator.control('POST', '/mailboxes', { email });
      await cluster.connectMailbox(email, 'http://127.0.0.1:9/unused');
    }
    while ((await cluster.baselines()) < INSTANCES) await new Promise((r) => setTimeout(r, 50));
    const keepDue = setInterval(() => void cluster.pool.query('UPDATE poll_schedules SET next_run_at = 0 WHERE lease_owner IS NULL').catch(() => undefined), 10);
    await new Promise((r) => setTimeout(r, 1000)); // warm-up
    const before = await pollsTotal(metricsUrls);
    const started = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const after = await pollsTotal(metricsUrls);
    const elapsed = (performance.now() - started) / 1000;
    clearInterval(keepDue);
    return (after - before) / elapsed;
  } finally {
    await Promise.all([...cluster.workers, cluster.api].filter(Boolean).map((p) => p.stop('SIGTERM')));
    await cluster.pool.end();
    await database.drop();
  }
}

try {
  const one = await measure(1);
  const two = await measure(2);
  report(
    'scale-out',
    [
      { figure: 'idle polls/s, PostgreSQL, 1 worker process', value: one.toFixed(0) },
      { figure: 'idle polls/s, PostgreSQL, 2 worker processes', value: two.toFixed(0) },
      { figure: '2 workers / 1 worker', value: (two / one).toFixed(2) },
    ],
    { one, two, instances: INSTANCES, seconds: SECONDS },
  );
} finally {
  await emulator.close();
}
