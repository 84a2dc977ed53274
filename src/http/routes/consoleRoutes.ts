// The web console's server side: the built single-page app (console/dist) at `/` with a fallback to
// index.html for the console's own paths, the console's unauthenticated settings at
// `/console/config.json`, and, in the sandbox only, a route that drops a test email into the emulated
// mailbox of one of the caller's instances, through the emulator of the instance's element. A Fastify plugin: the @fastify/static it registers (for
// reply.sendFile) stays within its scope.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { BadRequest, ProviderError } from '../../errors/index.ts';
import type { InstanceService } from '../../instances/index.ts';
import type { CallerAuthentication } from '../callerAuthentication.ts';

/** One element of a sandbox: the emulator it is pointed at and that emulator's well-known client. */
export interface SandboxElement {
  elementKey: string;
  /** The element's vendor, as the console names the emulated provider (e.g. Google). */
  vendor: string;
  /** The emulator's origin; its control API takes the test emails. */
  emulatorUrl: string;
  /** The emulator's well-known OAuth client, prefilled in the sandbox. */
  clientId: string;
  clientSecret: string;
  /** The mailbox the sandbox creates at start-up, suggested on the consent page. */
  mailbox: string;
}

/** What the console needs to know about the server it runs against; no secret of a tenant. */
export interface ConsoleConfig {
  sandbox: boolean;
  /** In the sandbox, every element that talks to an emulator. */
  sandboxElements?: readonly SandboxElement[];
}

export interface ConsoleRoutesDeps {
  config?: ConsoleConfig;
  instances: InstanceService;
  auth: CallerAuthentication;
  /** Paths owned by the API and the server's own pages: never answered with the console. */
  reservedPrefixes: readonly string[];
  /** The built console; defaults to console/dist of this package. */
  distDir?: string;
}

/**
 * console/dist of the package this module belongs to. The sources run from src/http/routes/ and the
 * build from dist/src/http/routes/, so the package root is found (the nearest package.json) rather
 * than counted in folders.
 */
function packagedDistDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'console', 'dist');
}

const DEFAULT_DIST_DIR = packagedDistDir();

/**
 * The console's scripts and styles are files of its own origin and nothing inline, so a strict policy
 * costs nothing and blunts any injection through data it displays (event payloads are mail content).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Changehook console</title></head>
<body><h1>The console is not built</h1><p>Run <code>npm run build:console</code> (or <code>npm ci</code>), then reload.</p>
<p>The API is at <a href="/docs">/docs</a>.</p></body></html>`;

const testEmailSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      subject: { type: 'string', maxLength: 500 },
      text: { type: 'string', maxLength: 20_000 },
      from: { type: 'string', maxLength: 320 },
    },
  },
  params: { type: 'object', properties: { id: { type: 'string', pattern: '^\\d{1,15}$' } }, required: ['id'] },
  hide: true,
} as const;

function isReserved(pathname: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesDeps> = async (app, deps) => {
  const distDir = deps.distDir ?? DEFAULT_DIST_DIR;
  const config: ConsoleConfig = deps.config ?? { sandbox: false };

  // serve: false — we route ourselves so that API paths keep the JSON 404 and client-side paths get
  // index.html; the plugin only lends reply.sendFile (ranges, ETags, no path traversal).
  await app.register(fastifyStatic, { root: distDir, serve: false });

  app.get('/console/config.json', { schema: { hide: true } }, async (_request, reply) => reply.header('cache-control', 'no-store').send(config));

  const sandboxElements = config.sandbox ? (config.sandboxElements ?? []) : [];
  if (sandboxElements.length > 0) {
    app.post<{ Params: { id: string }; Body: { subject?: string; text?: string; from?: string } }>(
      '/console/sandbox/instances/:id/test-email',
      { schema: testEmailSchema },
      async (request, reply) => {
        // Authenticated like the API, and only into the caller's own instance's mailbox: the emulator's
        // control API itself is open to whoever reaches its port.
        const caller = await deps.auth.caller(request);
        const instance = await deps.instances.get(caller, Number(request.params.id));
        const sandbox = sandboxElements.find((entry) => entry.elementKey === instance.element.key);
        if (!sandbox) throw new BadRequest(`instance ${instance.id} is of the element ${instance.element.key}, which no sandbox emulator stands in for`);
        const mailbox = instance.providerAccount;
        if (!mailbox) throw new BadRequest(`instance ${instance.id} has no connected mailbox`);
        // The emulators' control APIs name the text body as their providers do: Google's emulator takes
        // `text` (a MIME part), Microsoft's `body` (Graph's word); each ignores the other's field.
        const text = request.body.text || 'A test message sent from the console.';
        const message = {
          from: request.body.from || 'Changehook sandbox <sandbox@changehook.test>',
          to: mailbox,
          subject: request.body.subject || 'Hello from the Changehook sandbox',
          text,
          body: text,
        };
        const emulator = `the ${sandbox.vendor} emulator`;
        const response = await fetch(`${sandbox.emulatorUrl}/__emulator/mailboxes/${encodeURIComponent(mailbox)}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(10_000),
        }).catch((error: unknown) => {
          throw new ProviderError(`${emulator} did not answer: ${(error as Error).message}`, { statusCode: 502 });
        });
        const body = (await response.json().catch(() => ({}))) as { id?: string; threadId?: string; message?: string };
        if (!response.ok) {
          throw new ProviderError(`${emulator} refused the test email: ${body.message ?? response.status}`, { statusCode: 502, providerStatus: response.status });
        }
        return reply.status(201).send({ mailbox, messageId: body.id, threadId: body.threadId });
      },
    );
  }

  app.get<{ Params: { '*': string } }>('/*', { schema: { hide: true } }, async (request, reply) => {
    const pathname = `/${request.params['*']}`;
    if (isReserved(pathname, deps.reservedPrefixes)) return reply.callNotFound();
    const lastSegment = pathname.slice(pathname.lastIndexOf('/') + 1);
    if (lastSegment.includes('.')) {
      // A file of the build (or nothing: sendFile answers the JSON 404 when it is missing). Vite puts
      // content hashes in the names under assets/, so those may be cached for good.
      const immutable = pathname.startsWith('/assets/');
      return reply.sendFile(pathname, immutable ? { maxAge: 365 * 24 * 3600 * 1000, immutable: true } : { maxAge: 0 });
    }
    return sendIndex(reply, distDir);
  });
};

/** Every client-side route gets the same page; the console's router reads the path. */
function sendIndex(reply: FastifyReply, distDir: string): FastifyReply | Promise<FastifyReply> {
  reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    // The OAuth callback page's URL carries the authorization code: never send it to another origin.
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-cache');
  if (!fs.existsSync(`${distDir}/index.html`)) return reply.type('text/html; charset=utf-8').status(503).send(NOT_BUILT_PAGE);
  return reply.sendFile('index.html', { cacheControl: false });
}
