// GET /elements, /elements/{keyOrId}, its configuration fields and metadata, and the provider's OAuth
// redirect URL. (POST /elements/{keyOrId}/instances lives with the instance routes.)

import type { FastifyPluginAsync } from 'fastify';
import type { ElementDefinition, ElementRegistry } from '../../elements/index.ts';
import { BadRequest } from '../../errors/index.ts';
import type { CallerAuthentication } from '../callerAuthentication.ts';
import { errorResponses } from '../schemas.ts';

export interface ElementRoutesDeps {
  elements: ElementRegistry;
  auth: CallerAuthentication;
}

function describe(element: ElementDefinition) {
  return {
    id: element.id,
    key: element.key,
    name: element.name,
    description: element.description,
    vendor: element.vendor,
    hub: element.hub,
    authentication: { type: element.authentication.type, scopes: element.authentication.defaultScopes },
    configuration: element.configuration,
    resources: element.resources,
    defaultPollerConfiguration: element.defaultPollerConfiguration,
    events: element.events,
  };
}

/**
 * GET /elements/{keyOrId}/metadata: what an element supports, in the field names of Cloud Elements'
 * element APIs; only what is true of our elements (no bulk, transformations, cloning or extending).
 */
function metadata(element: ElementDefinition) {
  return {
    id: element.id,
    key: element.key,
    name: element.name,
    hub: element.hub,
    authentication: { type: element.authentication.type },
    typeOauth: element.authentication.type === 'oauth2',
    events: {
      supported: element.events.supported,
      methods: [...element.events.methods],
      // Resources the poller can watch out of the box, and how it detects their changes.
      resources: element.resources.filter((r) => r.polling !== undefined).map((r) => ({ name: r.name, detection: r.polling })),
    },
    bulk: { supported: false },
    transformationsEnabled: false,
    bulkDownloadEnabled: false,
    bulkUploadEnabled: false,
    cloneable: false,
    extendable: false,
    resources: element.resources.map((r) => ({ name: r.name, path: `/hubs/${element.hub}${r.path}`, methods: [...r.methods] })),
  };
}

export const elementRoutes: FastifyPluginAsync<ElementRoutesDeps> = async (app, deps) => {
  const tags = ['elements'];
  const keyOrId = { type: 'object', properties: { keyOrId: { type: 'string' } }, required: ['keyOrId'] } as const;

  app.get('/elements', { schema: { tags, summary: 'List elements', response: { 200: { type: 'array', items: { $ref: 'Element#' } }, ...errorResponses } } }, async (request) => {
    await deps.auth.caller(request);
    return deps.elements.list().map(describe);
  });

  app.get<{ Params: { keyOrId: string } }>(
    '/elements/:keyOrId',
    { schema: { tags, summary: 'Get an element by key or id', params: keyOrId, response: { 200: { $ref: 'Element#' }, ...errorResponses } } },
    async (request) => {
      await deps.auth.caller(request);
      return describe(deps.elements.get(request.params.keyOrId));
    },
  );

  app.get<{ Params: { keyOrId: string } }>(
    '/elements/:keyOrId/configuration',
    {
      schema: {
        tags,
        summary: 'Configuration fields of an element instance',
        params: keyOrId,
        response: { 200: { type: 'array', items: { $ref: 'ConfigurationField#' } }, ...errorResponses },
      },
    },
    async (request) => {
      await deps.auth.caller(request);
      return deps.elements.get(request.params.keyOrId).configuration;
    },
  );

  app.get<{ Params: { keyOrId: string } }>(
    '/elements/:keyOrId/metadata',
    { schema: { tags, summary: 'What an element supports: events (methods), bulk, resources', params: keyOrId, response: { 200: { $ref: 'ElementMetadata#' }, ...errorResponses } } },
    async (request) => {
      await deps.auth.caller(request);
      return metadata(deps.elements.get(request.params.keyOrId));
    },
  );

  app.get<{ Params: { keyOrId: string }; Querystring: Record<string, string | undefined> }>(
    '/elements/:keyOrId/oauth/url',
    {
      schema: {
        tags,
        summary: "The provider's OAuth 2.0 authorization URL for your app",
        params: keyOrId,
        querystring: {
          type: 'object',
          properties: {
            apiKey: { type: 'string', description: 'OAuth client id' },
            apiSecret: { type: 'string', description: 'OAuth client secret (accepted for compatibility, not placed in the URL)' },
            callbackUrl: { type: 'string', description: 'Authorized redirect URI' },
            scope: { type: 'string' },
            state: { type: 'string', description: 'Defaults to the element key' },
          },
        },
        response: {
          200: { type: 'object', properties: { oauthUrl: { type: 'string' }, element: { type: 'string' } }, required: ['oauthUrl', 'element'] },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      await deps.auth.caller(request);
      const element = deps.elements.get(request.params.keyOrId);
      const { apiKey, callbackUrl, scope, state } = request.query;
      if (!apiKey) throw new BadRequest('apiKey is required: the OAuth client id of your app');
      if (!callbackUrl) throw new BadRequest('callbackUrl is required: the redirect URI registered for your app');
      try {
        const parsed = new URL(callbackUrl);
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
      } catch {
        throw new BadRequest('callbackUrl must be an absolute http(s) URL');
      }
      return { oauthUrl: deps.elements.oauthUrl(element, { apiKey, callbackUrl, scope, state }), element: element.key };
    },
  );
};
