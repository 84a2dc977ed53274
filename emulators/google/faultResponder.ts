// Google's answer to an injected fault (the mechanism is shared/faultResponder.ts): a body in the
// dialect of the endpoint (Gmail JSON error or OAuth error), and a dropped connection of a batch part
// losing the whole batch's.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { carryOutFault as carryOut } from '../shared/index.ts';
import type { EmulatorState } from './emulatorState.ts';
import type { ActiveFault, FaultSpec } from './faults.ts';
import { defaultGoogleErrorFor, defaultOAuthErrorFor } from './googleErrors.ts';

export type ErrorDialect = 'gmail' | 'oauth';

/** Header naming the batch a part belongs to (set by the batch endpoint on the parts it replays). */
export const BATCH_ID_HEADER = 'x-changehook-emulator-batch';

/**
 * Returns 'continue' when the request should be served normally after the fault (latency only),
 * 'handled' when the fault answered or dropped it.
 */
export function carryOutFault(
  fault: ActiveFault,
  request: FastifyRequest,
  reply: FastifyReply,
  dialect: ErrorDialect,
  state: Pick<EmulatorState, 'batchConnections' | 'sleep'>,
): Promise<'continue' | 'handled'> {
  return carryOut<FaultSpec>(fault, request, reply, {
    sleep: state.sleep,
    charset: 'UTF-8',
    dropOtherwise: () => {
      const batchId = request.headers[BATCH_ID_HEADER];
      const dropBatch = typeof batchId === 'string' ? state.batchConnections.get(batchId) : undefined;
      if (dropBatch === undefined) return false;
      // A part of a batch has no connection of its own: losing "its" connection loses the batch's.
      dropBatch();
      reply.code(503).send(defaultGoogleErrorFor(503).toBody());
      return true;
    },
    sendDefaultError: (f) => {
      const status = f.status as number;
      if (dialect === 'oauth') {
        const error = defaultOAuthErrorFor(status);
        reply.send(f.message === undefined ? error.toBody() : { ...error.toBody(), error_description: f.message });
      } else {
        reply.send(defaultGoogleErrorFor(status, f.reason, f.message).toBody());
      }
    },
  });
}
