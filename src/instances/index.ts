export { InstanceService, type InstanceBody, type InstanceView, type InstanceServiceDeps, type PollScheduleSync } from './instanceService.ts';
export { ProviderTokenManager, InstanceNotValid } from './providerTokenManager.ts';
export { MASKED_SECRET, parseInstanceConfiguration, type ConfigurationPolicy } from './instanceConfiguration.ts';
export { GrantRevoked, type ProviderTokens } from './oauthTokenClient.ts';
export { startTokenRefresher } from './tokenRefresher.ts';
export { reencryptInstanceSecrets } from './secretReencryption.ts';
export { parseConfigurationEntryId } from './configurationEntries.ts';
