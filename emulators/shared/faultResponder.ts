// Carries out an injected fault on a live request: waits, drops the connection, or answers with the
// fault's status and body. The provider's part — its error body when the fault gives none, how it
// writes `charset`, a connection it drops some other way — comes in as a FaultAnswering.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ActiveFault, FaultSpecBase } from './faults.ts';

export interface FaultAnswering<Spec extends FaultSpecBase> {
  /** How a request waits out the fault's latency. */
  sleep(ms: number): Promise<void>;
  /** The provider's spelling of the charset in content types (Google `UTF-8`, Microsoft `utf-8`). */
  charset: string;
  /** Loses the request's connection some other way than its socket (Google's batch parts); true when it did. */
  dropOtherwise?(request: FastifyRequest, reply: FastifyReply): boolean;
  /** Sends the provider's error for a status of 400 or more when the fault has no body. */
  sendDefaultError(fault: ActiveFault<Spec>, request: FastifyRequest, reply: FastifyReply): void;
}

/** 'continue' when the request should be served normally after the fault (latency only), 'handled' otherwise. */
export async function carryOutFault<Spec extends FaultSpecBase>(
  fault: ActiveFault<Spec>,
  request: FastifyRequest,
  reply: FastifyReply,
  answering: FaultAnswering<Spec>,
): Promise<'continue' | 'handled'> {
  const f = fault as ActiveFault<FaultSpecBase>;
  if (f.latencyMs !== undefined && f.latencyMs > 0) await answering.sleep(f.latencyMs);
  if (f.dropConnection === true) {
    if (answering.dropOtherwise?.(request, reply) === true) return 'handled';
    reply.hijack();
    request.raw.socket.destroy();
    return 'handled';
  }
  if (f.status === undefined) return 'continue';
  if (f.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.ceil(f.retryAfterSeconds)));
  reply.code(f.status);
  const charset = `charset=${answering.charset}`;
  if (f.body !== undefined) {
    if (typeof f.body === 'string') {
      reply.type(f.body.trimStart().startsWith('<') ? `text/html; ${charset}` : `text/plain; ${charset}`).send(f.body);
    } else {
      reply.type(`application/json; ${charset}`).send(JSON.stringify(f.body));
    }
    return 'handled';
  }
  if (f.status < 400) {
    reply.type(`application/json; ${charset}`).send('{}');
    return 'handled';
  }
  answering.sendDefaultError(fault, request, reply);
  return 'handled';
}
