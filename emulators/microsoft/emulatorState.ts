// Everything one emulator instance holds, created once per start and handed to every route module and
// to the control API (nothing is a module-level singleton, so several emulators run in one process).

import { type LatencyOptions, type ResponseDelayState, responseDelayState } from '../shared/index.ts';
import { CallLog } from './callLog.ts';
import { FaultInjector } from './faults.ts';
import { MailboxDirectory } from './graph/mailboxStore.ts';
import { ClientRegistry, type OAuthClientRegistration } from './oauth/clientRegistry.ts';
import { GrantStore } from './oauth/grantStore.ts';
import { IdTokenSigner } from './oauth/idToken.ts';
import { ThrottleMeter, type ThrottleLimits } from './throttle.ts';

export interface EmulatorSettings {
  accessTokenTtlSeconds: number;
  deltaRetentionSeconds: number;
}

export const DEFAULT_SETTINGS: EmulatorSettings = {
  // The identity platform issues access tokens with expires_in 3599 (60–90 minutes, randomized; the low end).
  accessTokenTtlSeconds: 3599,
  // Outlook's delta tokens have no documented fixed lifetime (a cache of tokens); a week here.
  deltaRetentionSeconds: 7 * 24 * 3600,
};

export interface EmulatorState extends ResponseDelayState {
  readonly initialSettings: EmulatorSettings;
  readonly settings: EmulatorSettings;
  readonly clients: ClientRegistry;
  readonly grants: GrantStore;
  readonly mailboxes: MailboxDirectory;
  readonly faults: FaultInjector;
  readonly throttle: ThrottleMeter;
  readonly initialThrottle: ThrottleLimits;
  readonly idTokens: IdTokenSigner;
  readonly calls: CallLog;
}

export function createEmulatorState(
  settings: EmulatorSettings,
  clients: readonly OAuthClientRegistration[],
  throttle: ThrottleLimits,
  latency: LatencyOptions = {},
): EmulatorState {
  const live: EmulatorSettings = { ...settings };
  return {
    initialSettings: { ...settings },
    settings: live,
    clients: new ClientRegistry(clients),
    grants: new GrantStore(live),
    mailboxes: new MailboxDirectory(live),
    faults: new FaultInjector(),
    throttle: new ThrottleMeter(throttle),
    initialThrottle: { ...throttle },
    idTokens: new IdTokenSigner(),
    calls: new CallLog(),
    ...responseDelayState(latency),
  };
}
