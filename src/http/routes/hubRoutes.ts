// /hubs/{hub}/*: the HTTP adapter over HubService, as a Fastify plugin. Each hub operation becomes a
// route with its schemas (so /docs documents every resource) and the body limit its operation declares
// (`maxBodyBytes`: uploads of tens of MB). Before any body is read, an onRequest hook authenticates the
// caller and finds the instance of its Element token within the caller's organization (none — a deleted
// instance's token, say — is a 401, as in Cloud Elements); the handler then hands the request to
// HubService.execute. The plugin's own encapsulation keeps that hook and the multipart parser to the hub
// routes.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest } from '../../errors/index.ts';
import type { HubMethod, HubOperation, HubQuery, HubRequest, HubService, JsonSchema } from '../../hubs/index.ts';
import type { InstanceRow } from '../../store/index.ts';
import type { Caller } from '../../tenants/index.ts';

export interface HubRoutesDeps {
  hubs: HubService;
  instances: { byToken(caller: Caller, token: string): Promise<InstanceRow> };
  auth: { hubCaller<T>(request: FastifyRequest, resolve: (caller: Caller, elementToken: string) => Promise<T>): Promise<T> };
}

const errorResponses = {
  400: { $ref: 'ErrorBody#' },
  401: { $ref: 'ErrorBody#' },
  404: { $ref: 'ErrorBody#' },
  410: { $ref: 'ErrorBody#' },
  429: { $ref: 'ErrorBody#' },
  502: { $ref: 'ErrorBody#' },
  504: { $ref: 'ErrorBody#' },
} as const;

const nextPageHeaders = {
  'Elements-Next-Page-Token': { type: 'string', description: 'Pass as nextPage for the next page' },
  'Elements-Next-Cursor': { type: 'string', description: 'Pass as cursor on the next call (changed-messages)' },
  'Elements-Has-More': { type: 'string', description: '"true" while more changes wait behind the next cursor' },
} as const;

export const hubRoutes: FastifyPluginAsync<HubRoutesDeps> = async (app, deps) => {
  const instances = new WeakMap<FastifyRequest, InstanceRow>();
  app.addHook('onRequest', async (request) => {
    instances.set(request, await deps.auth.hubCaller(request, (caller, token) => deps.instances.byToken(caller, token)));
  });
  const operations = deps.hubs.operations();
  // A route's own limit (its operation's maxBodyBytes) takes precedence over the parser's, which is the
  // largest any operation declares (as before the limit moved into the operations, a multipart body
  // sent to another route is read up to it, then refused by the operation).
  const multipartLimit = Math.max(0, ...operations.flatMap((route) => route.operations.map((operation) => operation.maxBodyBytes ?? 0)));
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', ...(multipartLimit > 0 ? { bodyLimit: multipartLimit } : {}) }, (_request, body, done) => done(null, body));

  for (const { hub, operations: shared } of operations) {
    const prefix = `/hubs/${hub}`;
    const operation = shared[0]!;
    const schemas = operation.schema;
    const maxBodyBytes = shared.some((o) => o.maxBodyBytes !== undefined) ? Math.max(...shared.map((o) => o.maxBodyBytes ?? 0)) : undefined;
    app.route({
      method: operation.method,
      url: `${prefix}${operation.path}`,
      ...(maxBodyBytes !== undefined ? { bodyLimit: maxBodyBytes } : {}),
      schema: {
        tags: [`hub: ${operation.tag}`],
        summary: shared.map((o) => o.summary).join(' | '),
        // Request schemas only document (see validatorCompiler); the first element's stand for the route.
        ...(schemas.querystring ? { querystring: schemas.querystring } : {}),
        ...(schemas.body ? { body: schemas.body } : {}),
        ...(maxBodyBytes !== undefined ? { consumes: ['application/json', 'multipart/form-data'] } : {}),
        response: { ...successResponses(shared), ...errorResponses },
      },
      // The schemas document; HubService checks every field itself so that in-process callers (the
      // poller) get the same 400s, naming the field, as HTTP callers.
      validatorCompiler: () => () => true,
      handler: async (request, reply) => {
        const instance = instances.get(request);
        if (!instance) throw new Error('hub request reached its handler unauthenticated');
        // `/messages/` reaches the `/messages/:id` route with an empty id; the hub must not answer it as the list.
        for (const [name, value] of Object.entries((request.params ?? {}) as Record<string, string>)) {
          if (value === '') throw new BadRequest(`${name} must not be empty`);
        }
        const response = await deps.hubs.execute(instance, hubRequest(request, prefix));
        // The status comes from the operation, not from the schema's literal keys.
        return (reply as unknown as FastifyReply).status(response.status).headers(response.headers).send(response.body);
      },
    });
  }
};

/**
 * The 2xx answers of a route, per status: an element's own shape, or any of the shapes of the elements
 * sharing the route (Gmail's and Outlook's messages differ), so each element's answer is serialized by
 * its own schema.
 */
function successResponses(shared: readonly HubOperation[]): Record<number, Record<string, unknown>> {
  const byStatus = new Map<number, JsonSchema[]>();
  for (const { schema } of shared) {
    const status = schema.responseStatus ?? 200;
    const list = byStatus.get(status) ?? [];
    if (!list.includes(schema.response)) list.push(schema.response);
    byStatus.set(status, list);
  }
  const responses: Record<number, Record<string, unknown>> = {};
  for (const [status, schemas] of byStatus) {
    responses[status] = schemas.length === 1 ? { ...schemas[0], headers: nextPageHeaders } : { anyOf: schemas, headers: nextPageHeaders };
  }
  return responses;
}

function hubRequest(request: FastifyRequest, prefix: string): HubRequest {
  const url = request.url.split('?')[0] ?? '';
  const at = url.indexOf(`${prefix}/`);
  const path = at === -1 ? '/' : url.slice(at + prefix.length);
  const contentType = request.headers['content-type'];
  const body: unknown = request.body;
  return {
    method: request.method as HubMethod,
    path,
    query: (request.query ?? {}) as HubQuery,
    ...(Buffer.isBuffer(body) ? { rawBody: body } : body !== undefined ? { body } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
  };
}
