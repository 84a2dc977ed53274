// The Google emulator (OAuth 2.0 + Gmail API v1 + control API) as other code uses it: start one in
// process, talk to it over HTTP like to Google, steer it through `control`. Other folders import only
// from this file.

import type { AddressInfo } from 'node:net';
import { EmulatorControl } from './control.ts';
import { createEmulatorState, DEFAULT_SETTINGS, type EmulatorSettings } from './emulatorState.ts';
import { type LatencyModel, validateLatencyModel, listeningUrl, nonNegative, positive } from '../shared/index.ts';
import type { OAuthClientRegistration } from './oauth/clientRegistry.ts';
import { buildServer } from './server.ts';

export { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, type OAuthClientRegistration } from './oauth/clientRegistry.ts';
export { approveConsent, ConsentFailed, type ConsentResult } from './oauth/approveConsent.ts';
export { EmulatorControl, type DeliveredMessage, type DeliveredMessageFields, type MailboxSummary } from './control.ts';
export type { FaultSpec, FaultView } from './faults.ts';
export type { LatencyModel } from '../shared/index.ts';
export type { QuotaReport } from './quota.ts';
export { SCOPES } from './oauth/scopes.ts';

export interface GoogleEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 3599, as Google. */
  accessTokenTtlSeconds?: number;
  /** Default one week. */
  historyRetentionSeconds?: number;
  /** Per-user moving-window limit; default 250 units per second, as Gmail. */
  quotaUnitsPerSecond?: number;
  /** Default 100. */
  maxConcurrentRequestsPerUser?: number;
  /** Registered in addition to the sandbox client. */
  clients?: OAuthClientRegistration[];
  /** Log requests with pino (default false). */
  logger?: boolean;
  /** Google's response time, e.g. `{ p50Ms: 100, p99Ms: 300 }` or `{ fixedMs: 100 }`; default none. */
  latency?: LatencyModel;
  /** Tests: the latency model's uniform draws in [0, 1) (default Math.random). */
  latencyRandom?: () => number;
  /** Tests: how a request waits out its latency or an injected fault's (default a timer), e.g. one that records the delays. */
  latencySleep?: (ms: number) => Promise<void>;
}

export interface GoogleEmulator {
  /** e.g. `http://127.0.0.1:8090`, no trailing slash. */
  baseUrl: string;
  control: EmulatorControl;
  close(): Promise<void>;
}

export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const settings: EmulatorSettings = {
    accessTokenTtlSeconds: positive(options.accessTokenTtlSeconds, DEFAULT_SETTINGS.accessTokenTtlSeconds, 'accessTokenTtlSeconds'),
    historyRetentionSeconds: nonNegative(options.historyRetentionSeconds, DEFAULT_SETTINGS.historyRetentionSeconds, 'historyRetentionSeconds'),
    quotaUnitsPerSecond: positive(options.quotaUnitsPerSecond, DEFAULT_SETTINGS.quotaUnitsPerSecond, 'quotaUnitsPerSecond'),
    maxConcurrentRequestsPerUser: positive(options.maxConcurrentRequestsPerUser, DEFAULT_SETTINGS.maxConcurrentRequestsPerUser, 'maxConcurrentRequestsPerUser'),
  };
  const state = createEmulatorState(settings, options.clients ?? [], {
    latency: options.latency === undefined ? undefined : validateLatencyModel(options.latency),
    random: options.latencyRandom,
    sleep: options.latencySleep,
  });
  const control = new EmulatorControl(state);
  const app = buildServer(state, control, { logger: options.logger ?? false });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  return {
    baseUrl: listeningUrl('http', app.server.address() as AddressInfo),
    control,
    close: async () => {
      await app.close();
    },
  };
}
