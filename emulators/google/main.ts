// Standalone entry point: `npx tsx emulators/google/main.ts --port 8090`. Prints where it listens and
// the sandbox client's credentials, and stops cleanly on SIGINT/SIGTERM. The `changehook emulator
// google` command runs the same startGoogleEmulator().

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startGoogleEmulator, type GoogleEmulatorOptions } from './index.ts';

const USAGE = `Usage: npx tsx emulators/google/main.ts [options]

  --port <n>                     port to listen on (default 8090; 0 picks a free one)
  --host <address>               address to bind (default 127.0.0.1)
  --access-token-ttl <seconds>   access token lifetime (default 3599)
  --history-retention <seconds>  how long history stays listable (default 604800, one week)
  --quota <units>                quota units per user per second (default 250)
  --max-concurrent <n>           concurrent requests per user (default 100)
  --log                          log every request (pino)
  --help                         show this text`;

function numberOption(values: Record<string, string | boolean | undefined>, name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n)) {
    console.error(`--${name} must be a number\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

/** Runs the emulator as a command (`npx tsx emulators/google/main.ts`, `changehook emulator google`). */
export async function runEmulatorCommand(args: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'access-token-ttl': { type: 'string' },
        'history-retention': { type: 'string' },
        quota: { type: 'string' },
        'max-concurrent': { type: 'string' },
        log: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const options: GoogleEmulatorOptions = { port: numberOption(values, 'port') ?? 8090, logger: values.log === true };
  const host = values.host;
  if (typeof host === 'string') options.host = host;
  const ttl = numberOption(values, 'access-token-ttl');
  if (ttl !== undefined) options.accessTokenTtlSeconds = ttl;
  const retention = numberOption(values, 'history-retention');
  if (retention !== undefined) options.historyRetentionSeconds = retention;
  const quota = numberOption(values, 'quota');
  if (quota !== undefined) options.quotaUnitsPerSecond = quota;
  const concurrent = numberOption(values, 'max-concurrent');
  if (concurrent !== undefined) options.maxConcurrentRequestsPerUser = concurrent;

  const emulator = await startGoogleEmulator(options);
  console.log(`Google emulator listening on ${emulator.baseUrl}`);
  console.log(`  OAuth consent:  ${emulator.baseUrl}/o/oauth2/v2/auth`);
  console.log(`  token endpoint: ${emulator.baseUrl}/token`);
  console.log(`  Gmail API root: ${emulator.baseUrl}/gmail/v1/`);
  console.log(`  control API:    ${emulator.baseUrl}/__emulator/`);
  console.log(`  sandbox client: id ${SANDBOX_CLIENT_ID}`);
  console.log(`                  secret ${SANDBOX_CLIENT_SECRET}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the Google emulator`);
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

// Run when executed directly, not when imported by the changehook CLI.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runEmulatorCommand(process.argv.slice(2));
