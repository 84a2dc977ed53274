// Changehook's services in the benchmark's process, over a fresh SQLite (or PostgreSQL) store, pointed
// at the emulators, with a tenant and helpers that authenticate Gmail and Outlook Email instances
// through the emulators' consent pages.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../../emulators/google/index.ts';
import * as microsoft from '../../emulators/microsoft/index.ts';
import { createLogger, createServices, type Services } from '../../src/cli/services.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { Caller } from '../../src/tenants/index.ts';

export interface BenchServices {
  services: Services;
  caller: Caller;
  connect(email: string, configuration: Record<string, unknown>): Promise<{ id: number; token: string }>;
  /** An Outlook Email instance (the Microsoft emulator given as CHANGEHOOK_MICROSOFT_BASE_URL in `env`). */
  connectOutlook(email: string, configuration: Record<string, unknown>): Promise<{ id: number; token: string }>;
  close(): Promise<void>;
}

export async function startBenchServices(googleBaseUrl: string, env: Record<string, string> = {}): Promise<BenchServices> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-bench-'));
  const config = loadConfig({
    CHANGEHOOK_DATA_DIR: dataDir,
    CHANGEHOOK_GOOGLE_BASE_URL: googleBaseUrl,
    CHANGEHOOK_SANDBOX: '1',
    LOG_LEVEL: 'silent',
    ...(env.DATABASE_URL ? { CHANGEHOOK_MASTER_KEY: crypto.randomBytes(32).toString('base64') } : {}),
    ...env,
  });
  const services = await createServices(config, createLogger(config));
  const tenant = await services.tenants.createOrganization({ name: 'bench', userEmail: 'bench@localhost' });
  const caller = { organizationId: tenant.organizationId, userId: tenant.userId };
  const gmail = services.elements.get('gmail');
  const redirect = 'https://bench.example.com/cb';
  return {
    services,
    caller,
    async connect(email, configuration) {
      const { code } = await approveConsent(services.elements.oauthUrl(gmail, { apiKey: SANDBOX_CLIENT_ID, callbackUrl: redirect }), email);
      return services.instances.create(caller, {
        element: { key: 'gmail' },
        providerData: { code },
        name: email,
        configuration: {
          'oauth.api.key': SANDBOX_CLIENT_ID,
          'oauth.api.secret': SANDBOX_CLIENT_SECRET,
          'oauth.callback.url': redirect,
          ...configuration,
        },
      });
    },
    async connectOutlook(email, configuration) {
      const outlook = services.elements.get('outlookemail');
      const { code } = await microsoft.approveConsent(services.elements.oauthUrl(outlook, { apiKey: microsoft.SANDBOX_CLIENT_ID, callbackUrl: redirect }), email);
      return services.instances.create(caller, {
        element: { key: 'outlookemail' },
        providerData: { code },
        name: email,
        configuration: {
          'oauth.api.key': microsoft.SANDBOX_CLIENT_ID,
          'oauth.api.secret': microsoft.SANDBOX_CLIENT_SECRET,
          'oauth.callback.url': redirect,
          ...configuration,
        },
      });
    },
    async close() {
      await services.hubs.close();
      await services.store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
