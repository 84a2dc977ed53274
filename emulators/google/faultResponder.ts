// Carries out an injected fault on a live request: waits, drops the connection, or answers with the
// fault's status and a body in the dialect of the endpoint (Gmail JSON error or OAuth error).

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorState } from './emulatorState.ts';
import type { ActiveFault } from './faults.ts';
import { defaultGoogleErrorFor, defaultOAuthErrorFor } from './googleErrors.ts';

export type ErrorDialect = 'gmail' | 'oauth';

/** Header naming the batch a part belongs to (set by the batch endpoint on the parts it replays). */
export const BATCH_ID_HEADER = 'x-changehook-emulator-batch';

/**
 * Returns 'continue' when the request should be served normally after the fault (latency only),
 * 'handled' when the fault answered or dropped it.
 */
export async function carryOutFault(
  fault: ActiveFault,
  request: FastifyRequest,
  reply: FastifyReply,
  dialect: ErrorDialect,
  state: Pick<EmulatorState, 'batchConnections' | 'sleep'>,
): Promise<'continue' | 'handled'> {
  if (fault.latencyMs !== undefined && fault.latencyMs > 0) await state.sleep(fault.latencyMs);
  if (fault.dropConnection === true) {
    const batchId = request.headers[BATCH_ID_HEADER];
    const dropBatch = typeof batchId === 'string' ? state.batchConnections.get(batchId) : undefined;
    if (dropBatch !== undefined) {
      // A part of a batch has no connection of its own: losing "its" connection loses the batch's.
      dropBatch();
      reply.code(503).send(defaultGoogleErrorFor(503).toBody());
      return 'handled';
    }
    reply.hijack();
    request.raw.socket.destroy();
    return 'handled';
  }
  if (fault.status === undefined) return 'continue';
  if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.ceil(fault.retryAfterSeconds)));
  reply.code(fault.status);
  if (fault.body !== undefined) {
    if (typeof fault.body === 'string') {
      reply.type(fault.body.trimStart().startsWith('<') ? 'text/html; charset=UTF-8' : 'text/plain; charset=UTF-8').send(fault.body);
    } else {
      reply.type('application/json; charset=UTF-8').send(JSON.stringify(fault.body));
    }
    return 'handled';
  }
  if (fault.status < 400) {
    reply.type('application/json; charset=UTF-8').send('{}');
    return 'handled';
  }
  if (dialect === 'oauth') {
    const error = defaultOAuthErrorFor(fault.status);
    reply.send(fault.message === undefined ? error.toBody() : { ...error.toBody(), error_description: fault.message });
  } else {
    reply.send(defaultGoogleErrorFor(fault.status, fault.reason, fault.message).toBody());
  }
  return 'handled';
}
