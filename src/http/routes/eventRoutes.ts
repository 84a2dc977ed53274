// The events API (Cloud Elements paths): events of the organization or of one instance with their
// delivery status and attempts, redelivery, instances whose polling is disabled, and the per-instance
// Standard Webhooks secret.

import type { FastifyInstance } from 'fastify';
import type { EventFilter, EventService } from '../../events/eventService.ts';
import { HUB_HEADERS } from '../../hubs/index.ts';
import type { CallerAuthentication } from '../callerAuthentication.ts';
import { errorResponses } from '../schemas.ts';
import { instanceId } from './instanceIdParam.ts';

export interface EventRoutesDeps {
  events: EventService;
  auth: CallerAuthentication;
}

const listQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['NEW', 'RETRYING', 'DELIVERED', 'FAILED'] },
    eventType: { type: 'string', enum: ['CREATED', 'UPDATED', 'DELETED'] },
    objectType: { type: 'string' },
    from: { type: 'string', description: 'ISO-8601 or epoch ms; events created at or after' },
    to: { type: 'string', description: 'ISO-8601 or epoch ms; events created before' },
    pageSize: { type: 'string', description: '1..500, default 50' },
    nextPage: { type: 'string', description: 'from the Elements-Next-Page-Token header of the previous page' },
  },
} as const;

type ListQuery = Omit<EventFilter, 'instanceId'>;

/** Only the documented filters reach the service; the instance comes from the path, never the query. */
function listFilter(query: ListQuery): ListQuery {
  const { status, eventType, objectType, from, to, pageSize, nextPage } = query;
  return { status, eventType, objectType, from, to, pageSize, nextPage };
}

export function eventRoutes(app: FastifyInstance, deps: EventRoutesDeps): void {
  const tags = ['events'];

  app.get<{ Querystring: ListQuery }>('/instances/events', { schema: { tags, summary: "The organization's events, newest first", querystring: listQuery } }, async (request, reply) => {
    const page = await deps.events.list(await deps.auth.caller(request), listFilter(request.query));
    if (page.nextPage) reply.header(HUB_HEADERS.nextPageToken, page.nextPage);
    return page.events;
  });

  app.get<{ Params: { id: string }; Querystring: ListQuery }>(
    '/instances/:id/events',
    { schema: { tags, summary: "An instance's events, newest first", querystring: listQuery } },
    async (request, reply) => {
      const page = await deps.events.list(await deps.auth.caller(request), { ...listFilter(request.query), instanceId: instanceId(request.params.id) });
      if (page.nextPage) reply.header(HUB_HEADERS.nextPageToken, page.nextPage);
      return page.events;
    },
  );

  app.get<{ Params: { eventId: string } }>('/instances/events/:eventId', { schema: { tags, summary: 'One event with its record, notification and delivery attempts', response: errorResponses } }, async (request) =>
    deps.events.get(await deps.auth.caller(request), request.params.eventId),
  );

  app.get<{ Params: { id: string; eventId: string } }>('/instances/:id/events/:eventId', { schema: { tags, summary: "One of an instance's events", response: errorResponses } }, async (request) =>
    deps.events.get(await deps.auth.caller(request), request.params.eventId, instanceId(request.params.id)),
  );

  app.post<{ Params: { id: string; eventId: string } }>(
    '/instances/:id/events/:eventId/redeliver',
    { schema: { tags, summary: "Send an event's notification again now" } },
    async (request) => deps.events.redeliver(await deps.auth.caller(request), instanceId(request.params.id), request.params.eventId),
  );

  app.post<{ Params: { id: string } }>(
    '/instances/:id/events/redeliver-failed',
    { schema: { tags, summary: 'Send every failed notification of an instance again' } },
    async (request) => deps.events.redeliverFailed(await deps.auth.caller(request), instanceId(request.params.id)),
  );

  app.get('/instances/polling-disabled', { schema: { tags, summary: 'Instances whose polling was disabled after repeated failures' } }, async (request) =>
    deps.events.pollingDisabled(await deps.auth.caller(request)),
  );

  app.get<{ Params: { id: string } }>('/instances/:id/webhook-secret', { schema: { tags, summary: "The instance's Standard Webhooks secret (whsec_…)" } }, async (request) =>
    deps.events.webhookSecret(await deps.auth.caller(request), instanceId(request.params.id)),
  );

  app.post<{ Params: { id: string } }>('/instances/:id/webhook-secret/rotate', { schema: { tags, summary: 'Replace the Standard Webhooks secret' } }, async (request) =>
    deps.events.rotateWebhookSecret(await deps.auth.caller(request), instanceId(request.params.id)),
  );
}
