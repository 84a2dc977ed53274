// What of an instance is sealed with the keyring before it is stored — its secret configuration values
// and its provider tokens — and reading the secret values back. The store model takes the sealed values.

import type { Keyring } from '../crypto/index.ts';
import type { InstanceRow, StoredGrant, StoredSettings } from '../store/index.ts';
import type { InstanceConfiguration } from './instanceConfiguration.ts';
import type { ProviderTokens } from './oauthTokenClient.ts';

export function sealSettings(keyring: Keyring, config: InstanceConfiguration): StoredSettings {
  return {
    configuration: JSON.stringify(config.publicValues),
    secretConfiguration: keyring.encrypt(JSON.stringify(config.secretValues)),
    eventsEnabled: config.eventsEnabled,
    callbackUrl: config.notificationCallbackUrl ?? null,
    refreshIntervalMinutes: config.refreshIntervalMinutes,
    pollerConfiguration: JSON.stringify(config.pollerConfiguration),
  };
}

export function sealGrant(keyring: Keyring, tokens: ProviderTokens, account: string | undefined): StoredGrant {
  return {
    accessTokenEncrypted: keyring.encrypt(tokens.accessToken),
    refreshTokenEncrypted: tokens.refreshToken ? keyring.encrypt(tokens.refreshToken) : null,
    accessTokenExpiresAt: tokens.expiresAt,
    grantedScope: tokens.scope ?? null,
    providerAccount: account ?? null,
  };
}

/** The instance's secret configuration values (client secret, signature key…), unsealed. */
export function unsealSecrets(keyring: Keyring, row: Pick<InstanceRow, 'secret_configuration'>): Record<string, string> {
  return JSON.parse(keyring.decrypt(row.secret_configuration)) as Record<string, string>;
}

/** The instance's public configuration values. */
export function publicValues(row: Pick<InstanceRow, 'configuration'>): Record<string, string> {
  return JSON.parse(row.configuration) as Record<string, string>;
}
