// The hubs capability: the hub request engine (HubService, used in process by the poller and by the
// hub routes in src/http), and the provider-call layer every element shares.

export { HubService, MethodNotAllowed, type HubServiceDeps, type HubServiceOptions } from './hubService.ts';
export { CursorExpired, HUB_HEADERS, SnapshotTooLarge, type HubMethod, type HubQuery, type HubRequest, type HubResponse } from './hubContract.ts';
export {
  ProviderClient,
  type AccessTokenSource,
  type ProviderAccount,
  type ProviderCallHook,
  type ProviderCallReport,
  type ProviderClientOptions,
  type ProviderOperation,
  type ProviderQuery,
  type ProviderRequest,
  type ProviderResponse,
  type RetryEvent,
  urlWithQuery,
} from './providerClient.ts';
export { ProviderSession, type SessionCall } from './providerSession.ts';
export { classifyFailure, parseJsonObject, providerAnswerError, readOAuthError, type ProviderErrorInfo, type ProviderErrorReader } from './providerErrors.ts';
export { ok, type ElementHub, type HubElements, type HubOperation, type HubOperationContext, type JsonSchema } from './hubOperation.ts';
export { splitHubUrl } from './hubUrl.ts';
export { EVENT_TYPES, type EventType } from './eventTypes.ts';
export { QueryParameters, type QueryParameterSupport } from './queryParameters.ts';
export { KeyedConcurrencyLimiter } from './concurrencyLimiter.ts';
export { parseCeql, parseCeqlExpression, type CeqlCondition, type CeqlExpression, type CeqlOperator, type CeqlValue } from './ceql.ts';
