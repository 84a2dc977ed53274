// Assembles the emulator's HTTP application: body parsers, Microsoft's response time (when a latency
// model is set), the route modules, and the one place where errors become responses in each
// endpoint's dialect (Graph JSON errors, identity-platform errors, the control API's plain JSON, HTML
// sign-in pages). The same application serves the plain-HTTP and the HTTPS listener (index.ts).

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ControlError, createEmulatorApp, isControlRequest, sendControlNotFound, unexpectedErrorStatus, addResponseDelay } from '../shared/index.ts';
import type { EmulatorControl } from './control.ts';
import { registerControlRoutes } from './controlRoutes.ts';
import type { EmulatorState } from './emulatorState.ts';
import { registerGraphHooks } from './graph/graphRoute.ts';
import { registerDeltaRoutes } from './graph/routes/delta.ts';
import { registerMailFolderRoutes } from './graph/routes/mailFolders.ts';
import { registerMeRoutes } from './graph/routes/me.ts';
import { registerMessageRoutes } from './graph/routes/messages.ts';
import { defaultGraphErrorFor, defaultIdentityErrorFor, GraphError, IdentityError } from './microsoftErrors.ts';
import { escapeHtml } from './oauth/consentPage.ts';
import { registerOAuthRoutes } from './oauth/routes.ts';
import { requestIdsOf } from './requestIds.ts';

/** Graph accepts request bodies up to 4 MB (larger attachments go through upload sessions). */
const BODY_LIMIT_BYTES = 5 * 1024 * 1024;

type Dialect = 'graph' | 'identity' | 'control' | 'html';

function dialectOf(url: string): Dialect {
  if (isControlRequest(url)) return 'control';
  if (url.startsWith('/v1.0/') || url.startsWith('/beta/')) return 'graph';
  if (/^\/[^/]+\/oauth2\/v2\.0\/authorize/.test(url)) return 'html';
  return 'identity';
}

const GRAPH_JSON = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';

export function buildServer(state: EmulatorState, control: EmulatorControl, options: { logger: boolean }): FastifyInstance {
  const app = createEmulatorApp({
    logger: options.logger,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    maxParamLength: 2000,
    invalidJson: () => GraphError.badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', 'BadRequest'),
  });

  // Microsoft's response time: Graph and the token endpoint wait; the sign-in page and the control API do not.
  addResponseDelay(app, state, (request) => {
    const dialect = dialectOf(request.url);
    return dialect === 'control' || dialect === 'html';
  });
  registerGraphHooks(app, state);

  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const dialect = dialectOf(request.url);
    if (dialect === 'control') return sendControlNotFound(request, reply);
    if (dialect === 'graph') {
      const ids = requestIdsOf(request);
      const segment = (request.url.split('?')[0] ?? '').split('/').filter((s) => s !== '').pop() ?? '';
      return reply
        .code(400)
        .type(GRAPH_JSON)
        .send(JSON.stringify(new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`).toBody(ids.requestId, ids.clientRequestId)));
    }
    return reply.code(404).type('text/html; charset=utf-8').send(`<!doctype html><title>404</title><p>The resource <code>${escapeHtml(request.url.split('?')[0] ?? '')}</code> was not found.</p>`);
  });

  registerOAuthRoutes(app, state);
  registerMeRoutes(app, state);
  registerMailFolderRoutes(app, state);
  registerMessageRoutes(app, state);
  registerDeltaRoutes(app, state);
  registerControlRoutes(app, control);
  return app;
}

function sendError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const dialect = dialectOf(request.url);
  if (error instanceof ControlError) return reply.code(error.status).send({ error: error.message });
  if (error instanceof IdentityError) {
    if (dialect === 'html') return reply.code(error.status).type('text/html; charset=utf-8').send(`<!doctype html><p>${escapeHtml(error.message)}</p>`);
    return reply.code(error.status).type('application/json; charset=utf-8').send(JSON.stringify(error.toBody()));
  }
  if (error instanceof GraphError) {
    if (dialect === 'control') return reply.code(error.status).send({ error: error.message });
    if (dialect === 'identity') return reply.code(error.status).send(new IdentityError(error.status, 'invalid_request', 900144, error.message).toBody());
    const ids = requestIdsOf(request);
    if (error.status === 401) {
      reply.header('www-authenticate', 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"');
    }
    return reply.code(error.status).headers(error.headers).type(GRAPH_JSON).send(JSON.stringify(error.toBody(ids.requestId, ids.clientRequestId)));
  }
  const status = unexpectedErrorStatus(error, request);
  switch (dialect) {
    case 'control':
      return reply.code(status).send({ error: status === 500 ? 'internal error' : error.message });
    case 'identity':
    case 'html':
      return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify((status === 500 ? defaultIdentityErrorFor(500) : new IdentityError(status, 'invalid_request', 900144, error.message)).toBody()));
    default: {
      const ids = requestIdsOf(request);
      const graphError = status === 500 ? defaultGraphErrorFor(500) : new GraphError(status, status === 413 ? 'RequestEntityTooLarge' : 'BadRequest', error.message);
      return reply.code(status).type(GRAPH_JSON).send(JSON.stringify(graphError.toBody(ids.requestId, ids.clientRequestId)));
    }
  }
}
