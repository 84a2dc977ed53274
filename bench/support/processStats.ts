// CPU time and resident memory of processes, read from /proc (Linux), and the figures a Prometheus
// text scrape holds: counters summed over label sets and histograms merged across processes.

import fs from 'node:fs';

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Resident set size in bytes (0 once the process is gone). */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Pids of running processes whose command line contains `needle` (e.g. the PostgreSQL server's). */
export function pidsMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The sum of every sample of `name` (all label sets) in a Prometheus text scrape. */
export function counterSum(scrape: string, name: string, labelFilter?: RegExp): number {
  let total = 0;
  for (const match of scrape.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) {
    if (labelFilter && !labelFilter.test(match[1] ?? '')) continue;
    total += Number(match[2]);
  }
  return total;
}

/** Cumulative bucket counts of a histogram, by upper bound (`+Inf` as Infinity). */
export function histogramBuckets(scrape: string, name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const match of scrape.matchAll(new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm'))) {
    const le = match[1] === '+Inf' ? Infinity : Number(match[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
  }
  return buckets;
}

/** Bucket counts of `after` minus `before` (the observations between two scrapes). */
export function bucketDelta(after: Map<number, number>, before: Map<number, number>): Map<number, number> {
  const delta = new Map<number, number>();
  for (const [le, count] of after) delta.set(le, count - (before.get(le) ?? 0));
  return delta;
}

/**
 * The q-quantile of a cumulative histogram, interpolated linearly inside its bucket (as Prometheus'
 * histogram_quantile does); `Infinity` when it falls in the +Inf bucket.
 */
export function histogramQuantile(buckets: Map<number, number>, q: number): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound)!;
    if (count >= rank) {
      if (bound === Infinity) return Infinity;
      return lower + ((bound - lower) * (rank - below)) / Math.max(1, count - below);
    }
    lower = bound;
    below = count;
  }
  return Infinity;
}

/** The upper bound of the highest bucket that received an observation: the maximum is at most this. */
export function histogramMaxBound(buckets: Map<number, number>): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  let previous = 0;
  let maxBound = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound)!;
    if (count > previous) maxBound = bound;
    previous = count;
  }
  return maxBound;
}
