// Sending one notification to its callback and classifying what happened: an HTTP answer (with its
// status, Retry-After and the first KiB of its body), a timeout, or a connection failure (with undici's
// error code, which the origin throttle reads). Never throws: every ending is an AttemptResult.

import { request, type Agent } from 'undici';
import { parseRetryAfterSeconds } from '../../errors/index.ts';
import { assertPublicLiteral, connectionFailureText } from './callbackAgent.ts';
import type { DeliveryOutcome } from './retrySchedule.ts';

const EXCERPT_BYTES = 1024;

export interface AttemptResult {
  outcome: DeliveryOutcome;
  statusCode: number | null;
  excerpt: string | null;
  error: string | null;
  durationMs: number;
  /** The connection error's code, when it failed before an answer. */
  errorCode?: string;
}

export interface AttemptRequest {
  url: string;
  headers: Record<string, string>;
  payload: string;
  agent: Agent;
  timeoutMs: number;
  allowPrivateCallbacks: boolean;
  now: () => number;
}

export async function sendAttempt({ url, headers, payload, agent, timeoutMs, allowPrivateCallbacks, now }: AttemptRequest): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    if (!allowPrivateCallbacks) assertPublicLiteral(new URL(url));
    const response = await request(url, {
      method: 'POST',
      headers,
      body: payload,
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const excerpt = await readExcerpt(response.body);
    const status = response.statusCode;
    const retryAfter = parseRetryAfterSeconds(headerValue(response.headers['retry-after']), now());
    return {
      outcome: { kind: 'http', status, ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }) },
      statusCode: status,
      excerpt,
      error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
      durationMs: elapsed(),
    };
  } catch (error) {
    const err = error as Error & { code?: string; cause?: Error & { code?: string } };
    const timedOut = err.name === 'TimeoutError' || err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT' || err.code === 'UND_ERR_CONNECT_TIMEOUT';
    const code = err.code ?? err.cause?.code;
    return {
      outcome: { kind: timedOut ? 'timeout' : 'connection' },
      statusCode: null,
      excerpt: null,
      error: timedOut ? `timed out after ${timeoutMs} ms` : connectionFailureText(error),
      durationMs: elapsed(),
      ...(typeof code === 'string' ? { errorCode: code } : {}),
    };
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= EXCERPT_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(parts).subarray(0, EXCERPT_BYTES).toString('utf8');
}
