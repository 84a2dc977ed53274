// POST /batch/gmail/v1: Google's batch format (multipart/mixed of application/http requests, at most
// 100). Each part is replayed through the emulator's own HTTP pipeline (Fastify inject), so every part
// is authenticated, fault-checked and charged for quota exactly like a separate call.

import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { EmulatorState } from './emulatorState.ts';
import { BATCH_ID_HEADER, carryOutFault } from './faultResponder.ts';
import { GoogleApiError } from './googleErrors.ts';
import { boundaryOf, MalformedMultipart, parseHttpRequest, splitMultipart, type MimePart } from './multipart.ts';

const MAX_PARTS = 100;
/** Response headers of a part worth passing on to the client. */
const FORWARDED_HEADERS = ['content-type', 'retry-after', 'www-authenticate', 'location', 'etag'];

export function registerBatchRoute(app: FastifyInstance, state: EmulatorState): void {
  app.post('/batch/gmail/v1', {
    onRequest: async (request, reply) => {
      const fault = state.faults.take(request.method, request.url, undefined);
      if (fault !== undefined && (await carryOutFault(fault, request, reply, 'gmail', state)) === 'handled') return reply;
      return undefined;
    },
    handler: async (request, reply) => {
      const contentType = request.headers['content-type'];
      const boundary = boundaryOf(contentType);
      if (contentType === undefined || !/^multipart\/mixed/i.test(contentType) || boundary === undefined || !Buffer.isBuffer(request.body)) {
        throw GoogleApiError.invalidArgument('Invalid batch request: expected a multipart/mixed body with a boundary');
      }
      let parts: MimePart[];
      try {
        parts = splitMultipart(request.body, boundary);
      } catch (error) {
        if (error instanceof MalformedMultipart) throw GoogleApiError.invalidArgument(`Invalid batch request: ${error.message}`);
        throw error;
      }
      if (parts.length === 0) throw GoogleApiError.invalidArgument('Invalid batch request: no parts');
      if (parts.length > MAX_PARTS) throw GoogleApiError.invalidArgument(`A batch request cannot contain more than ${MAX_PARTS} calls`);

      const batchId = randomUUID();
      let dropped = false;
      state.batchConnections.set(batchId, () => {
        dropped = true;
        request.raw.socket.destroy();
      });
      const outer = request.headers.authorization;
      const responseBoundary = `batch_${randomUUID().replace(/-/g, '')}`;
      const chunks: string[] = [];
      try {
        // Sequential on purpose: parts of one batch then never compete for the user's concurrency slots.
        for (const [index, part] of parts.entries()) {
          const contentId = (part.headers.get('content-id') ?? `${index + 1}`).replace(/^<|>$/g, '');
          const answer = await answerPart(app, part, typeof outer === 'string' ? outer : undefined, batchId);
          if (dropped) {
            reply.hijack();
            return reply;
          }
          chunks.push(
            `--${responseBoundary}\r\nContent-Type: application/http\r\nContent-ID: <response-${contentId}>\r\n\r\n${answer}\r\n`,
          );
        }
      } finally {
        state.batchConnections.delete(batchId);
      }
      chunks.push(`--${responseBoundary}--\r\n`);
      return reply.type(`multipart/mixed; boundary=${responseBoundary}`).send(chunks.join(''));
    },
  });
}

async function answerPart(app: FastifyInstance, part: MimePart, outerAuthorization: string | undefined, batchId: string): Promise<string> {
  let inner: ReturnType<typeof parseHttpRequest>;
  try {
    inner = parseHttpRequest(part.body);
  } catch (error) {
    if (error instanceof MalformedMultipart) return httpText(400, { 'content-type': 'application/json; charset=UTF-8' }, JSON.stringify(GoogleApiError.invalidArgument(`Invalid batch part: ${error.message}`).toBody()));
    throw error;
  }
  const path = pathOf(inner.target);
  if (!path.startsWith('/gmail/v1/')) {
    return httpText(404, { 'content-type': 'application/json; charset=UTF-8' }, JSON.stringify(GoogleApiError.notFound().toBody()));
  }
  const headers: Record<string, string> = { [BATCH_ID_HEADER]: batchId };
  for (const [name, value] of inner.headers) {
    if (name !== 'content-length' && name !== 'host' && name !== BATCH_ID_HEADER) headers[name] = value;
  }
  // The outer request's credentials apply to every part that brings none of its own.
  if (headers.authorization === undefined && outerAuthorization !== undefined) headers.authorization = outerAuthorization;
  const response = await app.inject({
    method: inner.method as 'GET',
    url: path,
    headers,
    ...(inner.body.length > 0 ? { payload: inner.body } : {}),
  });
  const forwarded: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = response.headers[name];
    if (value !== undefined) forwarded[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return httpText(response.statusCode, forwarded, response.body);
}

function httpText(status: number, headers: Record<string, string>, body: string): string {
  const headerLines = Object.entries(headers).map(([name, value]) => `${canonicalName(name)}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${headerLines.join('')}\r\n${body}`;
}

function pathOf(target: string): string {
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return target;
  }
}

function canonicalName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
