// Starts the whole product for an integration test: the Google emulator and Changehook's server on
// port 0 over a fresh database, with a tenant whose Authorization header the test uses. With
// `microsoft`, the Microsoft emulator too (loaded only then), standing in for Microsoft's origins.

import { startGoogleEmulator, approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, type GoogleEmulator } from '../../emulators/google/index.ts';
import type { MicrosoftEmulator, MicrosoftEmulatorOptions } from '../../emulators/microsoft/index.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { startServer, type Role, type RunningServer } from '../../src/cli/serve.ts';
import { createTestDatabase, type TestDatabase, type TestDialect } from './databases.ts';

export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestApp {
  url: string;
  api: string;
  emulator: GoogleEmulator;
  /** The Microsoft emulator, when the app was started with `microsoft`. */
  microsoft?: MicrosoftEmulator;
  server: RunningServer;
  database: TestDatabase;
  config: Config;
  auth: string;
  orgSecret: string;
  userSecret: string;
  close(): Promise<void>;
}

/**
 * `role: 'api'` serves the API without the workers, for tests that run workers of their own.
 * `microsoft` also starts the Microsoft emulator (with these options) as CHANGEHOOK_MICROSOFT_BASE_URL.
 */
export async function startTestApp(dialect: TestDialect, env: Record<string, string> = {}, options: { role?: Role; microsoft?: MicrosoftEmulatorOptions } = {}): Promise<TestApp> {
  const emulator = await startGoogleEmulator({ port: 0 });
  const microsoft = options.microsoft === undefined ? undefined : await (await import('../../emulators/microsoft/index.ts')).startMicrosoftEmulator({ port: 0, ...options.microsoft });
  const database = await createTestDatabase(dialect);
  const orgSecret = `org-secret-${Math.random().toString(36).slice(2)}-0123456789`;
  const userSecret = `user-secret-${Math.random().toString(36).slice(2)}-0123456789`;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    CHANGEHOOK_DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl, CHANGEHOOK_MASTER_KEY: TEST_MASTER_KEY } : {}),
    CHANGEHOOK_GOOGLE_BASE_URL: emulator.baseUrl,
    ...(microsoft ? { CHANGEHOOK_MICROSOFT_BASE_URL: microsoft.baseUrl } : {}),
    // A sandbox app without `microsoft` starts its own Microsoft emulator: on a free port, never a fixed one.
    CHANGEHOOK_SANDBOX_MICROSOFT_PORT: '0',
    CHANGEHOOK_ORG_SECRET: orgSecret,
    CHANGEHOOK_USER_SECRET: userSecret,
    CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS: 'true',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const server = await startServer(config, options.role ?? 'serve');
  const url = server.url!;
  return {
    url,
    api: `${url}/elements/api-v2`,
    emulator,
    ...(microsoft ? { microsoft } : {}),
    server,
    database,
    config,
    auth: `User ${userSecret}, Organization ${orgSecret}`,
    orgSecret,
    userSecret,
    async close() {
      await server.close();
      await emulator.close();
      await microsoft?.close();
      await database.drop();
    },
  };
}

export async function apiCall(
  app: Pick<TestApp, 'api' | 'auth'>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${app.api}${path}`, {
    method,
    headers: { authorization: app.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export const OAUTH_CALLBACK = 'https://auth.mycoolapp.com/oauth';

/** A fresh authorization code for a mailbox, through the element's OAuth URL and the consent page. */
export async function authorizationCode(app: TestApp, email: string, callbackUrl = OAUTH_CALLBACK): Promise<string> {
  await app.emulator.control.createMailbox(email);
  const query = new URLSearchParams({ apiKey: SANDBOX_CLIENT_ID, apiSecret: SANDBOX_CLIENT_SECRET, callbackUrl });
  const { status, body } = await apiCall(app, 'GET', `/elements/gmail/oauth/url?${query}`);
  if (status !== 200) throw new Error(`oauth url: ${status} ${JSON.stringify(body)}`);
  const { code } = await approveConsent(body.oauthUrl, email);
  return code;
}

/** The product page's body (first variant: poller key with a leading slash). */
export function seedBody(code: string, overrides: { configuration?: Record<string, unknown>; name?: string; tags?: string[] } = {}) {
  return {
    element: { key: 'gmail' },
    providerData: { code },
    configuration: {
      'oauth.api.key': SANDBOX_CLIENT_ID,
      'oauth.api.secret': SANDBOX_CLIENT_SECRET,
      'oauth.callback.url': OAUTH_CALLBACK,
      'event.notification.enabled': true,
      'event.notification.callback.url': 'http://mycoolapp.com',
      'event.poller.refresh_interval': '15',
      'event.poller.configuration': { '/changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
      ...overrides.configuration,
    },
    tags: overrides.tags ?? ['Docs'],
    name: overrides.name ?? 'API Instance with Polling',
  };
}

export async function createInstance(app: TestApp, email: string, overrides: Parameters<typeof seedBody>[1] = {}) {
  const code = await authorizationCode(app, email);
  const response = await apiCall(app, 'POST', '/instances', seedBody(code, overrides));
  if (response.status !== 200) throw new Error(`create instance: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { id: number; token: string; [key: string]: unknown };
}

export { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET };
