// The sandbox's providers: per element it can emulate, the emulator that stands in for the provider,
// the variable of the configured origin that replaces it, and the emulator's well-known OAuth client.
// `--sandbox` runs one emulator per registered element whose provider has no configured origin, creates
// the sandbox mailbox in it and points the element at it (DESIGN.md §3); the console and the banner are
// told about every provider from this one list, so neither names a provider itself.

import path from 'node:path';
import type { Config } from '../config/index.ts';
import { registeredElements } from '../elements/index.ts';
import type { AppDeps } from '../http/index.ts';
import { SANDBOX_CLIENT_ID as GOOGLE_CLIENT_ID, SANDBOX_CLIENT_SECRET as GOOGLE_CLIENT_SECRET, startGoogleEmulator } from '../../emulators/google/index.ts';
import { SANDBOX_CLIENT_ID as MICROSOFT_CLIENT_ID, SANDBOX_CLIENT_SECRET as MICROSOFT_CLIENT_SECRET, startMicrosoftEmulator } from '../../emulators/microsoft/index.ts';

/** The mailbox each emulator the sandbox starts is given, suggested on the consent pages. */
export const SANDBOX_MAILBOX = 'sandbox.user@example.com';

/** What the sandbox needs of a running emulator. */
export interface SandboxEmulator {
  /** The origin the element is pointed at, e.g. `http://127.0.0.1:8090`. */
  baseUrl: string;
  /** The same emulator over HTTPS, for client libraries that refuse a plain-HTTP authority. */
  httpsBaseUrl?: string;
  /** The CA certificate of that HTTPS side, for NODE_EXTRA_CA_CERTS or a CA bundle setting. */
  caCertPath?: string;
  createMailbox(email: string): Promise<void>;
  close(): Promise<void>;
}

export interface SandboxProvider {
  /** The element the emulator stands in for; a provider whose element is not registered is left out. */
  elementKey: string;
  /** The variable that points the element elsewhere; when it is set, no emulator is started. */
  baseUrlVariable: string;
  configuredBaseUrl(config: Config): string | undefined;
  withBaseUrl(config: Config, baseUrl: string): Config;
  /** Starts the emulator on its sandbox port (CHANGEHOOK_SANDBOX_…_PORT). */
  start(config: Config): Promise<SandboxEmulator>;
  clientId: string;
  clientSecret: string;
}

export const SANDBOX_PROVIDERS: readonly SandboxProvider[] = [
  {
    elementKey: 'gmail',
    baseUrlVariable: 'CHANGEHOOK_GOOGLE_BASE_URL',
    configuredBaseUrl: (config) => config.googleBaseUrl,
    withBaseUrl: (config, googleBaseUrl) => ({ ...config, googleBaseUrl }),
    async start(config) {
      const emulator = await startGoogleEmulator({ port: config.sandboxGooglePort, host: '127.0.0.1' });
      return {
        baseUrl: emulator.baseUrl,
        async createMailbox(email) {
          emulator.control.createMailbox(email);
        },
        close: () => emulator.close(),
      };
    },
    clientId: GOOGLE_CLIENT_ID,
    clientSecret: GOOGLE_CLIENT_SECRET,
  },
  {
    elementKey: 'outlookemail',
    baseUrlVariable: 'CHANGEHOOK_MICROSOFT_BASE_URL',
    configuredBaseUrl: (config) => config.microsoftBaseUrl,
    withBaseUrl: (config, microsoftBaseUrl) => ({ ...config, microsoftBaseUrl }),
    async start(config) {
      const emulator = await startMicrosoftEmulator({
        port: config.sandboxMicrosoftPort,
        host: '127.0.0.1',
        // Kept in the data directory, so a NODE_EXTRA_CA_CERTS pointed at it stays right across restarts.
        caDirectory: path.join(config.dataDir, 'microsoft-emulator-ca'),
      });
      return {
        // The element itself talks plain HTTP to it; the HTTPS side is for tools that insist (msal-node).
        baseUrl: emulator.baseUrl,
        httpsBaseUrl: emulator.httpsBaseUrl,
        caCertPath: emulator.caCertPath,
        async createMailbox(email) {
          emulator.control.createMailbox(email);
        },
        close: () => emulator.close(),
      };
    },
    clientId: MICROSOFT_CLIENT_ID,
    clientSecret: MICROSOFT_CLIENT_SECRET,
  },
];

/** One provider of a running sandbox, as the banner and the console show it. */
export interface SandboxProviderStatus {
  elementKey: string;
  /** The element's vendor (who runs the consent page), e.g. Google. */
  vendor: string;
  /** The origin the element talks to: the emulator started here, or the configured one. */
  baseUrl: string;
  baseUrlVariable: string;
  /** Set when the sandbox started the emulator itself. */
  emulator?: Pick<SandboxEmulator, 'baseUrl' | 'httpsBaseUrl' | 'caCertPath'>;
  clientId: string;
  clientSecret: string;
  mailbox: string;
}

export interface SandboxEmulators {
  /** The configuration with every element pointed at its emulator. */
  config: Config;
  providers: readonly SandboxProviderStatus[];
  /** Closes every emulator started here. */
  close(): Promise<void>;
}

export async function startSandboxEmulators(config: Config, providers: readonly SandboxProvider[] = SANDBOX_PROVIDERS): Promise<SandboxEmulators> {
  const elements = new Map(registeredElements({}).map(({ element }) => [element.key, element]));
  const started: SandboxEmulator[] = [];
  const close = async () => {
    await Promise.all(started.map((emulator) => emulator.close()));
  };
  const statuses: SandboxProviderStatus[] = [];
  let effective = config;
  try {
    for (const provider of providers) {
      const element = elements.get(provider.elementKey);
      if (!element) continue;
      const configured = provider.configuredBaseUrl(config);
      let emulator: SandboxEmulator | undefined;
      if (configured === undefined) {
        emulator = await provider.start(config);
        started.push(emulator);
        await emulator.createMailbox(SANDBOX_MAILBOX);
        effective = provider.withBaseUrl(effective, emulator.baseUrl);
      }
      statuses.push({
        elementKey: element.key,
        vendor: element.vendor,
        baseUrl: emulator?.baseUrl ?? configured!,
        baseUrlVariable: provider.baseUrlVariable,
        emulator: emulator && { baseUrl: emulator.baseUrl, httpsBaseUrl: emulator.httpsBaseUrl, caCertPath: emulator.caCertPath },
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        mailbox: SANDBOX_MAILBOX,
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { config: effective, providers: statuses, close };
}

/** GET /console/config.json of a sandbox: per element, its emulator, client and mailbox. */
export function consoleSandboxConfig(providers: readonly SandboxProviderStatus[]): NonNullable<AppDeps['consoleConfig']> {
  return {
    sandbox: true,
    sandboxElements: providers.map((provider) => ({
      elementKey: provider.elementKey,
      vendor: provider.vendor,
      emulatorUrl: provider.baseUrl,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      mailbox: provider.mailbox,
    })),
  };
}
