// One way every Graph route is served: under `/v1.0/me/…` and `/v1.0/users/{id|userPrincipalName}/…`,
// the same steps in Graph's order — request ids, injected faults, the bearer token (401
// InvalidAuthenticationToken), the permission the route needs (403 ErrorAccessDenied), the mailbox's
// throttle (429 ApplicationThrottled with Retry-After) — then the route's handler with the signed-in
// mailbox. The call log entry is written when the response is sent.

import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { EmulatorState } from '../emulatorState.ts';
import { carryOutFault } from '../faultResponder.ts';
import { GraphError } from '../microsoftErrors.ts';
import { requestIdsOf } from '../requestIds.ts';
import type { AccessTokenRecord } from '../oauth/grantStore.ts';
import type { Mailbox } from './mailboxStore.ts';

export interface GraphContext {
  request: FastifyRequest;
  reply: FastifyReply;
  mailbox: Mailbox;
  token: AccessTokenRecord;
  /** `https://127.0.0.1:8443`: links (nextLink, deltaLink, @odata.context) point back where the client called. */
  origin: string;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  /** `https://…/v1.0/$metadata#users('{id}')` — a context URL is this plus the collection. */
  contextBase: string;
}

export type GraphHandler = (context: GraphContext) => unknown | Promise<unknown>;

const servedMailbox = new WeakMap<FastifyRequest, string>();
const releases = new WeakMap<FastifyRequest, () => void>();

export function registerGraphHooks(app: FastifyInstance, state: EmulatorState): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1.0/')) return;
    const ids = requestIdsOf(request);
    reply.header('request-id', ids.requestId);
    reply.header('client-request-id', ids.clientRequestId);
    reply.header('x-ms-ags-diagnostic', JSON.stringify({ ServerInfo: { DataCenter: 'Emulator', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'changehook' } }));
  });
  app.addHook('onResponse', async (request, reply) => {
    releases.get(request)?.();
    if (!request.url.startsWith('/v1.0/')) return;
    const mailbox = servedMailbox.get(request);
    state.calls.add({
      at: new Date().toISOString(),
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      ...(mailbox !== undefined ? { mailbox } : {}),
      status: reply.statusCode,
    });
  });
}

export function graphRoute(
  app: FastifyInstance,
  state: EmulatorState,
  method: HTTPMethods,
  path: string,
  permissions: readonly string[],
  handler: GraphHandler,
): void {
  for (const prefix of ['/v1.0/me', '/v1.0/users/:userId']) {
    app.route({
      method,
      url: `${prefix}${path}`,
      handler: async (request, reply) => {
        const fault = state.faults.take(request.method, request.url);
        if (fault !== undefined && (await carryOutFault(fault, request, reply, 'graph', state.sleep)) === 'handled') return reply;
        const token = authenticate(state, request);
        const mailbox = state.mailboxes.getOrCreate(token.email);
        const params = request.params as Record<string, string>;
        if (params.userId !== undefined) {
          const wanted = decodeURIComponent(params.userId).toLowerCase();
          if (wanted !== mailbox.objectId && wanted !== mailbox.email) throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
        }
        servedMailbox.set(request, mailbox.email);
        if (!permissions.some((p) => token.scopes.has(p))) throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
        const verdict = state.throttle.admit(mailbox.email);
        if (!verdict.allowed) {
          throw new GraphError(
            429,
            'ApplicationThrottled',
            verdict.reason === 'concurrency' ? 'Application is over its MailboxConcurrency limit.' : 'Application is over its MailboxRequests limit. Retry after the time given in Retry-After.',
            { 'retry-after': String(verdict.retryAfterSeconds) },
          );
        }
        releases.set(request, verdict.release);
        // A client that hangs up early must not keep its in-flight slot (onResponse may never come).
        reply.raw.once('close', verdict.release);
        // Ids are immutable whatever the client prefers; say so when it asks.
        const prefer = request.headers.prefer;
        if (typeof prefer === 'string' && /IdType\s*=\s*"?ImmutableId"?/i.test(prefer)) reply.header('preference-applied', 'IdType="ImmutableId"');
        const host = request.headers.host ?? 'localhost';
        const origin = `${request.protocol}://${host}`;
        const result = await handler({
          request,
          reply,
          mailbox,
          token,
          origin,
          params,
          query: request.query as Record<string, string | undefined>,
          body: request.body,
          contextBase: `${origin}/v1.0/$metadata#users('${mailbox.objectId}')`,
        });
        if (reply.sent) return reply;
        if (result === undefined) return reply.code(reply.statusCode === 200 ? 204 : reply.statusCode).send();
        return reply.type('application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8').send(JSON.stringify(result));
      },
    });
  }
}

function authenticate(state: EmulatorState, request: FastifyRequest): AccessTokenRecord {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') throw GraphError.invalidToken('Access token is empty.');
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (match === null) throw GraphError.invalidToken('IDX14100: JWT is not well formed, there are no dots (.).');
  const found = state.grants.lookupAccessToken(match[1] as string);
  if ('problem' in found) {
    throw GraphError.invalidToken(found.problem === 'expired' ? 'Lifetime validation failed, the token is expired.' : 'Access token validation failure. Invalid audience.');
  }
  return found.record;
}

export function requireObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw GraphError.badRequest('Empty Payload. JSON content expected.', 'ErrorInvalidRequest');
  }
  return body as Record<string, unknown>;
}
