// The one typed configuration of Changehook, read from the environment and the command line once at
// start-up. Every problem names the variable at fault so a wrong deployment fails fast and clearly.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** postgres://… when running on PostgreSQL; undefined = embedded SQLite under dataDir. */
  databaseUrl?: string;
  sandbox: boolean;
  sandboxGooglePort: number;
  sandboxMicrosoftPort: number;
  orgSecret?: string;
  userSecret?: string;
  /** Current master key (32 bytes) if given by the environment; otherwise SQLite mode keeps one in dataDir. */
  masterKey?: Buffer;
  /** Older master keys still accepted for decryption, so `keys rotate` can re-encrypt with the current one. */
  previousMasterKeys: Buffer[];
  /** One origin for Google's OAuth, token and Gmail endpoints (the emulator); undefined = Google itself. */
  googleBaseUrl?: string;
  /** One origin for the Microsoft identity platform and Graph (the emulator); undefined = Microsoft itself. */
  microsoftBaseUrl?: string;
  allowPrivateCallbacks: boolean;
  /** Smallest accepted event.poller.refresh_interval, in minutes (1, or 1 second in the sandbox). */
  minRefreshIntervalMinutes: number;
  /** Consecutive failed polls after which an instance's polling is disabled. */
  pollingFailureLimit: number;
  /** How long a claimed poll or delivery stays a worker's without renewal: a killed worker's work moves on after this. */
  leaseMs: number;
  /** Polls a worker process runs at once (each waits mostly on the provider). */
  pollConcurrency: number;
  /** Connections kept per provider origin (e.g. Gmail's API), shared by all polls and hub calls. */
  providerConnections: number;
  /** `changehook worker` serves /metrics on this port when set. */
  metricsPort?: number;
  /** How long a webhook receiver has to answer before the attempt counts as a timeout. */
  deliveryTimeoutMs: number;
  /** Notifications a worker process delivers at once, over all callback origins. */
  deliveryConcurrency: number;
  /** Requests in flight at once to one callback origin (scheme, host, port), per worker process. */
  deliveryConcurrencyPerOrigin: number;
  /** Delivered or failed notifications, with their events and attempts, are deleted after this long. */
  eventRetentionMs: number;
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (rate limits, failed-login
   * counting): false (default: the socket's address), true (any), a hop count, or addresses/CIDRs.
   */
  trustProxy: boolean | number | string[];
  /** API requests per minute per caller (its credentials, or its address when it has none). */
  rateLimitPerMinute: number;
  logLevel: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function readPort(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${name} must be a TCP port number between 0 and 65535, got "${raw}"`);
  }
  return port;
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function readPositiveInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/**
 * 8 per origin: twice the old fixed 4 (at 50 ms an answer, ~160 notifications/s to one origin instead of
 * ~80) while staying under the worker pools of small receivers; a receiver that wants less says so with
 * 429/503 and is paused. The total defaults to 32, or the per-origin value when that is larger.
 */
function readDeliveryConcurrency(env: Env): { total: number; perOrigin: number } {
  const perOrigin = readPositiveInteger(env, 'CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN', 8);
  const total = readPositiveInteger(env, 'CHANGEHOOK_DELIVERY_CONCURRENCY', Math.max(32, perOrigin));
  if (total < perOrigin) {
    throw new ConfigError(`CHANGEHOOK_DELIVERY_CONCURRENCY (${total}) must be at least CHANGEHOOK_DELIVERY_CONCURRENCY_PER_ORIGIN (${perOrigin})`);
  }
  return { total, perOrigin };
}

export function parseMasterKey(name: string, raw: string): Buffer {
  const key = Buffer.from(raw.trim(), 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== raw.trim().replace(/=+$/, '')) {
    throw new ConfigError(`${name} must be 32 bytes encoded in base64 (e.g. from "openssl rand -base64 32")`);
  }
  return key;
}

function readUrl(env: Env, name: string, protocols: string[], label = name): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // A value read from a secret file is not repeated: it may hold a password.
    throw new ConfigError(label === name ? `${label} must be a URL, got "${raw}"` : `${label} must hold a URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${label} must use ${protocols.join(' or ')}, got "${url.protocol}"`);
  }
  return raw;
}

/** An origin that stands in for a provider's (DESIGN.md §3), without a trailing slash. */
function readOrigin(env: Env, name: string): string | undefined {
  return readUrl(env, name, ['http:', 'https:'])?.replace(/\/+$/, '');
}

function readTrustProxy(env: Env): Config['trustProxy'] {
  const raw = env.CHANGEHOOK_TRUST_PROXY?.trim();
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = net.isIP(address ?? '');
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk) {
      throw new ConfigError(`CHANGEHOOK_TRUST_PROXY must be true, false, a hop count or a comma-separated list of addresses or CIDR ranges; "${entry}" is none of these`);
    }
  }
  return entries;
}

function readSecret(env: Env, name: string, label = name): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16 || /[\s,]/.test(raw)) {
    throw new ConfigError(`${label} must be at least 16 characters without spaces or commas`);
  }
  return raw;
}

/** Variables holding secrets, each of which may instead be read from the file its `_FILE` twin names. */
const SECRET_VARIABLES = ['CHANGEHOOK_MASTER_KEY', 'CHANGEHOOK_PREVIOUS_MASTER_KEYS', 'DATABASE_URL', 'CHANGEHOOK_ORG_SECRET', 'CHANGEHOOK_USER_SECRET'];

/**
 * Docker and compose secrets are files (under /run/secrets), and a value in a file shows neither in
 * `docker inspect` nor in the process's environment: `CHANGEHOOK_MASTER_KEY_FILE=/run/secrets/key`
 * stands for CHANGEHOOK_MASTER_KEY with the file's content (surrounding whitespace trimmed). Returns
 * the environment with those values filled in, and the name to blame for each in error messages.
 */
function readSecretFiles(env: Env): { env: Env; source: (name: string) => string } {
  const resolved: Env = { ...env };
  const sources = new Map<string, string>();
  for (const name of SECRET_VARIABLES) {
    const fileVariable = `${name}_FILE`;
    const file = env[fileVariable];
    if (file === undefined || file === '') continue;
    if (env[name]) throw new ConfigError(`set ${name} or ${fileVariable}, not both`);
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`${fileVariable} names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (content.trim() === '') throw new ConfigError(`${fileVariable} names ${file}, which is empty`);
    resolved[name] = content.trim();
    sources.set(name, fileVariable);
  }
  return { env: resolved, source: (name) => sources.get(name) ?? name };
}

export function loadConfig(rawEnv: Env = process.env, argv: readonly string[] = []): Config {
  const { env, source } = readSecretFiles(rawEnv);
  const sandbox = argv.includes('--sandbox') || readBoolean(env, 'CHANGEHOOK_SANDBOX', false);
  const masterKey = env.CHANGEHOOK_MASTER_KEY ? parseMasterKey(source('CHANGEHOOK_MASTER_KEY'), env.CHANGEHOOK_MASTER_KEY) : undefined;
  // Comma-separated in a variable; a file may also put one key per line.
  const previousMasterKeys = (env.CHANGEHOOK_PREVIOUS_MASTER_KEYS ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((k) => parseMasterKey(source('CHANGEHOOK_PREVIOUS_MASTER_KEYS'), k));
  const databaseUrl = readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], source('DATABASE_URL'));
  if (databaseUrl && !masterKey) {
    throw new ConfigError('CHANGEHOOK_MASTER_KEY is required with DATABASE_URL: every process sharing the database needs the same key');
  }
  const delivery = readDeliveryConcurrency(env);
  return {
    host: env.HOST || '127.0.0.1',
    port: readPort(env, 'PORT', 8080),
    dataDir: path.resolve(env.CHANGEHOOK_DATA_DIR || 'data'),
    databaseUrl,
    sandbox,
    sandboxGooglePort: readPort(env, 'CHANGEHOOK_SANDBOX_GOOGLE_PORT', 8090),
    sandboxMicrosoftPort: readPort(env, 'CHANGEHOOK_SANDBOX_MICROSOFT_PORT', 8091),
    orgSecret: readSecret(env, 'CHANGEHOOK_ORG_SECRET', source('CHANGEHOOK_ORG_SECRET')),
    userSecret: readSecret(env, 'CHANGEHOOK_USER_SECRET', source('CHANGEHOOK_USER_SECRET')),
    masterKey,
    previousMasterKeys,
    googleBaseUrl: readOrigin(env, 'CHANGEHOOK_GOOGLE_BASE_URL'),
    microsoftBaseUrl: readOrigin(env, 'CHANGEHOOK_MICROSOFT_BASE_URL'),
    allowPrivateCallbacks: sandbox || readBoolean(env, 'CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS', false),
    minRefreshIntervalMinutes: sandbox ? 1 / 60 : 1,
    pollingFailureLimit: readPositiveInteger(env, 'CHANGEHOOK_POLLING_FAILURE_LIMIT', 100),
    leaseMs: readPositiveInteger(env, 'CHANGEHOOK_LEASE_SECONDS', 60) * 1000,
    pollConcurrency: readPositiveInteger(env, 'CHANGEHOOK_POLL_CONCURRENCY', 512),
    providerConnections: readPositiveInteger(env, 'CHANGEHOOK_PROVIDER_CONNECTIONS', 512),
    metricsPort: env.CHANGEHOOK_METRICS_PORT ? readPort(env, 'CHANGEHOOK_METRICS_PORT', 0) : undefined,
    deliveryTimeoutMs: readPositiveInteger(env, 'CHANGEHOOK_DELIVERY_TIMEOUT_SECONDS', 15) * 1000,
    deliveryConcurrency: delivery.total,
    deliveryConcurrencyPerOrigin: delivery.perOrigin,
    eventRetentionMs: readPositiveInteger(env, 'CHANGEHOOK_EVENT_RETENTION_DAYS', 30) * 86_400_000,
    trustProxy: readTrustProxy(env),
    rateLimitPerMinute: readPositiveInteger(env, 'CHANGEHOOK_RATE_LIMIT_PER_MINUTE', 1200),
    logLevel: env.LOG_LEVEL || 'info',
  };
}
