export type { ElementDefinition, ElementConfigurationField, ElementResource } from './elementDefinition.ts';
export { ElementRegistry, type ProviderEndpoints } from './elementRegistry.ts';
export { gmailElement } from './gmail/gmailElement.ts';
