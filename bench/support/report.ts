// Figures of a benchmark: medians and percentiles, a printed table, and a JSON file under
// bench/results/ (git-ignored) for comparing runs.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * One warm-up of each side (JIT, connections), then `rounds` interleaved rounds, so drift of a noisy
 * machine touches both sides alike. Returns each side's figures.
 */
export async function interleavedRounds(rounds: number, bare: () => Promise<number>, product: () => Promise<number>): Promise<{ bare: number[]; product: number[] }> {
  await bare();
  await product();
  const result = { bare: [] as number[], product: [] as number[] };
  for (let round = 0; round < rounds; round += 1) {
    result.bare.push(await bare());
    result.product.push(await product());
  }
  return result;
}

export interface Row {
  figure: string;
  value: string;
  target?: string;
  met?: boolean;
}

export function report(name: string, rows: Row[], data: Record<string, unknown>): void {
  const width = Math.max(...rows.map((r) => r.figure.length));
  console.log(`\n== ${name} ==`);
  for (const row of rows) {
    const verdict = row.target === undefined ? '' : `  target ${row.target}: ${row.met ? 'met' : 'NOT met'}`;
    console.log(`${row.figure.padEnd(width)}  ${row.value}${verdict}`);
  }
  writeResult(name, { name, date: new Date().toISOString(), rows, ...data });
}

/** Writes bench/results/<name>.json. */
export function writeResult(name: string, data: unknown): void {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(data, (_key, value) => (typeof value === 'bigint' ? String(value) : value), 2));
}
