// The provider client bound to one account (an instance's) and its element's API base URL, so resource
// code speaks in API paths and never handles tokens, origins or retries.

import type { ProviderAccount, ProviderClient, ProviderOperation, ProviderQuery, ProviderRequest, ProviderResponse } from './providerClient.ts';

export interface SessionCall {
  /** The provider method called and its quota cost, for metrics. */
  operation?: ProviderOperation;
  query?: ProviderQuery;
  json?: unknown;
  body?: ProviderRequest['body'];
  idempotent?: boolean;
}

export class ProviderSession {
  constructor(
    /** For calls the session has no shape for (an element's batch endpoint), with `account`. */
    readonly client: ProviderClient,
    readonly account: ProviderAccount,
    readonly apiBaseUrl: string,
  ) {}

  json<T>(method: ProviderRequest['method'], path: string, call: SessionCall = {}): Promise<T> {
    return this.client.json<T>(this.account, { method, url: `${this.apiBaseUrl}${path}`, ...call });
  }

  send(method: ProviderRequest['method'], path: string, call: SessionCall = {}): Promise<ProviderResponse> {
    return this.client.send(this.account, { method, url: `${this.apiBaseUrl}${path}`, ...call });
  }
}
