// Standalone entry point: `npx tsx emulators/google/main.ts --port 8090`. Prints where it listens and
// the sandbox client's credentials, and stops cleanly on SIGINT/SIGTERM. The `changehook emulator
// google` command runs the same startGoogleEmulator().

import { pathToFileURL } from 'node:url';
import { EmulatorCommandLine, stopOnSignals } from '../shared/index.ts';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startGoogleEmulator, type GoogleEmulatorOptions } from './index.ts';

const USAGE = `Usage: npx tsx emulators/google/main.ts [options]

  --port <n>                     port to listen on (default 8090; 0 picks a free one)
  --host <address>               address to bind (default 127.0.0.1)
  --access-token-ttl <seconds>   access token lifetime (default 3599)
  --history-retention <seconds>  how long history stays listable (default 604800, one week)
  --quota <units>                quota units per user per second (default 250)
  --max-concurrent <n>           concurrent requests per user (default 100)
  --latency <ms>                 Google's response time: a fixed delay before each Gmail, batch
                                 and OAuth call (default none)
  --latency-p50 <ms>             or a lognormal delay with this median...
  --latency-p99 <ms>             ...and this 99th percentile (give both; p99 >= p50)
  --log                          log every request (pino)
  --help                         show this text`;

const commandLine = new EmulatorCommandLine(USAGE);

/** Runs the emulator as a command (`npx tsx emulators/google/main.ts`, `changehook emulator google`). */
export async function runEmulatorCommand(args: string[]): Promise<void> {
  const values = commandLine.parse(args, {
    port: { type: 'string' },
    'history-retention': { type: 'string' },
    quota: { type: 'string' },
    'max-concurrent': { type: 'string' },
  });
  if (values === undefined) return;
  const options: GoogleEmulatorOptions = { port: commandLine.number(values, 'port') ?? 8090, ...commandLine.commonOptions(values) };
  const retention = commandLine.number(values, 'history-retention');
  if (retention !== undefined) options.historyRetentionSeconds = retention;
  const quota = commandLine.number(values, 'quota');
  if (quota !== undefined) options.quotaUnitsPerSecond = quota;
  const concurrent = commandLine.number(values, 'max-concurrent');
  if (concurrent !== undefined) options.maxConcurrentRequestsPerUser = concurrent;

  const emulator = await startGoogleEmulator(options);
  console.log(`Google emulator listening on ${emulator.baseUrl}`);
  console.log(`  OAuth consent:  ${emulator.baseUrl}/o/oauth2/v2/auth`);
  console.log(`  token endpoint: ${emulator.baseUrl}/token`);
  console.log(`  Gmail API root: ${emulator.baseUrl}/gmail/v1/`);
  console.log(`  control API:    ${emulator.baseUrl}/__emulator/`);
  console.log(`  sandbox client: id ${SANDBOX_CLIENT_ID}`);
  console.log(`                  secret ${SANDBOX_CLIENT_SECRET}`);

  stopOnSignals(emulator, 'Google emulator');
}

// Run when executed directly, not when imported by the changehook CLI.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runEmulatorCommand(process.argv.slice(2));
