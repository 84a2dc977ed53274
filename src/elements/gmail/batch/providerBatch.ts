// Many Gmail reads in few HTTP requests through Google's batch endpoint. Each part is charged and
// limited like a call of its own, so a batch often comes back partly rate limited: those parts (and
// parts that failed transiently) are sent again in a smaller batch after a backoff, the rest kept.

import {
  classifyFailure,
  providerAnswerError,
  urlWithQuery,
  type ProviderAccount,
  type ProviderClient,
  type ProviderErrorInfo,
  type ProviderOperation,
  type ProviderQuery,
  type ProviderSession,
} from '../../../hubs/index.ts';
import { parseRetryAfterMs } from '../../../errors/index.ts';
import { readGoogleError } from '../googleErrors.ts';
import { decodeBatchResponse, encodeBatchRequest, type BatchPartRequest, type BatchPartResponse } from './batchMultipart.ts';

/** Parts per HTTP request: Google allows 100 and advises at most 50 for Gmail. */
const PARTS_PER_REQUEST = 50;

export interface SessionBatchCall {
  method: BatchPartRequest['method'];
  /** Path under the session's API base URL, as in the session's own calls. */
  path: string;
  query?: ProviderQuery;
  operation?: ProviderOperation;
}

/** Calls of a session through the batch endpoint of its API; results in call order, `acceptStatuses` handed back. */
export function sendSessionBatch(session: ProviderSession, calls: readonly SessionBatchCall[], acceptStatuses?: ReadonlySet<number>): Promise<BatchResult[]> {
  const base = new URL(session.apiBaseUrl);
  const basePath = base.pathname.replace(/\/$/, '');
  return sendBatch(
    session.client,
    session.account,
    calls.map((call) => ({ method: call.method, path: urlWithQuery(`${basePath}${call.path}`, call.query), ...(call.operation ? { operation: call.operation } : {}) })),
    // Google's convention: https://gmail.googleapis.com/gmail/v1 → https://gmail.googleapis.com/batch/gmail/v1
    { batchUrl: `${base.origin}/batch${basePath}`, maxPartsPerRequest: PARTS_PER_REQUEST, ...(acceptStatuses ? { acceptStatuses } : {}) },
  );
}

export interface BatchCall {
  method: BatchPartRequest['method'];
  /** Path and query on the provider's origin. */
  path: string;
  /** What the part is, for metrics: each part is counted (and charged) as a call of its own. */
  operation?: ProviderOperation;
}

/** The batch request itself: providers charge its parts, not the envelope. */
const BATCH_OPERATION: ProviderOperation = { name: 'batch', units: 0 };

export interface BatchResult {
  status: number;
  /** The part's JSON body; undefined when empty or not JSON. */
  body: unknown;
}

export interface BatchOptions {
  /** e.g. `https://gmail.googleapis.com/batch/gmail/v1` */
  batchUrl: string;
  /** Parts per HTTP request, at most 100. */
  maxPartsPerRequest: number;
  /** Part statuses handed back instead of failing the whole call (404: deleted in the meantime). */
  acceptStatuses?: ReadonlySet<number>;
}

/** One result per call, in call order. Throws the first part error that cannot be retried. */
export async function sendBatch(client: ProviderClient, account: ProviderAccount, calls: readonly BatchCall[], options: BatchOptions): Promise<BatchResult[]> {
  const results: (BatchResult | undefined)[] = new Array(calls.length);
  const maxParts = Math.max(1, Math.min(100, options.maxPartsPerRequest));
  let pending = calls.map((_, index) => index);
  let refreshed = false;
  for (let retries = 0; pending.length > 0; retries++) {
    const again: number[] = [];
    let unauthorized = false;
    let throttled = false;
    let retryAfterMs: number | undefined;
    let lastFailure: { status: number; info: ProviderErrorInfo | undefined } | undefined;

    for (let start = 0; start < pending.length; start += maxParts) {
      const chunk = pending.slice(start, start + maxParts);
      const answers = await sendChunk(client, account, calls, chunk, options.batchUrl);
      for (const [position, index] of chunk.entries()) {
        const call = calls[index] as BatchCall;
        const answer = answers.byId.get(partId(index)) ?? (answers.named ? undefined : answers.inOrder[position]);
        if (answer === undefined) {
          again.push(index);
          // Not answered: neither counted nor charged.
          throttled = true;
          lastFailure = { status: 502, info: { message: 'the batch answer lacked this part' } };
          continue;
        }
        client.reportCall(account, call.operation, call.method, answer.status);
        if ((answer.status >= 200 && answer.status < 300) || options.acceptStatuses?.has(answer.status)) {
          results[index] = { status: answer.status, body: parseJson(answer.body) };
          continue;
        }
        const info = readGoogleError(answer.body);
        const kind = classifyFailure(answer.status, info);
        if (kind === 'unauthorized' && !refreshed) {
          unauthorized = true;
          again.push(index);
          continue;
        }
        if (kind === 'rateLimited' || (kind === 'transient' && call.method === 'GET')) {
          again.push(index);
          throttled = true;
          lastFailure = { status: answer.status, info };
          const partRetryAfter = parseRetryAfterMs(answer.headers['retry-after'], Date.now());
          if (partRetryAfter !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, partRetryAfter);
          continue;
        }
        throw providerAnswerError(account.providerName, answer.status, info, undefined, retries + 1);
      }
    }

    if (again.length === 0) break;
    if (unauthorized) {
      await client.renewToken(account);
      refreshed = true;
    }
    if (throttled) {
      const delayMs = client.backoff(retries, retryAfterMs);
      if (delayMs === undefined) {
        const failure = lastFailure ?? { status: 502, info: undefined };
        throw providerAnswerError(account.providerName, failure.status, failure.info, retryAfterMs, retries + 1);
      }
      await client.sleepBeforeRetry(delayMs);
    } else {
      // Only a refused token: going again at once with the fresh token is not a retry.
      retries--;
    }
    pending = again;
  }
  return results as BatchResult[];
}

async function sendChunk(
  client: ProviderClient,
  account: ProviderAccount,
  calls: readonly BatchCall[],
  chunk: readonly number[],
  batchUrl: string,
): Promise<{ byId: Map<string, BatchPartResponse>; inOrder: BatchPartResponse[]; named: boolean }> {
  const encoded = encodeBatchRequest(chunk.map((index) => ({ id: partId(index), method: (calls[index] as BatchCall).method, path: (calls[index] as BatchCall).path })));
  const response = await client.send(account, {
    method: 'POST',
    url: batchUrl,
    body: { contentType: encoded.contentType, data: encoded.body },
    operation: BATCH_OPERATION,
    // A batch of reads is as repeatable as the reads.
    idempotent: chunk.every((index) => (calls[index] as BatchCall).method === 'GET'),
  });
  const inOrder = decodeBatchResponse(response.headers['content-type'], response.body);
  const byId = new Map<string, BatchPartResponse>();
  for (const answer of inOrder) if (answer.id !== undefined) byId.set(answer.id, answer);
  return { byId, inOrder, named: byId.size > 0 };
}

function partId(index: number): string {
  return `item-${index}`;
}

function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
