// Carries out an injected fault on a live request: waits, drops the connection, or answers with the
// fault's status and a body in the dialect of the endpoint (Graph JSON error or identity-platform error).

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ActiveFault } from './faults.ts';
import { defaultGraphErrorFor, defaultIdentityErrorFor } from './microsoftErrors.ts';
import { requestIdsOf } from './requestIds.ts';

export type ErrorDialect = 'graph' | 'identity';

/** 'continue' when the request should be served normally after the fault (latency only), 'handled' otherwise. */
export async function carryOutFault(
  fault: ActiveFault,
  request: FastifyRequest,
  reply: FastifyReply,
  dialect: ErrorDialect,
  sleep: (ms: number) => Promise<void>,
): Promise<'continue' | 'handled'> {
  if (fault.latencyMs !== undefined && fault.latencyMs > 0) await sleep(fault.latencyMs);
  if (fault.dropConnection === true) {
    reply.hijack();
    request.raw.socket.destroy();
    return 'handled';
  }
  if (fault.status === undefined) return 'continue';
  if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.ceil(fault.retryAfterSeconds)));
  reply.code(fault.status);
  if (fault.body !== undefined) {
    if (typeof fault.body === 'string') {
      reply.type(fault.body.trimStart().startsWith('<') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8').send(fault.body);
    } else {
      reply.type('application/json; charset=utf-8').send(JSON.stringify(fault.body));
    }
    return 'handled';
  }
  if (fault.status < 400) {
    reply.type('application/json; charset=utf-8').send('{}');
    return 'handled';
  }
  if (dialect === 'identity') {
    reply.type('application/json; charset=utf-8').send(JSON.stringify(defaultIdentityErrorFor(fault.status, fault.message).toBody()));
  } else {
    const ids = requestIdsOf(request);
    reply.type('application/json; charset=utf-8').send(JSON.stringify(defaultGraphErrorFor(fault.status, fault.code, fault.message).toBody(ids.requestId, ids.clientRequestId)));
  }
  return 'handled';
}
