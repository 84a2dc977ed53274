// Runs the `changehook` command as an operator does, in a child process, for tests of the command line:
// the checkout's bin/changehook.mjs by default, or an installed package's.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_MASTER_KEY } from './testApp.ts';
import type { TestDatabase } from './databases.ts';

export const CHECKOUT_CLI = path.resolve('bin/changehook.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined>, cli = CHECKOUT_CLI, timeoutMs = 60_000): Promise<CliResult> {
  return startCli(args, env, cli, timeoutMs).result;
}

/** Starts the command and returns at once: its process id, and its outcome once it exits. */
export function startCli(args: string[], env: Record<string, string | undefined>, cli = CHECKOUT_CLI, timeoutMs = 60_000): { pid: number; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`changehook ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { pid: child.pid!, result };
}

/** The environment that points the command at a test database (PostgreSQL needs the shared master key). */
export function databaseEnv(database: TestDatabase): Record<string, string> {
  return {
    CHANGEHOOK_DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl, CHANGEHOOK_MASTER_KEY: TEST_MASTER_KEY } : {}),
    LOG_LEVEL: 'warn',
  };
}

/** A `changehook serve` child process, as a crash test runs it: started, then killed with SIGKILL. */
export interface ServeProcess {
  /** The API's base URL, once the start-up banner printed it. */
  url: Promise<string>;
  kill(): Promise<void>;
}

export function startServe(env: Record<string, string | undefined>, cli = CHECKOUT_CLI): ServeProcess {
  const proc = spawn(process.execPath, [cli, 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = new Promise<string>((resolve, reject) => {
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /API\s+(http:\/\/\S+)\/elements\/api-v2/.exec(output)?.[1];
      if (found) resolve(found);
    });
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.once('exit', (code) => reject(new Error(`changehook exited (${code}) before starting:\n${output}`)));
  });
  return {
    url,
    kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      return exited;
    },
  };
}
