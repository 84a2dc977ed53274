// The Fastify application: the platform API under /elements/api-v2, health endpoints, OpenAPI at
// /docs, request ids, per-caller rate limits and the single error mapping. Route modules are Fastify
// plugins registered here with their services as options; the hooks every API route needs (rate
// limit, input guards) sit on the scopes the plugins are registered in, and the error and not-found
// handlers on the root, so encapsulation hands them down. Nothing here reaches into the store
// directly except the readiness probe.

import crypto from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import type { ElementRegistry } from '../elements/index.ts';
import type { EventService } from '../events/index.ts';
import type { HubService } from '../hubs/index.ts';
import type { InstanceService } from '../instances/index.ts';
import type { TenantService } from '../tenants/index.ts';
import { CallerAuthentication, rateLimitKey } from './callerAuthentication.ts';
import { errorHandler, notFoundHandler } from './errorMapping.ts';
import { checkJsonValue, checkSingleValuedQuery } from './inputGuards.ts';
import { elementRoutes } from './routes/elementRoutes.ts';
import { eventRoutes } from './routes/eventRoutes.ts';
import { hubRoutes } from './routes/hubRoutes.ts';
import { instanceConfigurationRoutes } from './routes/instanceConfigurationRoutes.ts';
import { instanceRoutes } from './routes/instanceRoutes.ts';
import { oauthCallbackRoute } from './routes/oauthCallbackRoute.ts';
import { consoleRoutes, type ConsoleConfig } from './routes/consoleRoutes.ts';
import { sharedSchemas } from './schemas.ts';

export const API_PREFIX = '/elements/api-v2';

/** What GET /metrics serves: the process's metrics in Prometheus' text format. */
export interface MetricsEndpoint {
  readonly contentType: string;
  scrape(): Promise<string>;
}

export interface AppDeps {
  logger: Logger;
  tenants: TenantService;
  elements: ElementRegistry;
  instances: InstanceService;
  hubs: HubService;
  events: EventService;
  /** Resolves when the store answers; used by /readyz. */
  checkReady(): Promise<void>;
  /** Requests per minute per caller (its parsed credentials, or its address). Default 1200. */
  rateLimitPerMinute?: number;
  /** What the web console is told about this server (sandbox, emulator); default: not a sandbox. */
  consoleConfig?: ConsoleConfig;
  /** Served at GET /metrics when given. */
  metrics?: MetricsEndpoint;
  /** Fastify's trustProxy: whose X-Forwarded-For names the client address. Default: none. */
  trustProxy?: boolean | number | string[];
}

/** Query parameters of platform routes that may repeat (a list); every other one is a single value. */
const LIST_QUERY_PARAMETERS = new Set(['tags[]', 'tags']);

/** A hop count trusts that many proxies nearest the server (Fastify's typings only take it as a function). */
function trustProxyOption(trust: AppDeps['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust ?? false;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Fastify's default request serializer logs method, URL and address, never headers, so the
    // secrets in Authorization stay out of the logs.
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: () => crypto.randomUUID(),
    trustProxy: trustProxyOption(deps.trustProxy),
    bodyLimit: 1024 * 1024,
    // Malformed percent-escapes and over-long path parameters are refused by the router itself; their
    // answer gets the same {requestId, message} body as every other error.
    frameworkErrors: errorHandler,
    // Schemas describe shapes for OpenAPI and catch gross mistakes; no silent coercion or stripping,
    // so the services see what the caller sent and name the field at fault.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allowUnionTypes: true } },
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  for (const schema of sharedSchemas) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Changehook API', description: 'Cloud Elements compatible platform API: elements, instances, hubs and events.', version: '0.1.0' },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          CloudElements: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'User <user secret>, Organization <organization secret>[, Element <instance token>]' },
        },
      },
      security: [{ CloudElements: [] }],
    },
    // Components named by their schemas' $id (Instance, Event…) rather than def-0, def-1…: the names
    // the console's generated types use.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await deps.checkReady();
      return { status: 'ready' };
    } catch (error) {
      return reply.status(503).send({ status: 'unavailable', message: (error as Error).message });
    }
  });

  const metrics = deps.metrics;
  if (metrics) {
    // For Prometheus: outside the API prefix (no tenant credentials, no rate limit) and not logged per scrape.
    app.get('/metrics', { schema: { hide: true }, logLevel: 'warn' }, async (_request, reply) => reply.type(metrics.contentType).send(await metrics.scrape()));
  }

  await app.register(oauthCallbackRoute);

  const auth = new CallerAuthentication(deps.tenants);
  await app.register(consoleRoutes, {
    config: deps.consoleConfig,
    instances: deps.instances,
    auth,
    reservedPrefixes: [API_PREFIX, '/docs', '/healthz', '/readyz', '/metrics', '/oauth/callback', '/console/sandbox'],
  });
  await app.register(
    async (api) => {
      await api.register(rateLimit, {
        max: deps.rateLimitPerMinute ?? 1200,
        timeWindow: 60_000,
        // One bucket per caller, not per address: tenants behind one NAT do not starve each other.
        keyGenerator: rateLimitKey,
        errorResponseBuilder: (request, context) => ({
          statusCode: 429,
          requestId: request.id,
          message: `Rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`,
        }),
      });
      await api.register(async (platform) => {
        platform.addHook('preValidation', async (request) => {
          checkJsonValue(request.params);
          checkSingleValuedQuery(request.query, LIST_QUERY_PARAMETERS);
          checkJsonValue(request.query);
          checkJsonValue(request.body);
        });
        const instanceDeps = { instances: deps.instances, events: deps.events, auth };
        await platform.register(elementRoutes, { elements: deps.elements, auth });
        await platform.register(instanceRoutes, instanceDeps);
        await platform.register(instanceConfigurationRoutes, instanceDeps);
        await platform.register(eventRoutes, { events: deps.events, auth });
      });
      await api.register(async (hub) => {
        // Hub queries may repeat parameters (Gmail's labelIds, for one); the hub reads them as lists.
        hub.addHook('preValidation', async (request) => {
          checkJsonValue(request.params);
          checkJsonValue(request.query);
          checkJsonValue(request.body);
        });
        await hub.register(hubRoutes, { hubs: deps.hubs, instances: deps.instances, auth });
      });
    },
    { prefix: API_PREFIX },
  );
  return app;
}
