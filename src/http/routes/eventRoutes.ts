// The events API (Cloud Elements paths): events of the organization or of one instance with their
// delivery status and attempts, redelivery, instances whose polling is disabled, and the per-instance
// Standard Webhooks secret. A Fastify plugin; its response schemas (Event, EventDetail,
// DeliveryAttempt, WebhookSecret) are added in its own scope and named so in the OpenAPI document.

import type { FastifyPluginAsync } from 'fastify';
import { CE_EVENT_STATUSES, EVENT_STATUSES, EVENT_TYPES, STATUS_FILTER_VALUES, type EventFilter, type EventService } from '../../events/index.ts';
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
    status: {
      type: 'string',
      enum: STATUS_FILTER_VALUES,
      description: "A delivery state (NEW, RETRYING, DELIVERED, FAILED) or a Cloud Elements state (DISPATCHED, NOTIFIED; RECEIVED and CONSUMED match no event). NEW is the delivery state.",
    },
    deliveryStatus: { type: 'string', enum: EVENT_STATUSES },
    eventType: { type: 'string', enum: EVENT_TYPES },
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
  const { status, deliveryStatus, eventType, objectType, from, to, pageSize, nextPage } = query;
  return { status, deliveryStatus, eventType, objectType, from, to, pageSize, nextPage };
}

const nullableString = { type: ['string', 'null'] } as const;

/** An event item: Cloud Elements' fields first (id, eventDate, status, providerData), then ours. */
const eventItemProperties = {
  id: { type: 'string', description: 'Deterministic event id, also in the notification' },
  eventDate: { type: 'string', description: "When the event was recorded, as Cloud Elements writes dates: yyyy-MM-dd'T'HH:mm:ss'Z'" },
  status: {
    type: 'string',
    enum: CE_EVENT_STATUSES,
    description: 'Cloud Elements state: NOTIFIED once the callback answered 2xx, DISPATCHED before that and after the retries ran out',
  },
  providerData: { type: 'string', description: "The provider's record for the event, as JSON text (the same record as `record` and the notification's raw)" },
  instanceId: { type: 'integer' },
  objectType: { type: 'string' },
  objectId: { type: 'string' },
  eventType: { type: 'string', enum: EVENT_TYPES },
  sequence: { type: 'integer', description: 'Per instance, 1, 2, 3… in commit order' },
  date: { type: 'string', format: 'date-time', description: "When the change happened where the provider says (a CREATED message's internalDate, a window record's date), else the poll date" },
  pollDate: { type: 'string', format: 'date-time' },
  createdDate: { type: 'string', format: 'date-time', description: 'When the event was recorded (the list is ordered and filtered by it)' },
  deliveryStatus: { type: 'string', enum: EVENT_STATUSES, description: "Delivery state of the event's notification" },
  notificationId: { type: 'string' },
  attemptCount: { type: 'integer' },
  lastStatusCode: { type: ['integer', 'null'] },
  lastError: nullableString,
  nextAttemptDate: nullableString,
  deliveredDate: nullableString,
} as const;

/** Every event item carries all of its fields. */
const eventItemRequired = Object.keys(eventItemProperties);

const eventItemSchema = { $id: 'Event', type: 'object', additionalProperties: true, properties: eventItemProperties, required: eventItemRequired } as const;

const deliveryAttemptSchema = {
  $id: 'DeliveryAttempt',
  type: 'object',
  additionalProperties: true,
  properties: {
    attemptedDate: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer' },
    statusCode: { type: ['integer', 'null'] },
    outcome: { type: 'string' },
    responseExcerpt: nullableString,
    error: nullableString,
  },
  required: ['attemptedDate', 'durationMs', 'statusCode', 'outcome', 'responseExcerpt', 'error'],
} as const;

const eventDetailSchema = {
  $id: 'EventDetail',
  type: 'object',
  additionalProperties: true,
  properties: {
    ...eventItemProperties,
    record: { description: "The provider's record" },
    notification: { description: 'The notification body, exactly as signed and sent' },
    notifiedData: { type: 'array', items: {}, description: 'Cloud Elements: what was notified — the notification body once the callback took it, else empty' },
    attempts: { type: 'array', items: { $ref: 'DeliveryAttempt#' } },
  },
  required: [...eventItemRequired, 'record', 'notification', 'notifiedData', 'attempts'],
} as const;

const webhookSecretSchema = {
  $id: 'WebhookSecret',
  type: 'object',
  additionalProperties: true,
  properties: { secret: { type: 'string', description: 'whsec_…: the key of the webhook-signature header (Standard Webhooks)', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] } },
  required: ['secret'],
} as const;

export const eventSchemas = [eventItemSchema, deliveryAttemptSchema, eventDetailSchema, webhookSecretSchema];

const listResponses = {
  200: {
    type: 'array',
    items: { $ref: 'Event#' },
    headers: { [HUB_HEADERS.nextPageToken]: { type: 'string', description: 'Pass as nextPage for the next page' } },
  },
  ...errorResponses,
};
const detailResponses = { 200: { $ref: 'EventDetail#' }, ...errorResponses };
const secretResponses = { 200: { $ref: 'WebhookSecret#' }, ...errorResponses };

export const eventRoutes: FastifyPluginAsync<EventRoutesDeps> = async (app, deps) => {
  const tags = ['events'];
  for (const schema of eventSchemas) app.addSchema(schema);

  app.get<{ Querystring: ListQuery }>('/instances/events', { schema: { tags, summary: "The organization's events, newest first", querystring: listQuery, response: listResponses } }, async (request, reply) => {
    const page = await deps.events.list(await deps.auth.caller(request), listFilter(request.query));
    if (page.nextPage) reply.header(HUB_HEADERS.nextPageToken, page.nextPage);
    return page.events;
  });

  app.get<{ Params: { id: string }; Querystring: ListQuery }>(
    '/instances/:id/events',
    { schema: { tags, summary: "An instance's events, newest first", querystring: listQuery, response: listResponses } },
    async (request, reply) => {
      const page = await deps.events.list(await deps.auth.caller(request), { ...listFilter(request.query), instanceId: instanceId(request.params.id) });
      if (page.nextPage) reply.header(HUB_HEADERS.nextPageToken, page.nextPage);
      return page.events;
    },
  );

  app.get<{ Params: { eventId: string } }>('/instances/events/:eventId', { schema: { tags, summary: 'One event with its record, notification and delivery attempts', response: detailResponses } }, async (request) =>
    deps.events.get(await deps.auth.caller(request), request.params.eventId),
  );

  app.get<{ Params: { id: string; eventId: string } }>('/instances/:id/events/:eventId', { schema: { tags, summary: "One of an instance's events", response: detailResponses } }, async (request) =>
    deps.events.get(await deps.auth.caller(request), request.params.eventId, instanceId(request.params.id)),
  );

  app.post<{ Params: { id: string; eventId: string } }>(
    '/instances/:id/events/:eventId/redeliver',
    {
      schema: {
        tags,
        summary: "Send an event's notification again now",
        response: {
          200: { type: 'object', additionalProperties: true, properties: { notificationId: { type: 'string' } }, required: ['notificationId'] },
          ...errorResponses,
        },
      },
    },
    async (request) => deps.events.redeliver(await deps.auth.caller(request), instanceId(request.params.id), request.params.eventId),
  );

  app.post<{ Params: { id: string } }>(
    '/instances/:id/events/redeliver-failed',
    {
      schema: {
        tags,
        summary: 'Send every failed notification of an instance again',
        response: {
          200: {
            type: 'object',
            additionalProperties: true,
            properties: { notifications: { type: 'integer', description: 'How many notifications were queued again' } },
            required: ['notifications'],
          },
          ...errorResponses,
        },
      },
    },
    async (request) => deps.events.redeliverFailed(await deps.auth.caller(request), instanceId(request.params.id)),
  );

  app.get(
    '/instances/polling-disabled',
    {
      schema: {
        tags,
        summary: 'Instances whose polling was disabled after repeated failures',
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: true,
              properties: { id: { type: 'integer' }, name: { type: 'string' }, reason: { type: ['string', 'null'] } },
              required: ['id', 'name', 'reason'],
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => deps.events.pollingDisabled(await deps.auth.caller(request)),
  );

  app.get<{ Params: { id: string } }>('/instances/:id/webhook-secret', { schema: { tags, summary: "The instance's Standard Webhooks secret (whsec_…)", response: secretResponses } }, async (request) =>
    deps.events.webhookSecret(await deps.auth.caller(request), instanceId(request.params.id)),
  );

  app.post<{ Params: { id: string } }>('/instances/:id/webhook-secret/rotate', { schema: { tags, summary: 'Replace the Standard Webhooks secret', response: secretResponses } }, async (request) =>
    deps.events.rotateWebhookSecret(await deps.auth.caller(request), instanceId(request.params.id)),
  );
};
