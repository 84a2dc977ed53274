// Everything one emulator instance holds, created once per start and handed to every route module
// and to the control API (routes receive it as a dependency; nothing is a module-level singleton,
// so several emulators can run in one process, as test files do).

import { type LatencyOptions, type ResponseDelayState, responseDelayState } from '../shared/index.ts';
import { FaultInjector } from './faults.ts';
import { MailboxDirectory } from './gmail/mailboxStore.ts';
import { ClientRegistry, type OAuthClientRegistration } from './oauth/clientRegistry.ts';
import { GrantStore } from './oauth/grantStore.ts';
import { IdTokenSigner } from './oauth/idToken.ts';
import { QuotaMeter } from './quota.ts';

export interface EmulatorSettings {
  accessTokenTtlSeconds: number;
  historyRetentionSeconds: number;
  quotaUnitsPerSecond: number;
  maxConcurrentRequestsPerUser: number;
}

export const DEFAULT_SETTINGS: EmulatorSettings = {
  // Google issues access tokens with expires_in 3599.
  accessTokenTtlSeconds: 3599,
  // Gmail documents history as available for "at least a week".
  historyRetentionSeconds: 7 * 24 * 3600,
  // Gmail's per-user limit: 250 quota units per user per second, moving average.
  quotaUnitsPerSecond: 250,
  // Gmail does not publish its concurrent-request limit; it exists and answers 429.
  maxConcurrentRequestsPerUser: 100,
};

/** Google's response time (ResponseDelayState) applies to the Gmail API, uploads, batches and OAuth endpoints. */
export interface EmulatorState extends ResponseDelayState {
  readonly initialSettings: EmulatorSettings;
  readonly settings: EmulatorSettings;
  readonly clients: ClientRegistry;
  readonly grants: GrantStore;
  readonly mailboxes: MailboxDirectory;
  readonly quota: QuotaMeter;
  readonly faults: FaultInjector;
  readonly idTokens: IdTokenSigner;
  /** Outer connections of batch requests in progress, so a dropConnection fault on a part can drop them. */
  readonly batchConnections: Map<string, () => void>;
}

export function createEmulatorState(
  settings: EmulatorSettings,
  clients: readonly OAuthClientRegistration[],
  latency: LatencyOptions = {},
): EmulatorState {
  const live: EmulatorSettings = { ...settings };
  return {
    initialSettings: { ...settings },
    settings: live,
    clients: new ClientRegistry(clients),
    // The stores read the live settings object so that control-API changes apply at once.
    grants: new GrantStore(live),
    mailboxes: new MailboxDirectory(live),
    quota: new QuotaMeter({ unitsPerSecond: live.quotaUnitsPerSecond, maxConcurrentRequests: live.maxConcurrentRequestsPerUser }),
    faults: new FaultInjector(),
    idTokens: new IdTokenSigner(),
    batchConnections: new Map(),
    ...responseDelayState(latency),
  };
}
