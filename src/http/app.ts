// The Fastify application: the platform API under /elements/api-v2, health endpoints, OpenAPI at
// /docs, request ids, per-caller rate limits and the single error mapping. Routes receive their
// services; nothing here reaches into the store directly except the readiness probe.

import crypto from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import type { ElementRegistry } from '../elements/index.ts';
import type { EventService } from '../events/eventService.ts';
import { hubRoutes, type HubService } from '../hubs/index.ts';
import type { InstanceService } from '../instances/index.ts';
import type { TenantService } from '../tenants/index.ts';
import { CallerAuthentication } from './callerAuthentication.ts';
import { errorHandler, notFoundHandler } from './errorMapping.ts';
import { elementRoutes } from './routes/elementRoutes.ts';
import { eventRoutes } from './routes/eventRoutes.ts';
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
  /** Requests per minute per caller (Authorization header or address). */
  rateLimitPerMinute?: number;
  /** What the web console is told about this server (sandbox, emulator); default: not a sandbox. */
  consoleConfig?: ConsoleConfig;
  /** Served at GET /metrics when given. */
  metrics?: MetricsEndpoint;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Fastify's default request serializer logs method, URL and address, never headers, so the
    // secrets in Authorization stay out of the logs.
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: () => crypto.randomUUID(),
    bodyLimit: 1024 * 1024,
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

  oauthCallbackRoute(app);

  const auth = new CallerAuthentication(deps.tenants);
  await consoleRoutes(app, {
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
        keyGenerator: (request) => crypto.createHash('sha256').update(request.headers.authorization ?? request.ip).digest('hex'),
        errorResponseBuilder: (request, context) => ({
          statusCode: 429,
          requestId: request.id,
          message: `Rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`,
        }),
      });
      elementRoutes(api, { elements: deps.elements, auth });
      instanceRoutes(api, { instances: deps.instances, events: deps.events, auth });
      eventRoutes(api, { events: deps.events, auth });
      hubRoutes(api, { hubs: deps.hubs, instances: deps.instances, auth });
    },
    { prefix: API_PREFIX },
  );
  return app;
}
