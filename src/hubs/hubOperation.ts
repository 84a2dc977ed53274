// What an element's hub is made of: operations, each a method and path pattern with its schemas
// (for the OpenAPI document) and a handler. HubService dispatches to them; hubRoutes registers them.

import type { InstanceRow } from '../store/index.ts';
import type { HubMethod, HubRequest, HubResponse } from './hubContract.ts';
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
  /** Takes multipart/form-data bodies (attachments) and bodies up to the provider's message size. */
  acceptsUploads?: boolean;
  handle(context: HubOperationContext): Promise<HubResponse>;
}

export interface ElementHub {
  elementKey: string;
  /** The hub's name in `/hubs/{hub}`. */
  hub: string;
  operations: readonly HubOperation[];
}

export function ok(body: unknown, headers: Record<string, string> = {}): HubResponse {
  return { status: 200, body, headers };
}
