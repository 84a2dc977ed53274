// The provider client bound to one instance and its element's API base URL, so resource code speaks
// in API paths (`/users/me/messages`) and never handles tokens, origins or retries.

import { urlWithQuery, type ProviderAccount, type ProviderClient, type ProviderOperation, type ProviderQuery, type ProviderRequest, type ProviderResponse } from './providerClient.ts';
import { sendBatch, type BatchResult } from './providerBatch.ts';

export interface SessionCall {
  /** The provider method called and its quota cost, for metrics. */
  operation?: ProviderOperation;
  query?: ProviderQuery;
  json?: unknown;
  body?: ProviderRequest['body'];
  idempotent?: boolean;
}

export interface SessionBatchCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: ProviderQuery;
  operation?: ProviderOperation;
}

export class ProviderSession {
  private readonly basePath: string;
  private readonly batchUrl: string;

  constructor(
    private readonly client: ProviderClient,
    readonly account: ProviderAccount,
    readonly apiBaseUrl: string,
    private readonly maxPartsPerBatch: number,
  ) {
    const base = new URL(apiBaseUrl);
    this.basePath = base.pathname.replace(/\/$/, '');
    // Google's convention: https://gmail.googleapis.com/gmail/v1 → https://gmail.googleapis.com/batch/gmail/v1
    this.batchUrl = `${base.origin}/batch${this.basePath}`;
  }

  json<T>(method: ProviderRequest['method'], path: string, call: SessionCall = {}): Promise<T> {
    return this.client.json<T>(this.account, { method, url: `${this.apiBaseUrl}${path}`, ...call });
  }

  send(method: ProviderRequest['method'], path: string, call: SessionCall = {}): Promise<ProviderResponse> {
    return this.client.send(this.account, { method, url: `${this.apiBaseUrl}${path}`, ...call });
  }

  /** Many calls through the batch endpoint; results in call order, `acceptStatuses` handed back. */
  batch(calls: readonly SessionBatchCall[], acceptStatuses?: ReadonlySet<number>): Promise<BatchResult[]> {
    return sendBatch(
      this.client,
      this.account,
      calls.map((call) => ({ method: call.method, path: urlWithQuery(`${this.basePath}${call.path}`, call.query), ...(call.operation ? { operation: call.operation } : {}) })),
      { batchUrl: this.batchUrl, maxPartsPerRequest: this.maxPartsPerBatch, ...(acceptStatuses ? { acceptStatuses } : {}) },
    );
  }
}
