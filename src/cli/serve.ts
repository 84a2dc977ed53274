// `changehook serve` (API + workers in one process, the default of `npm start`), `changehook api`
// and `changehook worker`; with --sandbox also one emulator per registered provider (sandboxProviders.ts),
// each pointed at by its element.

import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.ts';
import { buildApp, startMetricsServer } from '../http/index.ts';
import { DeliveryWorker, EventPruner, PollWorker } from '../events/index.ts';
import { startTokenRefresher } from '../instances/index.ts';
import { releaseLeasesOfDeadProcesses } from '../store/index.ts';
import type { CreatedTenant } from '../tenants/index.ts';
import { consoleSandboxConfig, startSandboxEmulators, type SandboxEmulators, type SandboxProviderStatus } from './sandboxProviders.ts';
import { createLogger, createServices, type Services } from './services.ts';

export { SANDBOX_MAILBOX } from './sandboxProviders.ts';

export type Role = 'serve' | 'api' | 'worker';

export interface RunningServer {
  services: Services;
  /** Base URL of the HTTP server (undefined for a worker). */
  url?: string;
  /** A worker's /metrics server, when CHANGEHOOK_METRICS_PORT is set. */
  metricsUrl?: string;
  /** In the sandbox: per registered provider, the emulator it started or the configured origin it uses. */
  sandbox?: readonly SandboxProviderStatus[];
  tenant?: Pick<CreatedTenant, 'organizationSecret' | 'userSecret'>;
  close(): Promise<void>;
}

/**
 * The sandbox is for trying things out: its tenant's secrets are kept in the data directory (mode
 * 0600) so every start can print them again. Outside the sandbox, secrets are shown once only.
 */
function sandboxTenantFile(config: Config): string {
  return path.join(config.dataDir, 'sandbox-tenant.json');
}

async function bootstrapTenant(services: Services): Promise<RunningServer['tenant']> {
  const { config } = services;
  if (config.sandbox && !config.orgSecret) {
    const file = sandboxTenantFile(config);
    if (fs.existsSync(file)) {
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { organizationSecret: string; userSecret: string };
      await services.tenants.bootstrap(saved);
      return saved;
    }
    const created = await services.tenants.bootstrap({});
    const tenant = created ?? (await services.tenants.createOrganization({ name: 'Sandbox organization', userEmail: 'admin@localhost' }));
    fs.writeFileSync(file, JSON.stringify({ organizationSecret: tenant.organizationSecret, userSecret: tenant.userSecret }), { mode: 0o600 });
    return tenant;
  }
  const created = await services.tenants.bootstrap({ organizationSecret: config.orgSecret, userSecret: config.userSecret });
  return created;
}

export async function startServer(config: Config, role: Role): Promise<RunningServer> {
  const logger = createLogger(config);
  // A provider's explicit base URL (CHANGEHOOK_GOOGLE_BASE_URL…) wins: the sandbox then uses that
  // emulator instead of starting its own.
  const emulators: SandboxEmulators | undefined = config.sandbox && role !== 'worker' ? await startSandboxEmulators(config) : undefined;
  const effective = emulators?.config ?? config;
  let services: Services;
  try {
    services = await createServices(effective, logger);
  } catch (error) {
    await emulators?.close();
    throw error;
  }
  const tenant = role === 'worker' ? undefined : await bootstrapTenant(services);

  let app: FastifyInstance | undefined;
  let url: string | undefined;
  if (role !== 'worker') {
    app = await buildApp({
      logger,
      tenants: services.tenants,
      elements: services.elements,
      instances: services.instances,
      hubs: services.hubs,
      events: services.events,
      metrics: services.metrics,
      trustProxy: effective.trustProxy,
      rateLimitPerMinute: effective.rateLimitPerMinute,
      checkReady: async () => {
        await services.store.db.selectFrom('organizations').select('id').limit(1).execute();
      },
      // In the sandbox each element talks to an emulator (ours, or the one its base URL names); the
      // console offers each emulator's client and a test-email button.
      consoleConfig: emulators ? consoleSandboxConfig(emulators.providers) : { sandbox: false },
    });
    url = await app.listen({ host: config.host, port: config.port });
  }
  const refresher = role === 'api' ? undefined : startTokenRefresher({ db: services.store.db, tokens: services.tokens, logger });
  const workers = role === 'api' ? undefined : await startWorkers(services);
  const metricsServer = role === 'worker' && config.metricsPort !== undefined ? await startMetricsServer(services.metrics, config.host, config.metricsPort) : undefined;

  let closing: Promise<void> | undefined;
  return {
    services,
    url,
    metricsUrl: metricsServer?.url,
    sandbox: emulators?.providers,
    tenant,
    close() {
      closing ??= (async () => {
        await app?.close();
        await metricsServer?.close();
        await workers?.stop();
        await refresher?.stop();
        await services.hubs.close();
        await services.store.close();
        await emulators?.close();
      })();
      return closing;
    },
  };
}

/** The background workers: the poller, the dispatcher it feeds, and the pruner of settled history. */
async function startWorkers(services: Services): Promise<{ stop(): Promise<void> }> {
  const { store, config, logger } = services;
  await releaseLeasesOfDeadProcesses(store.db);
  const dispatcher = new DeliveryWorker({
    db: store.db,
    keyring: services.keyring,
    logger: logger.child({ worker: 'delivery' }),
    allowPrivateCallbacks: config.allowPrivateCallbacks,
    timeoutMs: config.deliveryTimeoutMs,
    concurrency: config.deliveryConcurrency,
    perOriginConcurrency: config.deliveryConcurrencyPerOrigin,
    leaseMs: config.leaseMs,
    observer: services.metrics.deliveryWorker,
  });
  const poller = new PollWorker({
    db: store.db,
    hubs: services.hubs,
    elements: services.elements,
    logger: logger.child({ worker: 'poller' }),
    pollingFailureLimit: config.pollingFailureLimit,
    concurrency: config.pollConcurrency,
    leaseMs: config.leaseMs,
    onEvents: () => dispatcher.nudge(),
    observer: services.metrics.pollWorker,
  });
  const pruner = new EventPruner({
    db: store.db,
    logger: logger.child({ worker: 'retention' }),
    retentionMs: config.eventRetentionMs,
    observer: services.metrics.eventPruner,
  });
  dispatcher.start();
  poller.start();
  pruner.start();
  return {
    async stop() {
      // Stop producing first, then let deliveries in flight finish; both release what they hold.
      await pruner.stop();
      await poller.stop();
      await dispatcher.stop();
    },
  };
}

export function startupBanner(server: RunningServer, role: Role): string {
  const { config } = server.services;
  const lines: string[] = [''];
  if (server.url) {
    lines.push(`Changehook ${role} is listening on ${server.url}`);
    lines.push(`  console          ${server.url}/`);
    lines.push(`  API              ${server.url}/elements/api-v2`);
    lines.push(`  OpenAPI docs     ${server.url}/docs`);
  } else {
    lines.push(`Changehook worker is running (${server.services.store.dialect})`);
    if (server.metricsUrl) lines.push(`  metrics          ${server.metricsUrl}/metrics`);
  }
  lines.push(`  database         ${server.services.store.dialect === 'postgres' ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}`);
  if (config.orgSecret) {
    // The operator chose these secrets; they already have them, and a banner ends up in logs.
    lines.push('', 'Tenant secrets: from CHANGEHOOK_USER_SECRET and CHANGEHOOK_ORG_SECRET (not shown)');
  } else if (server.tenant) {
    lines.push('', 'Tenant secrets' + (config.sandbox ? ' (sandbox):' : ' — shown once, store them now:'));
    lines.push(`  Authorization: User ${server.tenant.userSecret}, Organization ${server.tenant.organizationSecret}`);
  }
  if (server.sandbox && server.url) lines.push(...sandboxBanner(server.sandbox, server.url));
  lines.push('');
  return lines.join('\n');
}

/** Per provider: where its element is pointed, its OAuth client, and the mailbox to sign in with. */
function sandboxBanner(providers: readonly SandboxProviderStatus[], url: string): string[] {
  const lines = ['', 'Sandbox: callbacks to loopback addresses and refresh intervals down to 1 second ("0.0167") are allowed'];
  lines.push(`  redirect URI         ${url}/oauth/callback`);
  for (const provider of providers) {
    lines.push('');
    if (provider.emulator) lines.push(`${provider.vendor} emulator on ${provider.emulator.baseUrl} (element ${provider.elementKey})`);
    else lines.push(`${provider.vendor}: the element ${provider.elementKey} uses ${provider.baseUrl} (${provider.baseUrlVariable}); no emulator started`);
    if (provider.emulator?.httpsBaseUrl) lines.push(`  HTTPS                ${provider.emulator.httpsBaseUrl}`);
    if (provider.emulator?.caCertPath) lines.push(`  CA certificate       ${provider.emulator.caCertPath}  (for NODE_EXTRA_CA_CERTS)`);
    lines.push(`  OAuth client id      ${provider.clientId}`);
    lines.push(`  OAuth client secret  ${provider.clientSecret}`);
    lines.push(`  mailbox              ${provider.mailbox}`);
  }
  return lines;
}

export function handleShutdownSignals(server: RunningServer): void {
  const shutdown = (signal: string) => {
    server.services.logger.info({ signal }, 'shutting down');
    server
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        server.services.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
