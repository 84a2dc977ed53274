// /instances: authenticate (create, also as POST /elements/{keyOrId}/instances), list with tags[] (or of
// one element: GET /elements/{keyOrId}/instances), read,
// replace, patch and delete instances; enable and disable the instance of an Element token
// (PUT|DELETE /instances/enabled). Configuration entries are instanceConfigurationRoutes'.

import type { FastifyPluginAsync } from 'fastify';
import type { EventService } from '../../events/index.ts';
import type { InstanceBody, InstanceService } from '../../instances/index.ts';
import type { CallerAuthentication } from '../callerAuthentication.ts';
import { errorResponses } from '../schemas.ts';
import { elementTokenInstance } from './elementTokenInstance.ts';
import { instanceId } from './instanceIdParam.ts';

export interface InstanceRoutesDeps {
  instances: InstanceService;
  events: EventService;
  auth: CallerAuthentication;
}

const idParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;

function tagFilter(query: Record<string, string | string[] | undefined>): string[] {
  const raw = query['tags[]'] ?? query.tags;
  if (raw === undefined) return [];
  return Array.isArray(raw) ? raw : [raw];
}

export const instanceRoutes: FastifyPluginAsync<InstanceRoutesDeps> = async (app, deps) => {
  const tags = ['instances'];
  const one = { 200: { $ref: 'Instance#' }, ...errorResponses };

  app.post<{ Body: InstanceBody }>(
    '/instances',
    { schema: { tags, summary: 'Authenticate an element instance (exchanges providerData.code)', body: { $ref: 'InstanceBody#' }, response: one } },
    async (request) => deps.instances.create(await deps.auth.caller(request), request.body),
  );

  app.post<{ Params: { keyOrId: string }; Body: InstanceBody }>(
    '/elements/:keyOrId/instances',
    {
      schema: {
        tags,
        summary: 'Authenticate an instance of this element: POST /instances with the element taken from the path',
        params: { type: 'object', properties: { keyOrId: { type: 'string' } }, required: ['keyOrId'] },
        body: { $ref: 'InstanceBody#' },
        response: one,
      },
    },
    async (request) => deps.instances.createForElement(await deps.auth.caller(request), request.params.keyOrId, request.body),
  );

  app.get<{ Params: { keyOrId: string } }>(
    '/elements/:keyOrId/instances',
    {
      schema: {
        tags,
        summary: "The caller's instances of this element",
        params: { type: 'object', properties: { keyOrId: { type: 'string' } }, required: ['keyOrId'] },
        response: { 200: { type: 'array', items: { $ref: 'Instance#' } }, ...errorResponses },
      },
    },
    async (request) => deps.instances.listForElement(await deps.auth.caller(request), request.params.keyOrId),
  );

  // Cloud Elements' "Disabling and Enabling Element Instances": DELETE disables, PUT enables the
  // instance whose token the Authorization header carries (User …, Organization …, Element …).
  for (const [method, enabled] of [['PUT', true], ['DELETE', false]] as const) {
    app.route({
      method,
      url: '/instances/enabled',
      schema: {
        tags,
        summary: enabled ? 'Enable the instance of the Element token (polling resumes)' : 'Disable the instance of the Element token (polling pauses)',
        response: one,
      },
      handler: async (request) => {
        const { caller, row } = await elementTokenInstance(deps, request);
        return deps.instances.setEnabled(caller, row.id, enabled);
      },
    });
  }

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(
    '/instances',
    {
      schema: {
        tags,
        summary: 'List instances, optionally those carrying any of tags[]',
        querystring: { type: 'object', properties: { 'tags[]': { description: 'Repeat to match any of several tags', anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } } },
        response: { 200: { type: 'array', items: { $ref: 'Instance#' } }, ...errorResponses },
      },
    },
    async (request) => deps.instances.list(await deps.auth.caller(request), { tags: tagFilter(request.query) }),
  );

  app.get<{ Params: { id: string } }>(
    '/instances/:id',
    { schema: { tags, summary: 'Get an instance, with the health of its polling', params: idParams, response: one } },
    async (request) => {
      const caller = await deps.auth.caller(request);
      const row = await deps.instances.row(caller, instanceId(request.params.id));
      return { ...(await deps.instances.view(row)), eventsPolling: await deps.events.pollingHealth(row.id, row) };
    },
  );

  app.put<{ Params: { id: string }; Body: InstanceBody }>(
    '/instances/:id',
    { schema: { tags, summary: 'Replace an instance (re-authenticates with providerData.code)', params: idParams, body: { $ref: 'InstanceBody#' }, response: one } },
    async (request) => deps.instances.replace(await deps.auth.caller(request), instanceId(request.params.id), request.body),
  );

  app.patch<{ Params: { id: string }; Body: InstanceBody }>(
    '/instances/:id',
    { schema: { tags, summary: 'Change name, tags, disabled or configuration keys', params: idParams, body: { $ref: 'InstanceBody#' }, response: one } },
    async (request) => deps.instances.patch(await deps.auth.caller(request), instanceId(request.params.id), request.body),
  );

  app.delete<{ Params: { id: string } }>(
    '/instances/:id',
    { schema: { tags, summary: 'Delete an instance and revoke its grant', params: idParams, response: { 200: { $ref: 'Empty#' }, ...errorResponses } } },
    async (request, reply) => {
      await deps.instances.delete(await deps.auth.caller(request), instanceId(request.params.id));
      return reply.status(200).send({});
    },
  );
};
