// Microsoft's answer to an injected fault (the mechanism is shared/faultResponder.ts): a body in the
// dialect of the endpoint (Graph JSON error with its request ids, or identity-platform error).

import type { FastifyReply, FastifyRequest } from 'fastify';
import { carryOutFault as carryOut } from '../shared/index.ts';
import type { ActiveFault, FaultSpec } from './faults.ts';
import { defaultGraphErrorFor, defaultIdentityErrorFor } from './microsoftErrors.ts';
import { requestIdsOf } from './requestIds.ts';

export type ErrorDialect = 'graph' | 'identity';

/** 'continue' when the request should be served normally after the fault (latency only), 'handled' otherwise. */
export function carryOutFault(
  fault: ActiveFault,
  request: FastifyRequest,
  reply: FastifyReply,
  dialect: ErrorDialect,
  sleep: (ms: number) => Promise<void>,
): Promise<'continue' | 'handled'> {
  return carryOut<FaultSpec>(fault, request, reply, {
    sleep,
    charset: 'utf-8',
    sendDefaultError: (f) => {
      const status = f.status as number;
      if (dialect === 'identity') {
        reply.type('application/json; charset=utf-8').send(JSON.stringify(defaultIdentityErrorFor(status, f.message).toBody()));
      } else {
        const ids = requestIdsOf(request);
        reply.type('application/json; charset=utf-8').send(JSON.stringify(defaultGraphErrorFor(status, f.code, f.message).toBody(ids.requestId, ids.clientRequestId)));
      }
    },
  });
}
