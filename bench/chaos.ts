// `npm run chaos [-- --minutes 10 | --seconds 60] [--store postgres|sqlite] [--seed N] [--workers 3]
// [--instances 12] [--outlook N] [--rate 10] [--kill-every 7] [--drain-seconds 180]`: the chaos harness
// (bench/support/chaosHarness.ts), loopback only. `--outlook` is how many of the instances are Outlook
// mailboxes (default a third of --instances; 0 for Gmail only). Prints the seed, kills by kind, the independent verdict
// (lost, misclassified, phantom, forged must be 0), duplicates, order violations and recovery times,
// writes bench/results/chaos.json, and exits 1 unless the verdict is clean. Repeat a run with --seed.

import { parseArgs } from 'node:util';
import { runChaos, type ChaosResult, type ChaosStore } from './support/chaosHarness.ts';
import { median, report, writeResult, type Row } from './support/report.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    store: { type: 'string', default: 'postgres' },
    workers: { type: 'string', default: '3' },
    instances: { type: 'string', default: '12' },
    outlook: { type: 'string' },
    rate: { type: 'string', default: '10' },
    'kill-every': { type: 'string', default: '7' },
    seed: { type: 'string' },
    'drain-seconds': { type: 'string', default: '180' },
  },
});

function positive(name: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

if (values.store !== 'postgres' && values.store !== 'sqlite') {
  console.error(`--store must be postgres or sqlite, got "${values.store}"`);
  process.exit(2);
}
const seconds = values.minutes !== undefined ? positive('minutes', values.minutes) * 60 : positive('seconds', values.seconds ?? '60');
const instances = Math.round(positive('instances', values.instances));
const outlook = values.outlook === undefined ? Math.floor(instances / 3) : Number(values.outlook);
if (!Number.isInteger(outlook) || outlook < 0 || outlook > instances) {
  console.error(`--outlook must be an integer from 0 to --instances (${instances}), got "${values.outlook}"`);
  process.exit(2);
}
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Math.round(Number(values.seed));
console.error(`chaos: seed ${seed} (repeat with --seed ${seed})`);

const result = await runChaos({
  seconds,
  store: values.store as ChaosStore,
  workers: Math.round(positive('workers', values.workers)),
  instances,
  outlookInstances: outlook,
  opsPerSecond: positive('rate', values.rate),
  killEverySeconds: positive('kill-every', values['kill-every']),
  drainSeconds: positive('drain-seconds', values['drain-seconds']),
  seed,
  log: (line) => console.error(line),
});

const secs = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);
const spread = (values: (number | null)[]) => {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return 'n/a';
  const missing = values.length - known.length;
  return `median ${secs(median(known))}, max ${secs(Math.max(...known))}${missing ? `, ${missing} never` : ''}`;
};

function chaosRows(r: ChaosResult): Row[] {
  const v = r.verdict;
  const kinds = Object.entries(r.killsByKind).filter(([, n]) => n > 0);
  const byKind = (kind: string, pick: (k: ChaosResult['kills'][number]) => number | null) => spread(r.kills.filter((k) => k.kind === kind).map(pick));
  return [
    { figure: 'run', value: `${r.store}, ${r.seconds} s, ${r.store === 'postgres' ? `api + ${r.workers} workers` : 'serve'}, ${r.instances} instances (${r.instances - r.outlookInstances} Gmail, ${r.outlookInstances} Outlook), seed ${r.seed}` },
    { figure: 'ops', value: `${v.ops}` },
    { figure: 'Gmail ops', value: Object.entries(r.opsByKind).map(([k, n]) => `${k} ${n}`).join(', ') || 'none' },
    { figure: 'Outlook ops', value: Object.entries(r.outlookOpsByKind).map(([k, n]) => `${k} ${n}`).join(', ') || 'none' },
    { figure: 'bodies / unique events', value: `${v.bodies} / ${v.uniqueEvents}` },
    { figure: 'kills', value: `${r.kills.length} (${kinds.map(([k, n]) => `${k} ${n}`).join(', ')})`, target: '≥ 50 in 10 min', met: r.kills.length >= Math.min(50, Math.floor(r.seconds / 12)) },
    { figure: 'crash exits (restarted)', value: `${r.crashExits.length}${r.crashExits.length ? `: ${r.crashExits.slice(0, 3).map((c) => `${c.process} ${c.code ?? c.signal}`).join('; ')}` : ''}` },
    { figure: 'lost', value: String(v.lost.length), target: '0', met: v.lost.length === 0 },
    { figure: 'misclassified (ops / events)', value: `${v.misclassified.length} / ${v.misclassifiedEvents.length}`, target: '0', met: v.misclassified.length + v.misclassifiedEvents.length === 0 },
    { figure: 'phantom', value: String(v.phantom.length), target: '0', met: v.phantom.length === 0 },
    { figure: 'forged', value: String(v.forged.length), target: '0', met: v.forged.length === 0 },
    { figure: 'duplicates (at-least-once)', value: `${v.duplicatedDeliveries} deliveries, ${v.duplicatedEvents} events` },
    { figure: 'order violations', value: `${v.orderViolations.length} (sequence reuse ${v.sequenceReuse})`, target: '0', met: v.orderViolations.length + v.sequenceReuse === 0 },
    { figure: 'new messages seen only as DELETED', value: String(v.createdThenDeleted) },
    { figure: 'DELETED without a version (recoveries)', value: String(v.unversionedDeletes) },
    { figure: 'Outlook messages created and deleted between two delta rounds (nothing to report)', value: String(v.vanishedBetweenPolls) },
    ...kinds.map(([kind]) => ({ figure: `recovery after ${kind} kill`, value: `restart ${byKind(kind, (k) => k.restartMs)}; next delivery ${byKind(kind, (k) => k.nextDeliveryMs)}; ops before it all covered ${byKind(kind, (k) => k.coveredMs)}` })),
    {
      figure: 'faults',
      value:
        `${r.faults.gmail} Gmail, ${r.faults.outlook} Graph delta, ${r.faults.tokenExpiries} Google and ${r.faults.outlookTokenExpiries} Microsoft token expiries, ` +
        `${r.faults.historyExpiries} history expiries (recovered ${r.faults.historyRecoveryMs.map(secs).join(', ')}${r.faults.historyExpiriesSkipped ? `; ${r.faults.historyExpiriesSkipped} skipped, the product being behind` : ''}), ` +
        `${r.faults.deltaExpiries} delta-state expiries (recovered ${r.faults.deltaRecoveryMs.map(secs).join(', ')}${r.faults.deltaExpiriesSkipped ? `; ${r.faults.deltaExpiriesSkipped} skipped, the product being behind` : ''}), ` +
        `${r.faults.grantRevocations} revoked grants (${r.faults.grantRevocationProviders.join(', ')}; re-authenticated and caught up ${r.faults.grantRecoveryMs.map(secs).join(', ')}), ${r.faults.receiverOutages} receiver outages (${r.faults.receiverMisbehaviours} requests)`,
    },
    { figure: 'retries brought forward', value: String(r.retriesBroughtForward) },
    { figure: 'Graph 429s (over a mailbox limit)', value: `${r.outlookThrottled.total} (the owners' ${r.outlookThrottled.owners})` },
    { figure: 'durations', value: `setup ${secs(r.durationsMs.setup)}, chaos ${secs(r.durationsMs.stream)}, final wait ${secs(r.durationsMs.drain)}${r.quiet ? '' : ' (not quiet)'}, total ${secs(r.durationsMs.total)}` },
  ];
}

const { evidence, ...figures } = result;
report('chaos', chaosRows(result), { result: figures });
// The op log and the received bodies, so a verdict can be looked into (and judged again) after the run.
writeResult('chaos-evidence', evidence);
const v = result.verdict;
for (const [name, list] of [['lost', v.lost], ['misclassified', v.misclassified], ['misclassified events', v.misclassifiedEvents], ['phantom', v.phantom], ['forged', v.forged]] as const) {
  if (list.length > 0) console.error(`${name}:`, JSON.stringify(list.slice(0, 10), (_k, x) => (typeof x === 'bigint' ? String(x) : x)));
}
console.error(`seed ${result.seed}`);
process.exit(result.ok ? 0 : 1);
