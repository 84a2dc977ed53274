// The elements capability: what an element is, the one place elements are registered, and the registry
// the rest of Changehook looks them up in. Each element's own module lives in a folder named after its key.

export type { ChangeFeedFields, ElementDefinition, ElementConfigurationField, ElementResource } from './elementDefinition.ts';
export { ElementRegistry, type ProviderEndpoints } from './elementRegistry.ts';
export { registeredElements, type ProviderOrigins, type RegisteredElement } from './registeredElements.ts';
