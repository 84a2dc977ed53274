// JSON schemas of the platform API, used for request shape checks and for the OpenAPI document at
// /docs. Field-level rules (with messages naming the field) live in the services; these schemas only
// describe shapes, and response schemas allow additional properties so nothing is silently dropped.

export const errorBodySchema = {
  $id: 'ErrorBody',
  type: 'object',
  properties: { requestId: { type: 'string' }, message: { type: 'string' } },
  required: ['requestId', 'message'],
} as const;

export const elementSchema = {
  $id: 'Element',
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'integer' },
    key: { type: 'string', examples: ['gmail'] },
    name: { type: 'string' },
    description: { type: 'string' },
    hub: { type: 'string', examples: ['general'] },
    authentication: { type: 'object', additionalProperties: true },
    resources: { type: 'array', items: { type: 'object', additionalProperties: true } },
    defaultPollerConfiguration: { type: 'object', additionalProperties: true },
  },
} as const;

export const instanceSchema = {
  $id: 'Instance',
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    token: { type: 'string', description: 'Send as "Element <token>" on hub calls' },
    element: {
      type: 'object',
      properties: { id: { type: 'integer' }, key: { type: 'string' }, name: { type: 'string' }, hub: { type: 'string' } },
    },
    tags: { type: 'array', items: { type: 'string' } },
    createdDate: { type: 'string', format: 'date-time' },
    valid: { type: 'boolean' },
    invalidReason: { type: 'string' },
    disabled: { type: 'boolean' },
    eventsEnabled: { type: 'boolean' },
    eventsNotificationCallbackUrl: { type: ['string', 'null'] },
    configuration: { type: 'object', additionalProperties: { type: 'string' }, description: 'Secret values are masked' },
  },
} as const;

export const instanceBodySchema = {
  $id: 'InstanceBody',
  type: 'object',
  additionalProperties: true,
  description: 'The body of the Cloud Elements product page; configuration keys are validated one by one.',
  properties: {
    element: { type: 'object', properties: { key: { type: 'string', examples: ['gmail'] }, id: { type: 'integer' } } },
    providerData: { type: 'object', properties: { code: { type: 'string', description: 'Authorization grant code from the OAuth redirect' } } },
    configuration: {
      type: 'object',
      additionalProperties: true,
      properties: {
        'oauth.api.key': { type: 'string' },
        'oauth.api.secret': { type: 'string' },
        'oauth.callback.url': { type: 'string' },
        'event.notification.enabled': { type: ['boolean', 'string'] },
        'event.notification.callback.url': { type: 'string' },
        'event.notification.signature.key': { type: 'string' },
        'event.poller.refresh_interval': { type: ['number', 'string'] },
        'event.poller.configuration': { type: ['object', 'string'] },
      },
    },
    tags: { type: 'array', items: { type: 'string' } },
    name: { type: 'string' },
    disabled: { type: 'boolean' },
  },
} as const;

export const sharedSchemas = [errorBodySchema, elementSchema, instanceSchema, instanceBodySchema];

export const errorResponses = {
  400: { $ref: 'ErrorBody#' },
  401: { $ref: 'ErrorBody#' },
  404: { $ref: 'ErrorBody#' },
} as const;
