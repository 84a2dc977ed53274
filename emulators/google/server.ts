// Assembles the emulator's HTTP server: body parsers, Google's response time (when a latency model is
// set), the route modules, and the one place where errors become responses, each in its endpoint's
// dialect (Gmail JSON errors, OAuth errors, the control API's plain JSON, HTML pages). Nothing a
// client sends may end in a 500 with a stack trace.

import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
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
import { ControlError, defaultGoogleErrorFor, defaultOAuthErrorFor, GoogleApiError, OAuthError } from './googleErrors.ts';
import { sampleLatencyMs } from './latencyModel.ts';
import { escapeHtml } from './oauth/consentPage.ts';
import { registerOAuthRoutes } from './oauth/routes.ts';

/** Gmail accepts messages up to 35 MB through media upload; batch bodies are bounded likewise. */
const BODY_LIMIT_BYTES = 36 * 1024 * 1024;

type Dialect = 'gmail' | 'oauth' | 'control' | 'html';

function dialectOf(url: string): Dialect {
  if (url.startsWith('/__emulator/')) return 'control';
  if (url.startsWith('/gmail/') || url.startsWith('/upload/') || url.startsWith('/batch/')) return 'gmail';
  if (url.startsWith('/o/oauth2/v2/auth') || url.startsWith('/o/oauth2/auth')) return 'html';
  return 'oauth';
}

export function buildServer(state: EmulatorState, control: EmulatorControl, options: { logger: boolean }): FastifyInstance {
  const app = Fastify({
    logger: options.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    // close() must not wait for keep-alive clients (benchmarks, pollers) to hang up.
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 500 },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')) as unknown);
    } catch (error) {
      done(GoogleApiError.invalidJson(error instanceof Error ? error.message : 'Unexpected token.'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body: string, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body)));
  });
  // Media uploads (message/rfc822), multipart/related uploads and multipart/mixed batches stay bytes.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body: Buffer, done) => done(null, body));

  addLatency(app, state);

  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const dialect = dialectOf(request.url);
    if (dialect === 'control') return reply.code(404).send({ error: `no control endpoint ${request.method} ${request.url.split('?')[0]}` });
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

/**
 * Google's response time (latencyModel.ts), when a model is set: every request Google's servers would
 * answer — the Gmail API, uploads, batch requests (once, not per part) and the OAuth endpoints — first
 * waits a sampled delay, before anything else it meets (token check, concurrency slot, injected
 * faults, quota), as network and server time come before Gmail's answer. The consent page is a page a
 * person reads and the control API is not Google: neither waits. A timer, never a busy wait, so
 * thousands of delayed requests cost nothing but memory; with no model the hook is one comparison.
 */
function addLatency(app: FastifyInstance, state: EmulatorState): void {
  app.addHook('onRequest', (request, reply, done) => {
    const model = state.latency;
    if (model === undefined) return done();
    const dialect = dialectOf(request.url);
    if (dialect === 'control' || dialect === 'html' || isBatchPart(state, request)) return done();
    state.sleep(sampleLatencyMs(model, state.latencyRandom)).then(() => {
      // The client left while waiting: there is no one to answer, and a route hook must not take a
      // concurrency slot whose release (on the response's close) has already happened.
      if (reply.raw.destroyed) {
        reply.hijack();
        return;
      }
      done();
    }, done);
  });
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

  // Fastify's own client errors (body too large, bad content-length, unsupported media type...).
  const status = 'statusCode' in error && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) request.log.error({ err: error }, 'emulator bug: unexpected error');
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
