// The pipeline every Gmail API call goes through, in Google's order: bearer token (401), user id
// (403 delegation), concurrency slot (429), injected faults, scope (403), quota units (429), then the
// method itself. Route modules declare a method (id, cost, URL, handler) and get all of this for free.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorState } from '../emulatorState.ts';
import { carryOutFault } from '../faultResponder.ts';
import { GoogleApiError } from '../googleErrors.ts';
import type { AccessTokenRecord } from '../oauth/grantStore.ts';
import { METHOD_SCOPES } from '../oauth/scopes.ts';
import type { Mailbox } from './mailboxStore.ts';
import { QueryParams } from './queryParams.ts';

export interface GmailCall {
  request: FastifyRequest;
  reply: FastifyReply;
  mailbox: Mailbox;
  token: AccessTokenRecord;
  query: QueryParams;
  params: Record<string, string>;
  /** Parsed JSON, form fields, or a Buffer for other content types; undefined when empty. */
  body: unknown;
  /** True when the call came through an `/upload/...` URL. */
  upload: boolean;
  state: EmulatorState;
}

export interface GmailMethodSpec {
  /** Gmail method id as in the discovery document, e.g. `gmail.users.messages.list`. */
  id: string;
  httpMethod: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under the API root with Fastify params, e.g. `/gmail/v1/users/:userId/messages/:id`. */
  path: string;
  /** Also served under `/upload` + path (media uploads). */
  upload?: boolean;
  /** Quota units, from Google's published table. */
  cost: number;
  /** Returns the JSON to send; undefined means 204 No Content. */
  handle(call: GmailCall): unknown;
}

interface CallerContext {
  token: AccessTokenRecord;
  release: () => void;
}

export function registerGmailMethod(app: FastifyInstance, state: EmulatorState, spec: GmailMethodSpec): void {
  const scopes = METHOD_SCOPES[spec.id];
  if (scopes === undefined) throw new Error(`no scopes declared for ${spec.id}`);
  const callers = new WeakMap<FastifyRequest, CallerContext>();
  const shortName = rpcName(spec.id);

  const onRequest = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const token = authenticate(state, request);
    const userId = (request.params as { userId?: string }).userId ?? 'me';
    if (userId !== 'me' && userId.toLowerCase() !== token.email) throw GoogleApiError.forbidden(`Delegation denied for ${userId}`);
    if (!state.quota.tryEnter(token.email)) throw GoogleApiError.tooManyConcurrentRequests();
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      state.quota.leave(token.email);
    };
    reply.raw.once('close', release);
    callers.set(request, { token, release });
    const fault = state.faults.take(request.method, request.url, spec.id);
    if (fault !== undefined && (await carryOutFault(fault, request, reply, 'gmail', state)) === 'handled') return reply;
    return undefined;
  };

  const onResponse = async (request: FastifyRequest): Promise<void> => {
    callers.get(request)?.release();
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const caller = callers.get(request);
    if (caller === undefined) throw GoogleApiError.unauthenticated(true);
    const { token } = caller;
    // Tokens can expire or be revoked while a call waits (injected latency): check again, as Google
    // checks at the moment it serves the call.
    if (state.grants.authenticate(token.token) === undefined) throw GoogleApiError.unauthenticated(false);
    if (!scopes.some((s) => token.scopes.has(s))) throw GoogleApiError.insufficientScopes(shortName, scopes);
    const charge = state.quota.charge(token.email, spec.id, spec.cost);
    if (!charge.ok) throw GoogleApiError.userRateLimitExceeded(charge.retryAfterMs, Date.now());
    const mailbox = state.mailboxes.getOrCreate(token.email);
    const result = await spec.handle({
      request,
      reply,
      mailbox,
      token,
      query: new QueryParams(request.query as Record<string, string | string[] | undefined>),
      params: request.params as Record<string, string>,
      body: request.body,
      upload: request.url.startsWith('/upload/'),
      state,
    });
    if (result === undefined) return reply.code(204).send();
    return reply.type('application/json; charset=UTF-8').send(JSON.stringify(result));
  };

  const paths = spec.upload === true ? [spec.path, `/upload${spec.path}`] : [spec.path];
  for (const url of paths) app.route({ method: spec.httpMethod, url, onRequest, onResponse, handler });
}

/**
 * The RPC name Google reports in ErrorInfo metadata: `gmail.users.messages.list` → `ListMessages`,
 * `gmail.users.messages.get` → `GetMessage`, `gmail.users.getProfile` → `GetProfile`.
 */
export function rpcName(methodId: string): string {
  const parts = methodId.split('.');
  const verb = parts[parts.length - 1] as string;
  const capitalized = verb.charAt(0).toUpperCase() + verb.slice(1);
  if (parts.length === 3) return capitalized;
  const collection = parts[parts.length - 2] as string;
  const plural = collection.charAt(0).toUpperCase() + collection.slice(1);
  const singular = plural.endsWith('s') ? plural.slice(0, -1) : plural;
  return verb === 'list' || verb.startsWith('batch') ? `${capitalized}${plural}` : `${capitalized}${singular}`;
}

function authenticate(state: EmulatorState, request: FastifyRequest): AccessTokenRecord {
  const header = request.headers.authorization;
  let token: string | undefined;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    token = match?.[1];
    if (token === undefined) throw GoogleApiError.unauthenticated(false);
  } else {
    // Google also takes the token as a query parameter (deprecated, still honoured).
    const fromQuery = (request.query as Record<string, unknown>).access_token;
    if (typeof fromQuery === 'string' && fromQuery !== '') token = fromQuery;
  }
  if (token === undefined) throw GoogleApiError.unauthenticated(true);
  const record = state.grants.authenticate(token);
  if (record === undefined) throw GoogleApiError.unauthenticated(false);
  return record;
}

/** Reads a JSON object body; Google answers 400 for anything else where an object is expected. */
export function jsonObjectBody(call: GmailCall): Record<string, unknown> {
  let body = call.body;
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) return {};
    try {
      body = JSON.parse(body.toString('utf8')) as unknown;
    } catch (error) {
      throw GoogleApiError.invalidJson(error instanceof Error ? error.message : 'Unexpected token.');
    }
  }
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw GoogleApiError.invalidJson('Expected an object.');
  return body as Record<string, unknown>;
}

/** A field that must be a list of strings when present. */
export function stringList(body: Record<string, unknown>, field: string): string[] {
  const value = body[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw GoogleApiError.invalidJson(`Invalid value at '${field}' (TYPE_STRING), expected a list of strings`);
  }
  return value as string[];
}

/** Gmail ids are hex; anything else is refused before lookup, as Gmail does ("Invalid id value"). */
export function checkId(id: string | undefined): string {
  if (id === undefined || !/^[0-9a-fA-F]{1,24}$/.test(id)) throw GoogleApiError.invalidArgument('Invalid id value');
  return id.toLowerCase();
}
