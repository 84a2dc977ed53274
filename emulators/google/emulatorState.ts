// Everything one emulator instance holds, created once per start and handed to every route module
// and to the control API (routes receive it as a dependency; nothing is a module-level singleton,
// so several emulators can run in one process, as test files do).

import { setTimeout as sleepFor } from 'node:timers/promises';
import { FaultInjector } from './faults.ts';
import { MailboxDirectory } from './gmail/mailboxStore.ts';
import type { LatencyModel } from './latencyModel.ts';
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

export interface EmulatorState {
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
  /** The model of Google's response time; undefined (the default) answers at once. */
  latency: LatencyModel | undefined;
  /** The model the emulator was started with, restored by a reset. */
  readonly initialLatency: LatencyModel | undefined;
  /** Draws for the latency model; Math.random unless a test passes a seeded one. */
  readonly latencyRandom: () => number;
  /** How a request waits out its latency (the model's or an injected fault's); a timer unless a test records the delays instead. */
  readonly sleep: (ms: number) => Promise<void>;
}

export interface LatencyOptions {
  latency?: LatencyModel;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
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
    latency: latency.latency,
    initialLatency: latency.latency,
    latencyRandom: latency.random ?? Math.random,
    sleep: latency.sleep ?? sleepUnref,
  };
}

/** A timer that does not hold the process open: requests still waiting when the emulator closes must not keep it alive. */
function sleepUnref(ms: number): Promise<void> {
  return sleepFor(ms, undefined, { ref: false });
}
