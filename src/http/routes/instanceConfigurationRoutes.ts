// An instance's configuration entries, Cloud Elements style: GET /instances/{id}/configuration,
// GET|PATCH /instances/{id}/configuration/{configId} (body {"propertyValue": …}), and the same under
// /instances/configuration for the instance of the Element token in the Authorization header. Entries
// and their ids are described in src/instances/configurationEntries.ts; a PATCH is PATCH /instances/{id}
// with that one configuration key.

import type { FastifyPluginAsync } from 'fastify';
import { parseConfigurationEntryId } from '../../instances/index.ts';
import { errorResponses } from '../schemas.ts';
import { instanceId } from './instanceIdParam.ts';
import { elementTokenInstance } from './elementTokenInstance.ts';
import type { InstanceRoutesDeps } from './instanceRoutes.ts';

const idParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;
const configIdParams = { type: 'object', properties: { configId: { type: 'string' } }, required: ['configId'] } as const;
const idAndConfigIdParams = {
  type: 'object',
  properties: { id: { type: 'string' }, configId: { type: 'string' } },
  required: ['id', 'configId'],
} as const;

export const instanceConfigurationRoutes: FastifyPluginAsync<InstanceRoutesDeps> = async (app, deps) => {
  const tags = ['instances'];
  const list = { 200: { type: 'array', items: { $ref: 'ConfigurationEntry#' } }, ...errorResponses };
  const one = { 200: { $ref: 'ConfigurationEntry#' }, ...errorResponses };
  const body = { $ref: 'ConfigurationEntryBody#' };

  app.get<{ Params: { id: string } }>(
    '/instances/:id/configuration',
    { schema: { tags, summary: "An instance's configuration entries (secrets masked)", params: idParams, response: list } },
    async (request) => deps.instances.configurationEntries(await deps.auth.caller(request), instanceId(request.params.id)),
  );

  app.get<{ Params: { id: string; configId: string } }>(
    '/instances/:id/configuration/:configId',
    { schema: { tags, summary: 'One configuration entry of an instance', params: idAndConfigIdParams, response: one } },
    async (request) => {
      const caller = await deps.auth.caller(request);
      return deps.instances.configurationEntry(caller, instanceId(request.params.id), parseConfigurationEntryId(request.params.configId));
    },
  );

  app.patch<{ Params: { id: string; configId: string }; Body: unknown }>(
    '/instances/:id/configuration/:configId',
    {
      schema: {
        tags,
        summary: 'Change one configuration entry: same rules and effects as PATCH /instances/{id} with that key',
        params: idAndConfigIdParams,
        body,
        response: one,
      },
    },
    async (request) => {
      const caller = await deps.auth.caller(request);
      return deps.instances.patchConfigurationEntry(caller, instanceId(request.params.id), parseConfigurationEntryId(request.params.configId), request.body);
    },
  );

  app.get(
    '/instances/configuration',
    { schema: { tags, summary: 'Configuration entries of the instance of the Element token', response: list } },
    async (request) => {
      const { caller, row } = await elementTokenInstance(deps, request);
      return deps.instances.configurationEntries(caller, row.id);
    },
  );

  app.get<{ Params: { configId: string } }>(
    '/instances/configuration/:configId',
    { schema: { tags, summary: 'One configuration entry of the instance of the Element token', params: configIdParams, response: one } },
    async (request) => {
      const { caller, row } = await elementTokenInstance(deps, request);
      return deps.instances.configurationEntry(caller, row.id, parseConfigurationEntryId(request.params.configId));
    },
  );

  app.patch<{ Params: { configId: string }; Body: unknown }>(
    '/instances/configuration/:configId',
    { schema: { tags, summary: 'Change one configuration entry of the instance of the Element token', params: configIdParams, body, response: one } },
    async (request) => {
      const { caller, row } = await elementTokenInstance(deps, request);
      return deps.instances.patchConfigurationEntry(caller, row.id, parseConfigurationEntryId(request.params.configId), request.body);
    },
  );
};
