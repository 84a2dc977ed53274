// `npm run chaos [-- --seconds 60 --workers 3 --instances 20 --rate 10 --seed N]`: the chaos harness
// (bench/support/chaosHarness.ts) on a fresh PostgreSQL database, loopback only. Prints lost (must be
// 0), duplicated deliveries and recovery times, writes bench/results/chaos.json, and exits 1 if any
// change was lost. `--seconds 20` is the short CI run.

import { parseArgs } from 'node:util';
import { runChaos, type ChaosResult } from './support/chaosHarness.ts';
import { median, report, type Row } from './support/report.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    workers: { type: 'string', default: '3' },
    instances: { type: 'string', default: '20' },
    rate: { type: 'string', default: '10' },
    seed: { type: 'string' },
    'drain-seconds': { type: 'string', default: '120' },
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

const result = await runChaos({
  seconds: positive('seconds', values.seconds),
  workers: Math.round(positive('workers', values.workers)),
  instances: Math.round(positive('instances', values.instances)),
  changesPerSecond: positive('rate', values.rate),
  drainSeconds: positive('drain-seconds', values['drain-seconds']),
  ...(values.seed === undefined ? {} : { seed: Math.round(positive('seed', values.seed)) }),
  log: (line) => console.error(line),
});

const seconds = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);
const spread = (values: (number | null)[]) => {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return 'n/a';
  const missing = values.length - known.length;
  return `median ${seconds(median(known))}, max ${seconds(Math.max(...known))}${missing ? `, ${missing} never` : ''}`;
};

function rows(r: ChaosResult): Row[] {
  return [
    { figure: 'run', value: `${r.seconds} s, api + ${r.workers} workers, ${r.instances} instances, seed ${r.seed}` },
    { figure: 'changes', value: `${r.changes.total} (${r.changes.newMessages} new messages, ${r.changes.labelChanges} label changes)` },
    { figure: 'events / notifications / deliveries', value: `${r.events} / ${r.notifications} / ${r.deliveries}` },
    { figure: 'lost', value: String(r.lost), target: '0', met: r.lost === 0 },
    { figure: 'events never delivered', value: String(r.undeliveredEvents), target: '0', met: r.undeliveredEvents === 0 },
    { figure: 'duplicated deliveries', value: `${r.duplicatedDeliveries} notifications, ${r.duplicatedEvents} events (at-least-once)` },
    { figure: 'duplicates no crash explains', value: String(r.unexplainedDuplicates.length), target: '0', met: r.unexplainedDuplicates.length === 0 },
    { figure: 'sequence problems', value: String(r.sequenceProblems), target: '0', met: r.sequenceProblems === 0 },
    { figure: 'SIGKILLs', value: r.kills.map((k) => `+${(k.at / 1000).toFixed(1)} s ${k.worker} (${k.leasedPolls} polls, ${k.leasedDeliveries} deliveries leased)`).join('; ') || 'none' },
    { figure: 'recovery: kill → next delivery', value: spread(r.kills.map((k) => k.nextDeliveryMs)) },
    { figure: 'recovery: kill → leases taken over', value: spread(r.kills.map((k) => k.takeoverMs)) },
    { figure: 'recovery: kill → all pending delivered', value: spread(r.kills.map((k) => k.pendingDeliveredMs)) },
    { figure: 'recovery: kill → worker restarted', value: spread(r.kills.map((k) => k.restartMs)) },
    { figure: 'faults', value: `${r.faults.gmail} Gmail, ${r.faults.tokenExpiries} token expiries, ${r.faults.receiverOutages} receiver outages (${r.faults.receiverMisbehaviours} requests)` },
    { figure: 'retries brought forward', value: String(r.retriesBroughtForward) },
    { figure: 'notifications by status', value: JSON.stringify(r.notificationsByStatus) },
    { figure: 'worker error logs', value: `${r.workerErrorLogs.count}${r.workerErrorLogs.samples.length ? `: ${r.workerErrorLogs.samples.slice(0, 3).join(' | ')}` : ''}` },
    { figure: 'durations', value: `setup ${seconds(r.durationsMs.setup)}, stream ${seconds(r.durationsMs.stream)}, final wait ${seconds(r.durationsMs.drain)}${r.quiet ? '' : ' (not quiet)'}, total ${seconds(r.durationsMs.total)}` },
  ];
}

report('chaos', rows(result), { result });
if (result.lostChanges.length > 0) console.error('lost changes:', JSON.stringify(result.lostChanges.slice(0, 20)));
process.exit(result.ok ? 0 : 1);
