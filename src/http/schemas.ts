// JSON schemas of the platform API shared by several routes (each a component of the OpenAPI document
// at /docs, named by its $id), used for request shape checks, for serializing responses and for the
// console's generated types. Field-level rules (with messages naming the field) live in the services;
// these schemas only describe shapes. Fastify's serializer drops what a response schema does not name,
// so response objects allow additional properties (nothing is silently dropped), and `required` lists
// only fields every response carries (the serializer refuses a response that lacks one).

export const errorBodySchema = {
  $id: 'ErrorBody',
  type: 'object',
  properties: { requestId: { type: 'string' }, message: { type: 'string' } },
  required: ['requestId', 'message'],
} as const;

/** A configuration key an element's instances take (GET /elements/{keyOrId}/configuration). */
export const configurationFieldSchema = {
  $id: 'ConfigurationField',
  type: 'object',
  additionalProperties: true,
  properties: {
    key: { type: 'string', examples: ['event.notification.callback.url'] },
    name: { type: 'string' },
    type: { type: 'string', examples: ['TEXTFIELD_1000'] },
    description: { type: 'string' },
    required: { type: 'boolean' },
    hidden: { type: 'boolean' },
    secret: { type: 'boolean', description: 'Stored encrypted and masked in every response' },
    defaultValue: { type: 'string' },
  },
  required: ['key', 'name', 'type', 'description', 'required'],
} as const;

/** A resource of an element's hub, and whether (and how) the poller can watch it. */
export const elementResourceSchema = {
  $id: 'ElementResource',
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string', examples: ['messages'] },
    path: { type: 'string', examples: ['/messages'] },
    methods: { type: 'array', items: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] } },
    description: { type: 'string' },
    polling: { type: 'string', enum: ['cursor', 'listing'], description: 'How the poller detects changes; absent when it cannot poll the resource' },
    recovery: {
      type: 'object',
      additionalProperties: true,
      description: "A cursor resource's recovery when the provider no longer has changes from an old cursor",
      properties: { snapshotPath: { type: 'string' }, stateFields: { type: 'array', items: { type: 'string' } }, recordPath: { type: 'string' } },
    },
  },
  required: ['name', 'path', 'methods', 'description'],
} as const;

/** `event.poller.configuration`: per resource key, the hub URL to poll and its records' id field. */
export const pollerConfigurationSchema = {
  $id: 'PollerConfiguration',
  type: 'object',
  additionalProperties: {
    type: 'object',
    additionalProperties: true,
    properties: { url: { type: 'string', examples: ['/hubs/general/changed-messages'] }, idField: { type: 'string', examples: ['id'] } },
    required: ['url', 'idField'],
  },
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
    vendor: { type: 'string', examples: ['Google'], description: 'Who runs the consent page and the OAuth app the user registers' },
    hub: { type: 'string', examples: ['general'] },
    authentication: {
      type: 'object',
      additionalProperties: true,
      properties: { type: { type: 'string', examples: ['oauth2'] }, scopes: { type: 'array', items: { type: 'string' } } },
      required: ['type'],
    },
    configuration: { type: 'array', items: { $ref: 'ConfigurationField#' } },
    resources: { type: 'array', items: { $ref: 'ElementResource#' } },
    defaultPollerConfiguration: { $ref: 'PollerConfiguration#' },
    events: {
      type: 'object',
      additionalProperties: true,
      properties: { supported: { type: 'boolean' }, methods: { type: 'array', items: { type: 'string', enum: ['polling', 'webhooks'] } } },
      required: ['supported', 'methods'],
    },
  },
  required: ['id', 'key', 'name', 'description', 'vendor', 'hub', 'authentication', 'configuration', 'resources', 'defaultPollerConfiguration', 'events'],
} as const;

/** GET /instances/{id}'s eventsPolling: whether polling runs, and per resource how it went. */
export const pollingHealthSchema = {
  $id: 'PollingHealth',
  type: 'object',
  additionalProperties: true,
  properties: {
    disabled: { type: 'boolean', description: 'Polling was disabled after repeated failures' },
    disabledReason: { type: ['string', 'null'] },
    callbackGone: { type: 'boolean', description: 'The callback answered 410 Gone: notifications wait until the callback URL changes' },
    resources: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          resource: { type: 'string' },
          baselineDate: { type: ['string', 'null'], format: 'date-time' },
          lastPollDate: { type: ['string', 'null'], format: 'date-time' },
          lastSuccessDate: { type: ['string', 'null'], format: 'date-time' },
          nextPollDate: { type: ['string', 'null'], format: 'date-time', description: 'null while polling is paused' },
          lastError: { type: ['string', 'null'] },
          consecutiveFailures: { type: 'integer' },
        },
        required: ['resource', 'baselineDate', 'lastPollDate', 'lastSuccessDate', 'nextPollDate', 'lastError', 'consecutiveFailures'],
      },
    },
  },
  required: ['disabled', 'disabledReason', 'callbackGone', 'resources'],
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
        authentication: { type: 'object', properties: { type: { type: 'string' } }, required: ['type'] },
        elementProvisionType: { type: 'string' },
      },
      required: ['id', 'key', 'name', 'hub', 'description', 'active', 'deleted', 'typeOauth', 'trialAccount', 'authentication', 'elementProvisionType'],
    },
    elementId: { type: 'integer' },
    user: {
      type: 'object',
      description: 'The tenant user who created the instance; names are not kept (null)',
      properties: {
        id: { type: 'integer' },
        emailAddress: { type: ['string', 'null'] },
        firstName: { type: ['string', 'null'] },
        lastName: { type: ['string', 'null'] },
      },
      required: ['id', 'emailAddress', 'firstName', 'lastName'],
    },
    tags: { type: 'array', items: { type: 'string' } },
    provisionInteractions: { type: 'array', items: {}, description: 'Always empty (Cloud Elements field)' },
    createdDate: { type: 'string', format: 'date-time' },
    updatedDate: { type: 'string', format: 'date-time' },
    valid: { type: 'boolean' },
    invalidReason: { type: 'string', description: 'Why the instance is not valid (its grant was revoked, say); absent while valid' },
    disabled: { type: 'boolean' },
    maxCacheSize: { type: 'integer' },
    cacheTimeToLive: { type: 'integer' },
    configuration: { type: 'object', additionalProperties: { type: 'string' }, description: 'Secret values are masked' },
    eventsEnabled: { type: 'boolean' },
    eventsNotificationCallbackUrl: { type: ['string', 'null'] },
    eventsPollerRefreshInterval: { type: ['number', 'null'], description: 'Minutes between polls' },
    traceLoggingEnabled: { type: 'boolean' },
    cachingEnabled: { type: 'boolean' },
    externalAuthentication: { type: 'string', examples: ['none'] },
    providerAccount: { type: 'string', description: 'The provider account behind the grant (the Gmail address), once known' },
    eventsPolling: { $ref: 'PollingHealth#' },
  },
  required: [
    'id',
    'name',
    'token',
    'element',
    'elementId',
    'user',
    'tags',
    'provisionInteractions',
    'createdDate',
    'updatedDate',
    'valid',
    'disabled',
    'maxCacheSize',
    'cacheTimeToLive',
    'configuration',
    'eventsEnabled',
    'eventsNotificationCallbackUrl',
    'eventsPollerRefreshInterval',
    'traceLoggingEnabled',
    'cachingEnabled',
    'externalAuthentication',
  ],
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

/** An empty object: the answer of a command that has nothing to return (DELETE /instances/{id}). */
export const emptyBodySchema = { $id: 'Empty', type: 'object', additionalProperties: false, properties: {} } as const;

export const sharedSchemas = [
  errorBodySchema,
  configurationFieldSchema,
  elementResourceSchema,
  pollerConfigurationSchema,
  elementSchema,
  pollingHealthSchema,
  instanceSchema,
  instanceBodySchema,
  configurationEntrySchema,
  configurationEntryBodySchema,
  elementMetadataSchema,
  emptyBodySchema,
];

export const errorResponses = {
  400: { $ref: 'ErrorBody#' },
  401: { $ref: 'ErrorBody#' },
  404: { $ref: 'ErrorBody#' },
} as const;
