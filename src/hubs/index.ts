// The hubs capability: the hub request engine (HubService, used in process by the poller), its HTTP
// routes, and the provider-call layer every element shares.

export { HubService, MethodNotAllowed, type HubServiceDeps, type HubServiceOptions } from './hubService.ts';
export { CursorExpired, HUB_HEADERS, SnapshotTooLarge, type HubMethod, type HubQuery, type HubRequest, type HubResponse } from './hubContract.ts';
export { hubRoutes, type HubRoutesDeps } from './hubRoutes.ts';
export {
  ProviderClient,
  type AccessTokenSource,
  type ProviderAccount,
  type ProviderCallHook,
  type ProviderCallReport,
  type ProviderClientOptions,
  type ProviderOperation,
  type ProviderRequest,
  type ProviderResponse,
  type RetryEvent,
} from './providerClient.ts';
export type { ElementHub, HubOperation, HubOperationContext } from './hubOperation.ts';
export type { HubMessage, HubThread, HubDraft, HubLabel, HubAttachment } from './gmail/messageShape.ts';
export type { ChangedMessage } from './gmail/changedMessages.ts';
