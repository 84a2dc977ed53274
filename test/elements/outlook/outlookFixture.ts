// What every Outlook test starts from: the app with the Microsoft emulator, and Outlook instances
// created as a client creates them (GET /elements/outlookemail/oauth/url, consent at the emulator,
// POST /instances with the product page's body), with helpers to call the hub over HTTP and in process
// (HubService.execute: the one path of the hub routes and the poller).

import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, type MicrosoftEmulator, type MicrosoftEmulatorOptions } from '../../../emulators/microsoft/index.ts';
import type { HubRequest, HubResponse } from '../../../src/hubs/index.ts';
import { HubService, type HubServiceOptions } from '../../../src/hubs/index.ts';
import type { InstanceRow } from '../../../src/store/index.ts';
import type { TestDialect } from '../../support/databases.ts';
import { apiCall, OAUTH_CALLBACK, startTestApp, type TestApp } from '../../support/testApp.ts';

export { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET };

export async function startOutlookApp(dialect: TestDialect, env: Record<string, string> = {}, microsoft: MicrosoftEmulatorOptions = {}): Promise<TestApp & { microsoft: MicrosoftEmulator }> {
  const app = await startTestApp(dialect, env, { microsoft });
  return app as TestApp & { microsoft: MicrosoftEmulator };
}

/** A fresh authorization code for a mailbox, through the element's OAuth URL and the emulator's consent page. */
export async function outlookAuthorizationCode(app: TestApp & { microsoft: MicrosoftEmulator }, email: string): Promise<string> {
  app.microsoft.control.createMailbox(email);
  const query = new URLSearchParams({ apiKey: SANDBOX_CLIENT_ID, apiSecret: SANDBOX_CLIENT_SECRET, callbackUrl: OAUTH_CALLBACK });
  const { status, body } = await apiCall(app, 'GET', `/elements/outlookemail/oauth/url?${query}`);
  if (status !== 200) throw new Error(`oauth url: ${status} ${JSON.stringify(body)}`);
  const { code } = await approveConsent(body.oauthUrl, email);
  return code;
}

/** The product page's body for Outlook Email, with changed-messages polled. */
export function outlookSeedBody(code: string, configuration: Record<string, unknown> = {}) {
  return {
    element: { key: 'outlookemail' },
    providerData: { code },
    configuration: {
      'oauth.api.key': SANDBOX_CLIENT_ID,
      'oauth.api.secret': SANDBOX_CLIENT_SECRET,
      'oauth.callback.url': OAUTH_CALLBACK,
      'event.notification.enabled': true,
      'event.notification.callback.url': 'http://mycoolapp.com',
      'event.poller.refresh_interval': '15',
      'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
      ...configuration,
    },
    tags: ['Outlook'],
    name: 'Outlook instance',
  };
}

export async function createOutlookInstance(app: TestApp & { microsoft: MicrosoftEmulator }, email: string, configuration: Record<string, unknown> = {}) {
  const code = await outlookAuthorizationCode(app, email);
  const response = await apiCall(app, 'POST', '/instances', outlookSeedBody(code, configuration));
  if (response.status !== 200) throw new Error(`create instance: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { id: number; token: string; [key: string]: unknown };
}

export interface OutlookHub {
  app: TestApp & { microsoft: MicrosoftEmulator };
  email: string;
  instance: { id: number; token: string };
  /** A hub call over HTTP. */
  http(method: string, path: string, body?: unknown): ReturnType<typeof apiCall>;
  /** A hub call in process, as the poller makes it. */
  execute(method: HubRequest['method'], path: string, query?: HubRequest['query'], body?: unknown): Promise<HubResponse>;
  row(): Promise<InstanceRow>;
  close(): Promise<void>;
}

/** The app and one Outlook instance with events off (the app's own poller must not spend the mailbox's calls). */
export async function startOutlookHub(email: string, options: { hub?: HubServiceOptions; microsoft?: MicrosoftEmulatorOptions } = {}): Promise<OutlookHub> {
  const app = await startOutlookApp('sqlite', {}, options.microsoft);
  const instance = await createOutlookInstance(app, email, { 'event.notification.enabled': false });
  const services = app.server.services;
  const hubs = new HubService({ elements: services.elements, tokens: services.tokens, ...(options.hub ? { options: options.hub } : {}) });
  const row = () => services.store.db.selectFrom('instances').selectAll().where('id', '=', instance.id).executeTakeFirstOrThrow();
  const hubAuth = `${app.auth}, Element ${instance.token}`;
  return {
    app,
    email,
    instance,
    http: (method, path, body) => apiCall({ api: app.api, auth: hubAuth }, method, `/hubs/general${path}`, body),
    execute: async (method, path, query = {}, body) => hubs.execute(await row(), { method, path, query, ...(body !== undefined ? { body } : {}) }),
    row,
    async close() {
      await hubs.close();
      await app.close();
    },
  };
}
