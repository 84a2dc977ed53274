// The Fastify application under every emulator: its limits, its body parsers (JSON read strictly,
// forms as plain objects, anything else kept as bytes) and the parts of error handling that do not
// depend on the provider: the control API's 404, and which status an unexpected error gets.

import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CONTROL_PREFIX } from './controlRoutes.ts';

export interface EmulatorAppOptions {
  logger: boolean;
  /** The provider's request body limit. */
  bodyLimitBytes: number;
  /** Longest path parameter (provider ids can be long). */
  maxParamLength: number;
  /** The provider's error for a body that is not JSON, given the parser's message. */
  invalidJson(message: string): Error;
}

export function createEmulatorApp(options: EmulatorAppOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger,
    bodyLimit: options.bodyLimitBytes,
    // close() must not wait for keep-alive clients (benchmarks, pollers) to hang up.
    forceCloseConnections: true,
    routerOptions: { maxParamLength: options.maxParamLength },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')) as unknown);
    } catch (error) {
      done(options.invalidJson(error instanceof Error ? error.message : 'Unexpected token.'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body: string, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body)));
  });
  // Media uploads, multipart bodies and anything else stay bytes for the routes to read.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body: Buffer, done) => done(null, body));
  return app;
}

/** Whether the request is for the control API (which answers in its own plain JSON, and never waits). */
export function isControlRequest(url: string): boolean {
  return url.startsWith(`${CONTROL_PREFIX}/`);
}

/** The control API's answer to an unknown endpoint. */
export function sendControlNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).send({ error: `no control endpoint ${request.method} ${request.url.split('?')[0]}` });
}

/**
 * The status of an error no route turned into a provider error: Fastify's own client errors (body
 * too large, bad content-length, unsupported media type…) keep theirs; anything else is an emulator
 * bug, logged, and a 500.
 */
export function unexpectedErrorStatus(error: FastifyError | Error, request: FastifyRequest): number {
  const status = 'statusCode' in error && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) request.log.error({ err: error }, 'emulator bug: unexpected error');
  return status;
}
