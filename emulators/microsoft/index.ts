// The Microsoft emulator (identity platform v2.0 + Graph v1.0 mail + control API) as other code uses
// it: start one in process, talk to it over HTTP or HTTPS like to login.microsoftonline.com and
// graph.microsoft.com, steer it through `control`. Other folders import only from this file.

import { rm } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type LatencyModel, validateLatencyModel, listeningUrl, nonNegative, positive } from '../shared/index.ts';
import { prepareServerTls } from './certificateAuthority.ts';
import { EmulatorControl } from './control.ts';
import { createEmulatorState, DEFAULT_SETTINGS, type EmulatorSettings } from './emulatorState.ts';
import type { OAuthClientRegistration } from './oauth/clientRegistry.ts';
import { buildServer } from './server.ts';
import { DEFAULT_THROTTLE, type ThrottleLimits } from './throttle.ts';

export { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, type OAuthClientRegistration } from './oauth/clientRegistry.ts';
export { approveConsent, ConsentFailed, type ConsentResult } from './oauth/approveConsent.ts';
export { EmulatorControl, type DeliveredMessageFields, type MailboxSummary, type MessageSummary } from './control.ts';
export { createCertificateAuthority } from './certificateAuthority.ts';
export { EMULATOR_TENANT_ID } from './oauth/identities.ts';
export type { GraphCall } from './callLog.ts';
export type { FaultSpec, FaultView } from './faults.ts';
export type { LatencyModel } from '../shared/index.ts';
export type { ThrottleLimits } from './throttle.ts';

/** The permissions an Outlook mail app asks for, in the form msal and the authorize endpoint take. */
export const MAIL_SCOPES = ['offline_access', 'openid', 'profile', 'email', 'User.Read', 'Mail.ReadWrite', 'Mail.Send'] as const;

export interface MicrosoftEmulatorOptions {
  /** Plain-HTTP port; 0 (default) picks a free one. */
  port?: number;
  /** HTTPS port; 0 (default) picks a free one. */
  httpsPort?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 3599, as the identity platform. */
  accessTokenTtlSeconds?: number;
  /** How long a delta token stays usable; default one week. */
  deltaRetentionSeconds?: number;
  /** Per-mailbox throttle; default Graph's documented 10 000 requests per 10 minutes and 4 in flight. */
  throttle?: Partial<ThrottleLimits>;
  /** Registered in addition to the sandbox client. */
  clients?: OAuthClientRegistration[];
  /**
   * Where the CA certificate and key live (ca.pem, ca-key.pem): reused when present, made there
   * otherwise. Default: a fresh CA in a new temporary directory. A stable directory lets clients keep
   * one NODE_EXTRA_CA_CERTS across restarts.
   */
  caDirectory?: string;
  /** Log requests with pino (default false). */
  logger?: boolean;
  /** Microsoft's response time, e.g. `{ p50Ms: 120, p99Ms: 400 }` or `{ fixedMs: 100 }`; default none. */
  latency?: LatencyModel;
  latencyRandom?: () => number;
  latencySleep?: (ms: number) => Promise<void>;
}

export interface MicrosoftEmulator {
  /** e.g. `http://127.0.0.1:8091`, no trailing slash. */
  baseUrl: string;
  /** The same application over TLS, e.g. `https://127.0.0.1:41234` (msal-node needs an https authority). */
  httpsBaseUrl: string;
  /**
   * The CA certificate (PEM) that signed the HTTPS certificate: give it to clients (NODE_EXTRA_CA_CERTS).
   * Without `caDirectory` it lives in a temporary directory removed by close().
   */
  caCertPath: string;
  control: EmulatorControl;
  close(): Promise<void>;
}

export async function startMicrosoftEmulator(options: MicrosoftEmulatorOptions = {}): Promise<MicrosoftEmulator> {
  const settings: EmulatorSettings = {
    accessTokenTtlSeconds: positive(options.accessTokenTtlSeconds, DEFAULT_SETTINGS.accessTokenTtlSeconds, 'accessTokenTtlSeconds'),
    deltaRetentionSeconds: nonNegative(options.deltaRetentionSeconds, DEFAULT_SETTINGS.deltaRetentionSeconds, 'deltaRetentionSeconds'),
  };
  const throttle: ThrottleLimits = { ...DEFAULT_THROTTLE, ...options.throttle };
  for (const [key, value] of Object.entries(throttle)) positive(value, 1, `throttle.${key}`);
  const state = createEmulatorState(settings, options.clients ?? [], throttle, {
    ...(options.latency !== undefined ? { latency: validateLatencyModel(options.latency) } : {}),
    ...(options.latencyRandom !== undefined ? { random: options.latencyRandom } : {}),
    ...(options.latencySleep !== undefined ? { sleep: options.latencySleep } : {}),
  });
  const control = new EmulatorControl(state);
  const app = buildServer(state, control, { logger: options.logger ?? false });
  const host = options.host ?? '127.0.0.1';
  const tls = await prepareServerTls(options.caDirectory);

  await app.listen({ port: options.port ?? 0, host });
  const httpsServer: HttpsServer = createHttpsServer({ cert: tls.cert, key: tls.key }, (request, response) => app.routing(request, response));
  try {
    await new Promise<void>((resolve, reject) => {
      httpsServer.once('error', reject);
      httpsServer.listen(options.httpsPort ?? 0, host, () => {
        httpsServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await app.close();
    if (tls.temporaryDirectory !== undefined) await rm(tls.temporaryDirectory, { recursive: true, force: true });
    throw error;
  }
  return {
    baseUrl: listeningUrl('http', app.server.address() as AddressInfo),
    httpsBaseUrl: listeningUrl('https', httpsServer.address() as AddressInfo),
    caCertPath: tls.caCertPath,
    control,
    close: async () => {
      // close() must not wait for keep-alive clients (pollers, msal's agent) to hang up.
      httpsServer.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => httpsServer.close(() => resolve())), app.close()]);
      if (tls.temporaryDirectory !== undefined) await rm(tls.temporaryDirectory, { recursive: true, force: true });
    },
  };
}
