// Standalone entry point: `npx tsx emulators/microsoft/main.ts --port 8091`. Prints where it listens
// (HTTP and HTTPS), the CA certificate to trust and the sandbox client's credentials, and stops
// cleanly on SIGINT/SIGTERM. A `changehook emulator microsoft` command can run the same function.

import { pathToFileURL } from 'node:url';
import { EmulatorCommandLine, stopOnSignals } from '../shared/index.ts';
import { type MicrosoftEmulatorOptions, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startMicrosoftEmulator } from './index.ts';

const USAGE = `Usage: npx tsx emulators/microsoft/main.ts [options]

  --port <n>                     HTTP port (default 8091; 0 picks a free one)
  --https-port <n>               HTTPS port (default 0: a free one)
  --host <address>               address to bind (default 127.0.0.1)
  --ca-dir <path>                keep the CA certificate and key here (reused across runs;
                                 default: a new temporary directory)
  --access-token-ttl <seconds>   access token lifetime (default 3599)
  --delta-retention <seconds>    how long delta tokens stay usable (default 604800, one week)
  --requests-per-window <n>      per-mailbox throttle (default 10000 ...
  --window <seconds>             ... per 600 seconds)
  --max-concurrent <n>           requests in flight per mailbox (default 4)
  --latency <ms>                 Microsoft's response time: a fixed delay (default none)
  --latency-p50 <ms>             or a lognormal delay with this median...
  --latency-p99 <ms>             ...and this 99th percentile
  --log                          log every request (pino)
  --help                         show this text`;

const commandLine = new EmulatorCommandLine(USAGE);

/** Runs the emulator as a command (`npx tsx emulators/microsoft/main.ts`, `changehook emulator microsoft`). */
export async function runEmulatorCommand(args: string[]): Promise<void> {
  const values = commandLine.parse(args, {
    port: { type: 'string' },
    'https-port': { type: 'string' },
    'ca-dir': { type: 'string' },
    'delta-retention': { type: 'string' },
    'requests-per-window': { type: 'string' },
    window: { type: 'string' },
    'max-concurrent': { type: 'string' },
  });
  if (values === undefined) return;
  const options: MicrosoftEmulatorOptions = { port: commandLine.number(values, 'port') ?? 8091, ...commandLine.commonOptions(values) };
  const httpsPort = commandLine.number(values, 'https-port');
  if (httpsPort !== undefined) options.httpsPort = httpsPort;
  if (typeof values['ca-dir'] === 'string') options.caDirectory = values['ca-dir'];
  const retention = commandLine.number(values, 'delta-retention');
  if (retention !== undefined) options.deltaRetentionSeconds = retention;
  const throttle: NonNullable<MicrosoftEmulatorOptions['throttle']> = {};
  const perWindow = commandLine.number(values, 'requests-per-window');
  if (perWindow !== undefined) throttle.requestsPerWindow = perWindow;
  const window = commandLine.number(values, 'window');
  if (window !== undefined) throttle.windowSeconds = window;
  const concurrent = commandLine.number(values, 'max-concurrent');
  if (concurrent !== undefined) throttle.maxConcurrentRequests = concurrent;
  options.throttle = throttle;

  const emulator = await startMicrosoftEmulator(options);
  console.log(`Microsoft emulator listening on ${emulator.baseUrl} and ${emulator.httpsBaseUrl}`);
  console.log(`  authority:       ${emulator.httpsBaseUrl}/common  (msal-node: knownAuthorities ['${new URL(emulator.httpsBaseUrl).host}'])`);
  console.log(`  authorize:       ${emulator.baseUrl}/common/oauth2/v2.0/authorize`);
  console.log(`  token endpoint:  ${emulator.baseUrl}/common/oauth2/v2.0/token`);
  console.log(`  Graph root:      ${emulator.baseUrl}/v1.0/  (or ${emulator.httpsBaseUrl}/v1.0/)`);
  console.log(`  control API:     ${emulator.baseUrl}/__emulator/`);
  console.log(`  CA certificate:  ${emulator.caCertPath}  (trust it: NODE_EXTRA_CA_CERTS=${emulator.caCertPath})`);
  console.log(`  sandbox client:  id ${SANDBOX_CLIENT_ID}`);
  console.log(`                   secret ${SANDBOX_CLIENT_SECRET}`);

  stopOnSignals(emulator, 'Microsoft emulator');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runEmulatorCommand(process.argv.slice(2));
