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
      additionalProperties: true,
      description: "The element summary Cloud Elements embeds in an instance (Gmail's id is 6409, as on Cloud Elements)",
      properties: {
        id: { type: 'integer', examples: [6409] },
        key: { type: 'string' },
        name: { type: 'string' },
        hub: { type: 'string' },
        description: { type: 'string' },
        active: { type: 'boolean' },
        deleted: { type: 'boolean' },
        typeOauth: { type: 'boolean' },
        trialAccount: { type: 'boolean' },
        authentication: { type: 'object', properties: { type: { type: 'string' } } },
        elementProvisionType: { type: 'string' },
      },
    },
    user: {
      type: 'object',
      description: 'The tenant user who created the instance; names are not kept (null)',
      properties: {
        id: { type: 'integer' },
        emailAddress: { type: ['string', 'null'] },
        firstName: { type: ['string', 'null'] },
        lastName: { type: ['string', 'null'] },
      },
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
    externalAuthentication: {
      type: 'string',
      description: '"initial": provision from configuration["oauth.user.refresh_token"] instead of providerData.code (POST and PUT); "none" (default): the code flow',
      examples: ['initial'],
    },
    configuration: {
      type: 'object',
      additionalProperties: true,
      properties: {
        'oauth.api.key': { type: 'string' },
        'oauth.api.secret': { type: 'string' },
        'oauth.callback.url': { type: 'string' },
        'oauth.user.refresh_token': { type: 'string', writeOnly: true, description: 'An existing refresh token, with externalAuthentication "initial"; never shown back' },
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

/** An instance configuration entry, as GET /instances/{id}/configuration lists them. */
export const configurationEntrySchema = {
  $id: 'ConfigurationEntry',
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'integer', description: "Stable: the key's position in the element's configuration list (other keys: derived from the key)" },
    key: { type: 'string', examples: ['event.notification.callback.url'] },
    name: { type: 'string' },
    description: { type: 'string' },
    type: { type: 'string' },
    required: { type: 'boolean' },
    hideFromConsole: { type: 'boolean' },
    displayOrder: { type: 'integer' },
    defaultValue: { type: ['string', 'null'] },
    propertyValue: { type: ['string', 'null'], description: 'Secret values are masked; null when unset' },
  },
} as const;

export const configurationEntryBodySchema = {
  $id: 'ConfigurationEntryBody',
  type: 'object',
  additionalProperties: true,
  description: 'The new value; validated like the same key in PATCH /instances/{id}',
  properties: { propertyValue: { description: 'A string (numbers and booleans are accepted too)', examples: ['https://mycoolapp.com/events'] } },
} as const;

/** GET /elements/{keyOrId}/metadata. */
export const elementMetadataSchema = {
  $id: 'ElementMetadata',
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'integer' },
    key: { type: 'string' },
    name: { type: 'string' },
    hub: { type: 'string' },
    events: {
      type: 'object',
      additionalProperties: true,
      properties: { supported: { type: 'boolean' }, methods: { type: 'array', items: { type: 'string' } } },
    },
  },
} as const;

export const sharedSchemas = [
  errorBodySchema,
  elementSchema,
  instanceSchema,
  instanceBodySchema,
  configurationEntrySchema,
  configurationEntryBodySchema,
  elementMetadataSchema,
];

export const errorResponses = {
  400: { $ref: 'ErrorBody#' },
  401: { $ref: 'ErrorBody#' },
  404: { $ref: 'ErrorBody#' },
} as const;
