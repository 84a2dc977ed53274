// Assembles the emulator's HTTP server: body parsers, Google's response time (when a latency model is
// set), the route modules, and the one place where errors become responses, each in its endpoint's
// dialect (Gmail JSON errors, OAuth errors, the control API's plain JSON, HTML pages). Nothing a
// client sends may end in a 500 with a stack trace.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ControlError, createEmulatorApp, isControlRequest, sendControlNotFound, unexpectedErrorStatus, addResponseDelay } from '../shared/index.ts';
import { registerBatchRoute } from './batch.ts';
import type { EmulatorControl } from './control.ts';
import { registerControlRoutes } from './controlRoutes.ts';
import type { EmulatorState } from './emulatorState.ts';
import { BATCH_ID_HEADER } from './faultResponder.ts';
import { registerDraftRoutes } from './gmail/routes/drafts.ts';
import { registerHistoryRoutes } from './gmail/routes/history.ts';
import { registerLabelRoutes } from './gmail/routes/labels.ts';
import { registerMessageRoutes } from './gmail/routes/messages.ts';
import { registerThreadRoutes } from './gmail/routes/threads.ts';
import { defaultGoogleErrorFor, defaultOAuthErrorFor, GoogleApiError, OAuthError } from './googleErrors.ts';
import { escapeHtml } from './oauth/consentPage.ts';
import { registerOAuthRoutes } from './oauth/routes.ts';

/** Gmail accepts messages up to 35 MB through media upload; batch bodies are bounded likewise. */
const BODY_LIMIT_BYTES = 36 * 1024 * 1024;

type Dialect = 'gmail' | 'oauth' | 'control' | 'html';

function dialectOf(url: string): Dialect {
  if (isControlRequest(url)) return 'control';
  if (url.startsWith('/gmail/') || url.startsWith('/upload/') || url.startsWith('/batch/')) return 'gmail';
  if (url.startsWith('/o/oauth2/v2/auth') || url.startsWith('/o/oauth2/auth')) return 'html';
  return 'oauth';
}

export function buildServer(state: EmulatorState, control: EmulatorControl, options: { logger: boolean }): FastifyInstance {
  const app = createEmulatorApp({
    logger: options.logger,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    maxParamLength: 500,
    invalidJson: (message) => GoogleApiError.invalidJson(message),
  });

  // Google's response time: every request Google's servers would answer — the Gmail API, uploads,
  // batch requests (once, not per part) and the OAuth endpoints. The consent page is a page a person
  // reads and the control API is not Google: neither waits.
  addResponseDelay(app, state, (request) => {
    const dialect = dialectOf(request.url);
    return dialect === 'control' || dialect === 'html' || isBatchPart(state, request);
  });

  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const dialect = dialectOf(request.url);
    if (dialect === 'control') return sendControlNotFound(request, reply);
    // Google's front end answers unknown URLs with an HTML 404, JSON APIs included.
    return reply
      .code(404)
      .type('text/html; charset=UTF-8')
      .send(
        `<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error 404 (Not Found)!!1</title><p><b>404.</b> <ins>That’s an error.</ins><p>The requested URL <code>${escapeHtml(request.url.split('?')[0] ?? '')}</code> was not found on this server. <ins>That’s all we know.</ins>\n`,
      );
  });

  registerOAuthRoutes(app, state);
  registerMessageRoutes(app, state);
  registerThreadRoutes(app, state);
  registerLabelRoutes(app, state);
  registerDraftRoutes(app, state);
  registerHistoryRoutes(app, state);
  registerBatchRoute(app, state);
  registerControlRoutes(app, control);
  return app;
}

/** Batch parts are replayed through the server; the batch request itself already waited. */
function isBatchPart(state: EmulatorState, request: FastifyRequest): boolean {
  const batchId = request.headers[BATCH_ID_HEADER];
  return typeof batchId === 'string' && state.batchConnections.has(batchId);
}

function sendError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const dialect = dialectOf(request.url);
  if (error instanceof GoogleApiError) {
    if (dialect === 'control') return reply.code(error.code).send({ error: error.message });
    if (dialect === 'oauth') return reply.code(error.code).send(new OAuthError(error.code, 'invalid_request', error.message).toBody());
    return reply.code(error.code).headers(error.headers).type('application/json; charset=UTF-8').send(JSON.stringify(error.toBody()));
  }
  if (error instanceof OAuthError) return reply.code(error.status).send(error.toBody());
  if (error instanceof ControlError) return reply.code(error.status).send({ error: error.message });

  const status = unexpectedErrorStatus(error, request);
  const message = status === 500 ? 'Backend Error' : error.message;
  switch (dialect) {
    case 'control':
      return reply.code(status).send({ error: message });
    case 'oauth':
      return reply.code(status).send(status === 500 ? defaultOAuthErrorFor(500).toBody() : new OAuthError(status, 'invalid_request', message).toBody());
    default: {
      const googleError = status === 500 ? defaultGoogleErrorFor(500) : new GoogleApiError(status, message, { domain: 'global', reason: status === 413 ? 'uploadTooLarge' : 'badRequest' });
      return reply.code(status).type('application/json; charset=UTF-8').send(JSON.stringify(googleError.toBody()));
    }
  }
}
