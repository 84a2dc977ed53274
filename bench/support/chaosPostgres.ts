// A PostgreSQL cluster of the chaos harness's own — `initdb` and `pg_ctl` in a temporary folder on a free
// loopback port — so it can `kill -9` the postmaster and start it again without touching the machine's
// shared server. As root, initdb refuses to run: the cluster then belongs to the `postgres` user (its
// folder chowned to it, commands through `runuser -u postgres --`).

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`no PostgreSQL binaries under ${root}/*/bin`);
  return path.join(root, newest, 'bin');
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ChaosPostgres {
  private readonly asRoot = process.getuid?.() === 0;

  private constructor(
    private readonly bin: string,
    readonly folder: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return path.join(this.folder, 'data');
  }

  /** The database the product uses (trust authentication on loopback). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<ChaosPostgres> {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-chaos-pg-'));
    const cluster = new ChaosPostgres(binDir(), folder, await freePort());
    if (cluster.asRoot) await run('chown', ['postgres:postgres', folder]);
    await cluster.command('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await cluster.startServer();
    return cluster;
  }

  private command(tool: string, args: string[]) {
    const file = path.join(this.bin, tool);
    return this.asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args);
  }

  private async startServer(): Promise<void> {
    const options = `-p ${this.port} -k ${this.folder} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    await this.command('pg_ctl', ['start', '-w', '-t', '60', '-D', this.dataDir, '-l', path.join(this.folder, 'server.log'), '-o', options]);
  }

  /** The postmaster's pid, from its lock file (undefined when it is not running). */
  postmasterPid(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  /** `kill -9` of the postmaster; its backends notice and exit on their own. Returns the pid killed. */
  kill(): number | undefined {
    const pid = this.postmasterPid();
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    return pid;
  }

  /**
   * Starts the server again (crash recovery replays the WAL). Orphaned backends may hold the old shared
   * memory for a moment, which makes the start fail: retried until it works or the deadline passes.
   */
  async restart(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.startServer();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`PostgreSQL did not come back: ${(error as Error).message}\n${this.serverLog().slice(-2000)}`);
        await pause(200);
      }
    }
  }

  serverLog(): string {
    try {
      return fs.readFileSync(path.join(this.folder, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async destroy(): Promise<void> {
    await this.command('pg_ctl', ['stop', '-m', 'immediate', '-D', this.dataDir]).catch(() => this.kill());
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}
