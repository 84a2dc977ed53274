// /hubs/{hub}/*: the HTTP adapter over HubService, as a Fastify plugin. Each hub operation becomes a
// route with its schemas (so /docs documents every resource). Before any body is read (uploads reach
// 36 MB), an onRequest hook authenticates the caller and finds the instance of its Element token
// within the caller's organization (none — a deleted instance's token, say — is a 401, as in Cloud
// Elements); the handler then hands the request to HubService.execute. The plugin's own encapsulation
// keeps that hook and the multipart parser to the hub routes.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest } from '../../errors/index.ts';
import type { HubMethod, HubQuery, HubRequest, HubService } from '../../hubs/index.ts';
import type { InstanceRow } from '../../store/index.ts';
import type { Caller } from '../../tenants/index.ts';

export interface HubRoutesDeps {
  hubs: HubService;
  instances: { byToken(caller: Caller, token: string): Promise<InstanceRow> };
  auth: { hubCaller<T>(request: FastifyRequest, resolve: (caller: Caller, elementToken: string) => Promise<T>): Promise<T> };
}

/** Gmail takes messages up to 25 MB of attachments; base64 in JSON makes that about 34 MB. */
const UPLOAD_BODY_LIMIT = 36 * 1024 * 1024;

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
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: UPLOAD_BODY_LIMIT }, (_request, body, done) => done(null, body));

  for (const { hub, operation } of deps.hubs.operations()) {
    const prefix = `/hubs/${hub}`;
    const { responseStatus = 200, ...schemas } = operation.schema;
    app.route({
      method: operation.method,
      url: `${prefix}${operation.path}`,
      ...(operation.acceptsUploads ? { bodyLimit: UPLOAD_BODY_LIMIT } : {}),
      schema: {
        tags: [`hub: ${operation.tag}`],
        summary: operation.summary,
        ...(schemas.querystring ? { querystring: schemas.querystring } : {}),
        ...(schemas.body ? { body: schemas.body } : {}),
        ...(operation.acceptsUploads ? { consumes: ['application/json', 'multipart/form-data'] } : {}),
        response: { [responseStatus]: { ...schemas.response, headers: nextPageHeaders }, ...errorResponses },
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
