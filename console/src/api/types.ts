// The shapes the platform API returns, under the names the console uses: each is a type of openapi.ts,
// generated from the OpenAPI document (`npm run generate:api-types`), so a schema change reaches the
// console's type check. Only what the API does not describe is written here: the console's own filter
// and the console's settings (GET /console/config.json, a route of the console, not of the API).

import type { components, paths } from './openapi.ts';

type Schemas = components['schemas'];

/** The JSON body of a route's 200 answer; `route` is the path after /elements/api-v2, as in the OpenAPI document. */
export type ApiResponse<Route extends string, Method extends 'get' | 'post' | 'put' | 'patch' | 'delete'> = `/elements/api-v2${Route}` extends keyof paths
  ? paths[`/elements/api-v2${Route}`][Method] extends { responses: { 200: { content: { 'application/json': infer Body } } } }
    ? Body
    : never
  : never;

export type Element = Schemas['Element'];
export type ElementResource = Schemas['ElementResource'];
export type ConfigurationField = Schemas['ConfigurationField'];

/** One resource's poller settings: the URL and id field, and whichever other options the poller takes. */
export type PollerResourceConfiguration = Schemas['PollerConfiguration'][string] & { [option: string]: unknown };
export type PollerConfiguration = Record<string, PollerResourceConfiguration>;

export type Instance = Schemas['Instance'];
export type PollingHealth = Schemas['PollingHealth'];
export type ResourcePollingHealth = PollingHealth['resources'][number];

export type EventSummary = Schemas['Event'];
export type EventDetail = Schemas['EventDetail'];
export type DeliveryAttempt = Schemas['DeliveryAttempt'];
export type DeliveryStatus = EventSummary['deliveryStatus'];
/** Cloud Elements' event state, derived from the delivery state (the console shows the delivery state). */
export type CeEventStatus = EventSummary['status'];
export type EventType = EventSummary['eventType'];
export type WebhookSecret = Schemas['WebhookSecret'];
export type OAuthUrl = ApiResponse<'/elements/{keyOrId}/oauth/url', 'get'>;
export type Redelivery = ApiResponse<'/instances/{id}/events/redeliver-failed', 'post'>;
export type PollingDisabledInstance = ApiResponse<'/instances/polling-disabled', 'get'>[number];

/**
 * The members of a generated union as a list, in the order written. openapi.ts holds types only, so the
 * list is written out; typing it as a record over the union makes the type check fail when the OpenAPI
 * document adds a member (one missing here) or drops one (an unknown key here).
 */
function membersOf<Union extends string>(members: Record<Union, true>): readonly Union[] {
  return Object.keys(members) as Union[];
}

export const DELIVERY_STATUSES = membersOf<DeliveryStatus>({ NEW: true, RETRYING: true, DELIVERED: true, FAILED: true });
export const EVENT_TYPES = membersOf<EventType>({ CREATED: true, UPDATED: true, DELETED: true });

export interface EventFilter {
  deliveryStatus?: DeliveryStatus | '';
  eventType?: string;
  pageSize?: number;
}

/** One element of a sandbox: the emulator it talks to, that emulator's OAuth client and mailbox. */
export interface SandboxElement {
  elementKey: string;
  vendor: string;
  emulatorUrl: string;
  clientId: string;
  clientSecret: string;
  mailbox: string;
}

/** GET /console/config.json: what the server tells the console about itself (src/http/routes/consoleRoutes.ts). */
export interface ConsoleConfig {
  sandbox: boolean;
  sandboxElements?: readonly SandboxElement[];
}
