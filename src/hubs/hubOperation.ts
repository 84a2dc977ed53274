// What the hub engine needs of an element: its hub's operations, each a method and path pattern with
// its schemas (for the OpenAPI document) and a handler, and how its provider words errors and names
// the account behind a grant. HubService dispatches to the operations; the hub routes register them.
// Elements implement ElementHub (src/elements); the engine never imports them.

import type { InstanceRow } from '../store/index.ts';
import type { HubMethod, HubRequest, HubResponse } from './hubContract.ts';
import type { ProviderErrorReader } from './providerErrors.ts';
import type { ProviderSession } from './providerSession.ts';
import type { QueryParameters } from './queryParameters.ts';

export type JsonSchema = Readonly<Record<string, unknown>>;

export interface HubOperationContext {
  request: HubRequest;
  params: Readonly<Record<string, string>>;
  query: QueryParameters;
  provider: ProviderSession;
  instance: InstanceRow;
}

export interface HubOperation {
  method: HubMethod;
  /** Path pattern after `/hubs/{hub}`, Fastify style: `/messages/:id/trash`. */
  path: string;
  summary: string;
  /** OpenAPI tag, usually the resource name. */
  tag: string;
  schema: { querystring?: JsonSchema; body?: JsonSchema; response: JsonSchema; responseStatus?: number };
  /**
   * The largest request body the operation takes, in bytes, when it takes more than the API's default
   * (a message with attachments, say); set, it also takes multipart/form-data bodies.
   */
  maxBodyBytes?: number;
  handle(context: HubOperationContext): Promise<HubResponse>;
}

export interface ElementHub {
  /** The element's key, as instances name it. */
  readonly key: string;
  /** The provider as error messages and metrics name it. */
  readonly name: string;
  /** The hub's name in `/hubs/{hub}`. */
  readonly hub: string;
  readonly operations: readonly HubOperation[];
  /** Reads the provider's error answers: its message, its code, and whether it refused over a limit. */
  readonly readProviderError: ProviderErrorReader;
  /**
   * Names the provider account behind a fresh grant (shown on the instance), with a session whose
   * token is the grant's; undefined if unknown. Any failure leaves the account unknown.
   */
  identifyAccount?(provider: ProviderSession): Promise<string | undefined>;
}

/** The elements the engine serves (the element registry). */
export interface HubElements {
  list(): readonly ElementHub[];
  /** An element by key or id; NotFound when there is none. */
  get(keyOrId: string): ElementHub;
  /** The element's provider API base URL, as configuration resolves it (an emulator's, say). */
  apiBaseUrl(element: ElementHub): string;
}

export function ok(body: unknown, headers: Record<string, string> = {}): HubResponse {
  return { status: 200, body, headers };
}
