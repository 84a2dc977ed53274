// The one place errors become HTTP: our AppError family keeps its status and message, Fastify's own
// errors (validation, bad JSON, body too large) stay 4xx with their message, anything else is a 500
// whose details go to the log only. Every body is {"requestId", "message"}.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../errors/index.ts';

export interface ErrorBody {
  requestId: string;
  message: string;
}

export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isAppError(error)) {
    if (error.statusCode >= 500) request.log.warn({ err: error }, error.message);
    return reply.status(error.statusCode).headers(error.headers).send({ requestId: request.id, message: error.message } satisfies ErrorBody);
  }
  const statusCode = (error as FastifyError).statusCode;
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return reply.status(statusCode).send({ requestId: request.id, message: error.message } satisfies ErrorBody);
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.status(500).send({ requestId: request.id, message: 'Internal server error; the request id identifies it in the logs' } satisfies ErrorBody);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.status(404).send({ requestId: request.id, message: `No route for ${request.method} ${request.url.split('?')[0]}` } satisfies ErrorBody);
}
