// A deployment of Changehook for the scale tests and the chaos harness: one `changehook api` and any
// number of `changehook worker` child processes sharing one PostgreSQL database — or, without a
// DATABASE_URL, one `changehook serve` on SQLite — Gmail and Outlook mailboxes connected through the API
// exactly as a developer would, and views of the store (leases, events, notifications) for the scale
// tests. The chaos verdict reads none of them (see noLossVerdict.ts).

import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import path from 'node:path';
import pg from 'pg';
import * as google from '../../emulators/google/index.ts';
import * as microsoft from '../../emulators/microsoft/index.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const CHANGEHOOK = fileURLToPath(new URL('../../bin/changehook.mjs', import.meta.url));
/** Output kept per process for failure messages; workers log JSON lines and may be chatty under faults. */
const OUTPUT_LIMIT = 256 * 1024;
const OAUTH_CALLBACK = 'https://app.example.com/oauth/callback';

/** The elements the cluster connects mailboxes of: Gmail and Outlook Email. */
export type MailElementKey = 'gmail' | 'outlookemail';

/** Per element: the sandbox OAuth client and the emulator's consent page (each user consents at their provider). */
const SANDBOX: Record<MailElementKey, { clientId: string; clientSecret: string; consent: (authUrl: string, email: string) => Promise<{ code: string }> }> = {
  gmail: { clientId: google.SANDBOX_CLIENT_ID, clientSecret: google.SANDBOX_CLIENT_SECRET, consent: (url, email) => google.approveConsent(url, email) },
  outlookemail: { clientId: microsoft.SANDBOX_CLIENT_ID, clientSecret: microsoft.SANDBOX_CLIENT_SECRET, consent: (url, email) => microsoft.approveConsent(url, email) },
};

export type ProcessRole = 'api' | 'worker' | 'serve';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One `changehook api|worker` child process. */
export class ChangehookProcess {
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  exit?: ProcessExit;
  /** Base URL of the API (api role only). */
  url?: string;
  private text = '';
  /** JSON log lines the process wrote (pino). */
  readonly logs: Record<string, unknown>[] = [];
  private pending = '';

  constructor(
    readonly role: ProcessRole,
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    if (child.pid === undefined) throw new Error(`${name} did not start`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.collect(chunk, true));
    child.stderr!.on('data', (chunk: string) => this.collect(chunk, false));
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** What the process printed (the last OUTPUT_LIMIT characters). */
  output(): string {
    return this.text;
  }

  /** Resolves once the start-up banner is out (the API's URL for the api role). */
  ready(timeoutMs = 60_000): Promise<void> {
    const banner = this.role !== 'worker' ? /API\s+(http:\/\/\S+)\/elements\/api-v2/ : /Changehook worker is running/;
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = banner.exec(this.text);
        if (!match) return false;
        if (this.role !== 'worker') this.url = match[1];
        cleanup();
        resolve();
        return true;
      };
      const onData = () => void check();
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} printed no banner within ${timeoutMs} ms:\n${this.text}`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`${this.name} exited (${code}) before starting:\n${this.text}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout!.off('data', onData);
        this.child.off('exit', onExit);
      };
      this.child.stdout!.on('data', onData);
      this.child.once('exit', onExit);
      check();
    });
  }

  /** Sends the signal and waits for the exit (SIGKILL cannot be refused). */
  async stop(signal: NodeJS.Signals, timeoutMs = 30_000): Promise<ProcessExit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms of ${signal}:\n${this.text.slice(-4000)}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private collect(chunk: string, stdout: boolean): void {
    this.text += chunk;
    if (this.text.length > OUTPUT_LIMIT) this.text = this.text.slice(-OUTPUT_LIMIT);
    if (!stdout) return;
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        this.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    if (this.logs.length > 20_000) this.logs.splice(0, this.logs.length - 20_000);
  }
}

export interface ClusterOptions {
  /** PostgreSQL (api + workers); absent: SQLite in dataDir, one `changehook serve`. */
  databaseUrl?: string;
  dataDir: string;
  googleBaseUrl: string;
  /** The Microsoft emulator's plain-HTTP origin (CHANGEHOOK_MICROSOFT_BASE_URL); absent: Outlook is not used. */
  microsoftBaseUrl?: string;
  /** Extra environment for every process (e.g. LOG_LEVEL, CHANGEHOOK_DELIVERY_TIMEOUT_SECONDS). */
  env?: Record<string, string>;
  /** Extra environment for worker processes only. */
  workerEnv?: Record<string, string>;
}

export interface ConnectedInstance {
  id: number;
  token: string;
  email: string;
  /** Absent: gmail. */
  element?: MailElementKey;
}

/** A lease on a poll schedule or a notification, as the store shows it. */
export interface LeaseRow {
  id: string;
  owner: string;
  until: number;
}

/** `poller-<pid>-<hex>` / `dispatcher-<pid>-<hex>`: the process that holds a lease. */
export function leaseOwnerPid(owner: string): number | undefined {
  const match = /-(\d+)-[0-9a-f]+$/.exec(owner);
  return match ? Number(match[1]) : undefined;
}

export class Cluster {
  readonly orgSecret = `org-${crypto.randomBytes(12).toString('hex')}`;
  readonly userSecret = `user-${crypto.randomBytes(12).toString('hex')}`;
  readonly masterKey = crypto.randomBytes(32).toString('base64');
  readonly pool: pg.Pool;
  api!: ChangehookProcess;
  readonly workers: ChangehookProcess[] = [];
  private spawned = 0;
  /** Every process ever started, so close() also stops one that was replaced while starting. */
  private readonly everyProcess: ChangehookProcess[] = [];

  constructor(readonly options: ClusterOptions) {
    this.pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
    // An idle client dropped by the server (e.g. the database being dropped at the end) is not a crash.
    this.pool.on('error', () => undefined);
  }

  get auth(): string {
    return `User ${this.userSecret}, Organization ${this.orgSecret}`;
  }

  /** The warnings and errors every process logged (pino lines, each with the process's name). */
  logs(): Record<string, unknown>[] {
    return this.everyProcess.flatMap((p) => p.logs.map((line) => ({ process: p.name, ...line })));
  }

  /** The API first (it migrates the schema and creates the tenant), then the workers; on SQLite one `serve`. */
  async start(workers: number): Promise<void> {
    await this.startApi();
    if (this.options.databaseUrl === undefined) return;
    await Promise.all(Array.from({ length: workers }, () => this.startWorker()));
  }

  /** A new api process (`serve` on SQLite), e.g. after the last one was killed. */
  async startApi(): Promise<ChangehookProcess> {
    this.api = this.spawn(this.options.databaseUrl === undefined ? 'serve' : 'api');
    await this.api.ready();
    return this.api;
  }

  /** The instance's Standard Webhooks secret (`whsec_…`), from the API. */
  async webhookSecret(instanceId: number): Promise<string> {
    const response = await this.call('GET', `/instances/${instanceId}/webhook-secret`);
    const secret = Object.values(response.body).find((v): v is string => typeof v === 'string' && v.startsWith('whsec_'));
    if (response.status !== 200 || secret === undefined) throw new Error(`webhook secret of ${instanceId}: ${response.status} ${JSON.stringify(response.body)}`);
    return secret;
  }

  /**
   * Brings forward the next attempt of RETRYING notifications due later than `horizonMs` from now (a
   * second failure waits 5 minutes), as time passing would. Returns their ids; [] if the store is down.
   */
  async bringRetriesForward(horizonMs = 10_000): Promise<string[]> {
    const now = Date.now();
    if (this.options.databaseUrl !== undefined) {
      const moved = await this.pool
        .query<{ id: string }>("UPDATE notifications SET next_attempt_at = $1 WHERE status = 'RETRYING' AND next_attempt_at > $2 RETURNING id", [now, now + horizonMs])
        .catch(() => ({ rows: [] as { id: string }[] }));
      return moved.rows.map((r) => r.id);
    }
    try {
      const db = new SQLite(path.join(this.options.dataDir, 'changehook.sqlite'), { timeout: 5000 });
      try {
        const rows = db.prepare("UPDATE notifications SET next_attempt_at = ? WHERE status = 'RETRYING' AND next_attempt_at > ? RETURNING id").all(now, now + horizonMs) as { id: string }[];
        return rows.map((r) => r.id);
      } finally {
        db.close();
      }
    } catch {
      return [];
    }
  }

  async startWorker(): Promise<ChangehookProcess> {
    const worker = this.spawn('worker');
    this.workers.push(worker);
    await worker.ready();
    return worker;
  }

  liveWorkers(): ChangehookProcess[] {
    return this.workers.filter((w) => w.alive);
  }

  private spawn(role: ProcessRole): ChangehookProcess {
    this.spawned += 1;
    const child = spawn(process.execPath, [CHANGEHOOK, role], {
      cwd: REPOSITORY,
      env: {
        ...withoutDatabaseUrl(process.env),
        ...(this.options.databaseUrl === undefined ? {} : { DATABASE_URL: this.options.databaseUrl }),
        CHANGEHOOK_MASTER_KEY: this.masterKey,
        CHANGEHOOK_DATA_DIR: this.options.dataDir,
        CHANGEHOOK_GOOGLE_BASE_URL: this.options.googleBaseUrl,
        ...(this.options.microsoftBaseUrl === undefined ? {} : { CHANGEHOOK_MICROSOFT_BASE_URL: this.options.microsoftBaseUrl }),
        CHANGEHOOK_SANDBOX: '1',
        CHANGEHOOK_SANDBOX_MICROSOFT_PORT: '0',
        CHANGEHOOK_ORG_SECRET: this.orgSecret,
        CHANGEHOOK_USER_SECRET: this.userSecret,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        ...this.options.env,
        ...(role === 'worker' ? this.options.workerEnv : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new ChangehookProcess(role, `${role} #${this.spawned}`, child);
    this.everyProcess.push(started);
    return started;
  }

  /** A platform API call with the tenant's Authorization header. */
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.api.url}/elements/api-v2${path}`, {
      method,
      headers: { authorization: this.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** A code for `email`'s consent to the element's sandbox client, through GET /elements/{key}/oauth/url and the provider's consent page. */
  private async consentCode(element: MailElementKey, email: string): Promise<string> {
    const sandbox = SANDBOX[element];
    const query = new URLSearchParams({ apiKey: sandbox.clientId, apiSecret: sandbox.clientSecret, callbackUrl: OAUTH_CALLBACK });
    const oauth = await this.call('GET', `/elements/${element}/oauth/url?${query}`);
    if (oauth.status !== 200) throw new Error(`${element} oauth url: ${oauth.status} ${JSON.stringify(oauth.body)}`);
    const { code } = await sandbox.consent(oauth.body.oauthUrl as string, email);
    return code;
  }

  /** Re-authenticates an instance (after its grant was revoked) as a user would: a new consent, then PATCH with the code. */
  async reauthenticate(instance: ConnectedInstance): Promise<void> {
    const code = await this.consentCode(instance.element ?? 'gmail', instance.email);
    const patched = await this.call('PATCH', `/instances/${instance.id}`, { providerData: { code } });
    if (patched.status !== 200) throw new Error(`PATCH /instances/${instance.id}: ${patched.status} ${JSON.stringify(patched.body)}`);
  }

  /** Connects a Gmail (or Outlook) mailbox as a new instance, through the OAuth URL and the seed's instance body. */
  async connectMailbox(email: string, callbackUrl: string, refreshIntervalMinutes = '0.0167', signatureKey?: string, element: MailElementKey = 'gmail'): Promise<ConnectedInstance> {
    const sandbox = SANDBOX[element];
    const code = await this.consentCode(element, email);
    const created = await this.call('POST', '/instances', {
      element: { key: element },
      providerData: { code },
      configuration: {
        'oauth.api.key': sandbox.clientId,
        'oauth.api.secret': sandbox.clientSecret,
        'oauth.callback.url': OAUTH_CALLBACK,
        'event.notification.enabled': true,
        'event.notification.callback.url': callbackUrl,
        ...(signatureKey === undefined ? {} : { 'event.notification.signature.key': signatureKey }),
        'event.poller.refresh_interval': refreshIntervalMinutes,
        'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
      },
      name: email,
    });
    if (created.status !== 200) throw new Error(`POST /instances for ${email} (${element}): ${created.status} ${JSON.stringify(created.body)}`);
    return { id: created.body.id as number, token: created.body.token as string, email, element };
  }

  /** How many poll schedules have recorded their baseline (the first poll, which emits nothing). */
  async baselines(): Promise<number> {
    if (this.options.databaseUrl === undefined) {
      const db = new SQLite(path.join(this.options.dataDir, 'changehook.sqlite'), { readonly: true, timeout: 5000 });
      try {
        return Number((db.prepare('SELECT count(*) AS n FROM poll_schedules WHERE baseline_at IS NOT NULL').get() as { n: number }).n);
      } finally {
        db.close();
      }
    }
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM poll_schedules WHERE baseline_at IS NOT NULL');
    return Number(rows[0]!.n);
  }

  /** Poll schedules and notifications currently leased. */
  async leases(): Promise<{ polls: LeaseRow[]; notifications: LeaseRow[] }> {
    const polls = await this.pool.query<{ id: number; lease_owner: string; lease_until: string }>(
      'SELECT id, lease_owner, lease_until FROM poll_schedules WHERE lease_owner IS NOT NULL',
    );
    const notifications = await this.pool.query<{ id: string; lease_owner: string; lease_until: string }>(
      'SELECT id, lease_owner, lease_until FROM notifications WHERE lease_owner IS NOT NULL',
    );
    const view = (r: { id: number | string; lease_owner: string; lease_until: string }): LeaseRow => ({ id: String(r.id), owner: r.lease_owner, until: Number(r.lease_until) });
    return { polls: polls.rows.map(view), notifications: notifications.rows.map(view) };
  }

  /** Leases held by one process (found by the pid in the lease owner). */
  async leasesOf(pid: number): Promise<{ polls: LeaseRow[]; notifications: LeaseRow[] }> {
    const all = await this.leases();
    return { polls: all.polls.filter((l) => leaseOwnerPid(l.owner) === pid), notifications: all.notifications.filter((l) => leaseOwnerPid(l.owner) === pid) };
  }

  /** Every event row: its object, the change's version (Gmail historyId) and its notification. */
  async events(): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<{ id: string; instance_id: number; object_id: string; event_type: string; sequence: string; record: string; notification_id: string }>(
      'SELECT id, instance_id, object_id, event_type, sequence, record, notification_id FROM events',
    );
    return rows.map((r) => {
      const record = JSON.parse(r.record) as { historyId?: unknown };
      return {
        id: r.id,
        instanceId: r.instance_id,
        objectId: r.object_id,
        eventType: r.event_type,
        sequence: Number(r.sequence),
        historyId: typeof record.historyId === 'string' ? BigInt(record.historyId) : undefined,
        notificationId: r.notification_id,
      };
    });
  }

  async notificationsByStatus(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM notifications GROUP BY status');
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Kills whatever is still running (SIGTERM, then SIGKILL) and closes the pool. */
  async close(): Promise<void> {
    const running = this.everyProcess.filter((p) => p.alive);
    await Promise.all(running.map((p) => p.stop('SIGTERM', 15_000).catch(() => p.stop('SIGKILL'))));
    await this.pool.end();
  }
}

function withoutDatabaseUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = env;
  return rest;
}

export interface StoredEvent {
  id: string;
  instanceId: number;
  objectId: string;
  eventType: string;
  sequence: number;
  historyId: bigint | undefined;
  notificationId: string;
}
