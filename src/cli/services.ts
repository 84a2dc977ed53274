// The composition root: builds the store, keyring and domain services from the configuration, once,
// for whichever command runs (serve, api, worker, orgs, keys).

import pino, { type Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { loadKeyring, type Keyring } from '../crypto/index.ts';
import { ElementRegistry } from '../elements/index.ts';
import { EventService, syncPollSchedules } from '../events/index.ts';
import { HubService } from '../hubs/index.ts';
import { InstanceService, ProviderTokenManager } from '../instances/index.ts';
import { logRedaction, Metrics, readStoreBacklog } from '../observability/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { TenantService } from '../tenants/index.ts';

export interface Services {
  config: Config;
  logger: Logger;
  store: Store;
  keyring: Keyring;
  tenants: TenantService;
  elements: ElementRegistry;
  instances: InstanceService;
  tokens: ProviderTokenManager;
  hubs: HubService;
  events: EventService;
  /** This process's metrics, served at /metrics. */
  metrics: Metrics;
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    ...logRedaction,
  });
}

export async function createServices(config: Config, logger: Logger = createLogger(config)): Promise<Services> {
  const keyring = loadKeyring(config);
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onConnectionError: (error) => logger.warn({ err: error }, 'an idle database connection failed; it will be replaced'),
  });
  const elements = new ElementRegistry({ googleBaseUrl: config.googleBaseUrl, microsoftBaseUrl: config.microsoftBaseUrl });
  const instances = new InstanceService({
    db: store.db,
    keyring,
    elements,
    policy: { minRefreshIntervalMinutes: config.minRefreshIntervalMinutes, allowPrivateCallbacks: config.allowPrivateCallbacks },
    // The poller keeps its schedules in step with instance changes; passed in, so instances do not import it.
    syncPollSchedules,
    // A new grant's account is asked of the provider through the hub engine's provider client.
    accounts: { identifyAccount: (elementKey, accessToken): Promise<string | undefined> => hubs.identifyAccount(elementKey, accessToken) },
  });
  const tokens = new ProviderTokenManager({ db: store.db, keyring, clientCredentials: (row) => instances.clientCredentials(row) });
  const metrics = new Metrics({
    readBacklog: () => readStoreBacklog(store.db, Date.now()),
    onBacklogError: (error) => logger.warn({ err: error }, 'reading the store for the metrics failed'),
  });
  const hubs = new HubService({ elements, tokens, logger, onProviderCall: metrics.onProviderCall, options: { provider: { connectionsPerOrigin: config.providerConnections } } });
  const events = new EventService({ db: store.db, keyring, instances });
  return { config, logger, store, keyring, tenants: new TenantService(store.db), elements, instances, tokens, hubs, events, metrics };
}
