// Graph's request correlation: every response carries `request-id` (made here) and
// `client-request-id` (the caller's, or the request-id when the caller sent none), and error bodies
// repeat both in `innerError`. Kept on the request so any code answering it says the same ids.

import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

const ids = new WeakMap<FastifyRequest, RequestIds>();

export function requestIdsOf(request: FastifyRequest): RequestIds {
  let found = ids.get(request);
  if (found === undefined) {
    const requestId = randomUUID();
    const sent = request.headers['client-request-id'];
    const clientRequestId = typeof sent === 'string' && sent !== '' ? sent : requestId;
    found = { requestId, clientRequestId };
    ids.set(request, found);
  }
  return found;
}
