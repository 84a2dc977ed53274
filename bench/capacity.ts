// Capacity at the provider's real latency: N mailboxes polled every `--interval` minutes while the
// Google emulator (its own process) answers after a lognormal latency of p50 100 ms / p99 300 ms. A
// node's poll rate is then polls in flight ÷ latency, which a zero-latency emulator hides.
//
// For each setup — one `changehook serve` on SQLite; `changehook api` + 1 worker on PostgreSQL; api + 2
// workers — the store is seeded with N instances whose baselines are taken and whose first polls fall
// due evenly over one interval, the processes start, and after a warm-up the benchmark measures for
// `--seconds`: polls/s the emulator served (history.list calls: ground truth from outside) against the
// rate required (N ÷ interval), schedule lateness p50/p99 (the product's histogram) and the bucket the
// maximum fell in, CPU of the product's processes and of PostgreSQL, peak RSS, and the database size.
//
// Short default (part of `npm run bench`): 2 000 mailboxes, 30 s. The full run of the issue:
//   npx tsx bench/capacity.ts --mailboxes 100000 --seconds 180
// Other knobs: --setups serve,pg1,pg2  --latency-p50 100 --latency-p99 300  --interval 1
//   --env CHANGEHOOK_POLL_CONCURRENCY=64 (repeatable; passed to every product process)
//   --product <checkout> (measure another checkout of Changehook, e.g. an older commit) --label before

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../test/support/databases.ts';
import { seedCapacity } from './support/capacitySeed.ts';
import { ChangehookProcess } from './support/chaosCluster.ts';
import { startChildEmulator } from './support/childEmulator.ts';
import { bucketDelta, counterSum, cpuSeconds, histogramBuckets, histogramMaxBound, histogramQuantile, pidsMatching, rssBytes } from './support/processStats.ts';
import { report, type Row } from './support/report.ts';

const { values } = parseArgs({
  options: {
    mailboxes: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '10' },
    interval: { type: 'string', default: '1' },
    setups: { type: 'string', default: 'serve,pg1,pg2' },
    'latency-p50': { type: 'string', default: '100' },
    'latency-p99': { type: 'string', default: '300' },
    env: { type: 'string', multiple: true, default: [] },
    product: { type: 'string' },
    label: { type: 'string', default: 'capacity' },
  },
});
const MAILBOXES = Number(values.mailboxes);
const SECONDS = Number(values.seconds);
const WARMUP_SECONDS = Number(values.warmup);
const INTERVAL_MINUTES = Number(values.interval);
const ROOT = path.resolve(values.product ?? fileURLToPath(new URL('../', import.meta.url)));
const EXTRA_ENV = Object.fromEntries(values.env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
const REQUIRED = MAILBOXES / (INTERVAL_MINUTES * 60);

type Setup = 'serve' | 'pg1' | 'pg2';
const SETUP_NAMES: Record<Setup, string> = { serve: 'serve, SQLite', pg1: 'api + 1 worker, PostgreSQL', pg2: 'api + 2 workers, PostgreSQL' };

interface Measured {
  setup: Setup;
  pollsPerSecond: number;
  reportedPollsPerSecond: number;
  latenessP50: number;
  latenessP99: number;
  latenessMaxBound: number;
  productCpuPercent: number;
  postgresCpuPercent: number;
  peakRssMb: number;
  /** V8 heap in use / allocated at the end, summed over the product's processes. */
  heapUsedMb: number;
  heapTotalMb: number;
  databaseMb: number;
  fallingBehindWarnings: number;
  /** Instances whose access token the product refreshed (seeded expiries spread over an hour). */
  tokenRefreshes: number;
}

const emulator = await startChildEmulator();
const latency = { p50Ms: Number(values['latency-p50']), p99Ms: Number(values['latency-p99']) };

function spawnProduct(role: 'serve' | 'api' | 'worker', name: string, env: Record<string, string>): ChangehookProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/changehook.mjs'), role], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: '0', LOG_LEVEL: 'warn', ...(role === 'worker' ? { CHANGEHOOK_METRICS_PORT: '0' } : {}), ...EXTRA_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ChangehookProcess(role === 'worker' ? 'worker' : 'api', name, child);
}

function metricsUrl(process: ChangehookProcess): string {
  if (process.role === 'api') return `${process.url}/metrics`;
  const match = /metrics\s+(http:\/\/\S+\/metrics)/.exec(process.output());
  if (!match) throw new Error(`${process.name} printed no metrics URL:\n${process.output()}`);
  return match[1]!;
}

async function scrape(urls: string[]): Promise<string> {
  return (await Promise.all(urls.map(async (url) => (await fetch(url)).text()))).join('\n');
}

async function historyCalls(): Promise<number> {
  const calls = (await emulator.control('GET', '/calls')) as { calls: Record<string, number> };
  return calls.calls['gmail.users.history.list'] ?? 0;
}

async function measure(setup: Setup): Promise<Measured> {
  await emulator.control('POST', '/reset');
  await emulator.control('DELETE', '/latency');
  const database: TestDatabase | undefined = setup === 'serve' ? undefined : await createTestDatabase('postgres');
  const dataDir = database?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-capacity-'));
  const env: Record<string, string> = {
    CHANGEHOOK_DATA_DIR: dataDir,
    CHANGEHOOK_MASTER_KEY: crypto.randomBytes(32).toString('base64'),
    CHANGEHOOK_GOOGLE_BASE_URL: emulator.baseUrl,
    ...(database ? { DATABASE_URL: database.databaseUrl! } : {}),
  };
  const processes: ChangehookProcess[] = [];
  try {
    const firstDueAt = Date.now() + 1_000_000_000; // placeholder: moved once the processes run
    const seededAt = await seedCapacity({ root: ROOT, emulator, mailboxes: MAILBOXES, intervalMinutes: INTERVAL_MINUTES, env, firstDueAt });
    await emulator.control('PUT', '/latency', latency);

    const roles: ('serve' | 'api' | 'worker')[] = setup === 'serve' ? ['serve'] : setup === 'pg1' ? ['api', 'worker'] : ['api', 'worker', 'worker'];
    for (const [i, role] of roles.entries()) {
      const child = spawnProduct(role, `${role}-${i}`, env);
      processes.push(child);
      await child.ready();
    }
    // Due evenly over one interval from now, so the measured load is the steady state, not a start-up wave.
    await shiftSchedules(env, Date.now() - firstDueAt);

    await new Promise((r) => setTimeout(r, WARMUP_SECONDS * 1000));
    const urls = processes.map(metricsUrl);
    // PostgreSQL's backends come and go with the pools' idle connections: CPU per pid, counting a pid
    // that appears during the window from zero.
    const postgresCpu = (): Map<number, number> => new Map(database ? pidsMatching('postgres').map((pid) => [pid, cpuSeconds(pid)]) : []);
    const cpu = () => ({ product: processes.reduce((t, p) => t + cpuSeconds(p.pid), 0), postgres: postgresCpu() });
    const before = { scrape: await scrape(urls), calls: await historyCalls(), cpu: cpu(), at: performance.now() };
    let peakRss = 0;
    const deadline = performance.now() + SECONDS * 1000;
    while (performance.now() < deadline) {
      peakRss = Math.max(peakRss, ...processes.map((p) => rssBytes(p.pid)));
      await new Promise((r) => setTimeout(r, 1000));
    }
    const after = { scrape: await scrape(urls), calls: await historyCalls(), cpu: cpu(), at: performance.now() };
    const elapsed = (after.at - before.at) / 1000;
    const lateness = bucketDelta(histogramBuckets(after.scrape, 'changehook_poll_lateness_seconds'), histogramBuckets(before.scrape, 'changehook_poll_lateness_seconds'));
    const pollsFilter = /outcome="success"/;
    return {
      setup,
      pollsPerSecond: (after.calls - before.calls) / elapsed,
      reportedPollsPerSecond: (counterSum(after.scrape, 'changehook_polls_total', pollsFilter) - counterSum(before.scrape, 'changehook_polls_total', pollsFilter)) / elapsed,
      latenessP50: histogramQuantile(lateness, 0.5),
      latenessP99: histogramQuantile(lateness, 0.99),
      latenessMaxBound: histogramMaxBound(lateness),
      productCpuPercent: ((after.cpu.product - before.cpu.product) / elapsed) * 100,
      postgresCpuPercent: ([...after.cpu.postgres].reduce((t, [pid, seconds]) => t + Math.max(0, seconds - (before.cpu.postgres.get(pid) ?? 0)), 0) / elapsed) * 100,
      peakRssMb: peakRss / 1e6,
      heapUsedMb: counterSum(after.scrape, 'nodejs_heap_size_used_bytes') / 1e6,
      heapTotalMb: counterSum(after.scrape, 'nodejs_heap_size_total_bytes') / 1e6,
      databaseMb: (await databaseBytes(setup, env, dataDir)) / 1e6,
      fallingBehindWarnings: processes.reduce((n, p) => n + (p.output().match(/falling behind/g)?.length ?? 0), 0),
      // A refresh writes the instance's new token and updated_at; the seed wrote none later than seededAt.
      tokenRefreshes: await withStore(env, async (db) => (await db.selectFrom('instances').select('id').where('updated_at', '>', seededAt).execute()).length),
    };
  } finally {
    await Promise.all(processes.map((p) => p.stop('SIGTERM', 60_000).catch(() => p.stop('SIGKILL'))));
    await database?.drop();
    if (!database) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs `work` over the product's store, opened with the product's own module. */
async function withStore<T>(env: Record<string, string>, work: (db: import('kysely').Kysely<import('../src/store/index.ts').Database>) => Promise<T>): Promise<T> {
  const { openStore } = (await import(path.join(ROOT, 'src/store/index.ts'))) as typeof import('../src/store/index.ts');
  const store = await openStore({ dataDir: env.CHANGEHOOK_DATA_DIR!, ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}) });
  try {
    return await work(store.db);
  } finally {
    await store.close();
  }
}

/** Moves every schedule's due time by `deltaMs`. */
async function shiftSchedules(env: Record<string, string>, deltaMs: number): Promise<void> {
  await withStore(env, async (db) => {
    await db.updateTable('poll_schedules').set((eb) => ({ next_run_at: eb('next_run_at', '+', Math.round(deltaMs)) })).execute();
  });
}

async function databaseBytes(setup: Setup, env: Record<string, string>, dataDir: string): Promise<number> {
  if (setup === 'serve') {
    return fs.readdirSync(dataDir).filter((f) => f.startsWith('changehook.sqlite')).reduce((sum, f) => sum + fs.statSync(path.join(dataDir, f)).size, 0);
  }
  const { sql } = await import('kysely');
  return withStore(env, async (db) => Number((await sql<{ size: string }>`SELECT pg_database_size(current_database()) AS size`.execute(db)).rows[0]!.size));
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : n === Infinity ? '>3600' : 'n/a');

try {
  const setups = values.setups.split(',').map((s) => s.trim()) as Setup[];
  const results: Measured[] = [];
  for (const setup of setups) {
    if (!(setup in SETUP_NAMES)) throw new Error(`unknown setup ${setup}; use serve, pg1, pg2`);
    results.push(await measure(setup));
  }
  const rows: Row[] = [];
  for (const r of results) {
    const name = SETUP_NAMES[r.setup];
    const keepsUp = r.pollsPerSecond >= REQUIRED * 0.98;
    rows.push({ figure: `${name}: polls/s served by the emulator (required ${REQUIRED.toFixed(0)})`, value: `${fmt(r.pollsPerSecond)} (the product counted ${fmt(r.reportedPollsPerSecond)})`, ...(r.setup === 'serve' ? { target: `>= ${REQUIRED.toFixed(0)}`, met: keepsUp } : {}) });
    const lateness = Number.isNaN(r.latenessP50) ? 'n/a (no lateness metric)' : `${fmt(r.latenessP50, 2)} / ${fmt(r.latenessP99, 2)} / <= ${fmt(r.latenessMaxBound, 1)}`;
    rows.push({ figure: `${name}: lateness p50 / p99 / max bucket (s)`, value: lateness, ...(r.setup === 'serve' ? { target: 'p99 <= 5', met: r.latenessP99 <= 5 } : {}) });
    rows.push({ figure: `${name}: CPU of the product / of PostgreSQL (% of one core)`, value: `${fmt(r.productCpuPercent)} / ${r.setup === 'serve' ? '-' : fmt(r.postgresCpuPercent)}` });
    rows.push({ figure: `${name}: peak RSS of one product process (MB); V8 heap used / allocated, all processes`, value: `${fmt(r.peakRssMb)}; ${fmt(r.heapUsedMb)} / ${fmt(r.heapTotalMb)}`, ...(r.setup === 'serve' ? { target: 'RSS <= 500', met: r.peakRssMb <= 500 } : {}) });
    rows.push({ figure: `${name}: database size (MB); falling-behind warnings; tokens refreshed`, value: `${fmt(r.databaseMb, 1)}; ${r.fallingBehindWarnings}; ${r.tokenRefreshes}` });
  }
  const one = results.find((r) => r.setup === 'pg1');
  const two = results.find((r) => r.setup === 'pg2');
  if (one && two) {
    const ratio = two.pollsPerSecond / one.pollsPerSecond;
    rows.push({ figure: 'PostgreSQL: 2 workers / 1 worker (polls/s)', value: ratio.toFixed(2), target: '>= 1.6 when latency-bound', met: ratio >= 1.6 });
  }
  report(values.label, rows, { mailboxes: MAILBOXES, seconds: SECONDS, intervalMinutes: INTERVAL_MINUTES, latency, env: EXTRA_ENV, product: values.product ? 'other checkout' : 'this checkout', results });
} finally {
  await emulator.close();
}
