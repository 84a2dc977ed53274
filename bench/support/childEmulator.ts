// A provider emulator in its own process (as in the sandbox), so the code under measurement and the
// emulator do not share one event loop. Quota and concurrency limits are lifted: benchmarks measure
// our code and the server, not Gmail's per-user limits. A latency model, when given, makes the child
// answer in Google's time (`--latency`, `--latency-p50`/`--latency-p99`).

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { LatencyModel } from '../../emulators/google/index.ts';

export interface ChildEmulator {
  baseUrl: string;
  /** GET/POST/PUT/DELETE against the control API under /__emulator. */
  control(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

export async function startChildEmulator(limits: { quota?: number; maxConcurrent?: number; latency?: LatencyModel } = {}): Promise<ChildEmulator> {
  return spawnEmulator('google', ['--quota', String(limits.quota ?? 1e9), '--max-concurrent', String(limits.maxConcurrent ?? 100_000), ...latencyFlags(limits.latency)]);
}

/**
 * The Microsoft emulator the same way. Its throttle (Graph's requests per mailbox per window, requests in
 * flight per mailbox) is lifted unless given: benchmarks measure our code, not Microsoft's limits.
 */
export async function startChildMicrosoftEmulator(limits: { requestsPerWindow?: number; maxConcurrent?: number; latency?: LatencyModel } = {}): Promise<ChildEmulator> {
  return spawnEmulator('microsoft', [
    '--requests-per-window',
    String(limits.requestsPerWindow ?? 1e9),
    '--max-concurrent',
    String(limits.maxConcurrent ?? 100_000),
    ...latencyFlags(limits.latency),
  ]);
}

async function spawnEmulator(provider: 'google' | 'microsoft', flags: string[]): Promise<ChildEmulator> {
  const main = fileURLToPath(new URL(`../../emulators/${provider}/main.ts`, import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const stdout = child.stdout as NodeJS.ReadableStream;
  stdout.setEncoding('utf8');
  const baseUrl = await new Promise<string>((resolve, reject) => {
    stdout.on('data', (chunk: string) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error(`emulator exited before listening: ${output}`)));
  });
  return {
    baseUrl,
    async control(method, path, body) {
      const response = await request(`${baseUrl}/__emulator${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.body.text();
      if (response.statusCode >= 300) throw new Error(`emulator control ${method} ${path}: ${response.statusCode} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async close() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

function latencyFlags(latency: LatencyModel | undefined): string[] {
  if (latency === undefined) return [];
  if ('fixedMs' in latency) return ['--latency', String(latency.fixedMs)];
  return ['--latency-p50', String(latency.p50Ms), '--latency-p99', String(latency.p99Ms)];
}
