// Standalone entry point: `npx tsx emulators/google/main.ts --port 8090`. Prints where it listens and
// the sandbox client's credentials, and stops cleanly on SIGINT/SIGTERM. The `changehook emulator
// google` command runs the same startGoogleEmulator().

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startGoogleEmulator, type GoogleEmulatorOptions } from './index.ts';
import { type LatencyModel, validateLatencyModel } from './latencyModel.ts';

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

function numberOption(values: Record<string, string | boolean | undefined>, name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n)) usageError(`--${name} must be a number`);
  return n;
}

function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

/** --latency <ms>, or --latency-p50 <ms> with --latency-p99 <ms>; undefined when none is given. */
function latencyOption(values: Record<string, string | boolean | undefined>): LatencyModel | undefined {
  const fixedMs = numberOption(values, 'latency');
  const p50Ms = numberOption(values, 'latency-p50');
  const p99Ms = numberOption(values, 'latency-p99');
  if (fixedMs === undefined && p50Ms === undefined && p99Ms === undefined) return undefined;
  if (fixedMs !== undefined && (p50Ms !== undefined || p99Ms !== undefined)) usageError('--latency cannot be combined with --latency-p50/--latency-p99');
  if (fixedMs === undefined && (p50Ms === undefined || p99Ms === undefined)) usageError('--latency-p50 and --latency-p99 go together');
  try {
    return validateLatencyModel(fixedMs !== undefined ? { fixedMs } : { p50Ms, p99Ms });
  } catch (error) {
    // The model's messages name its fields; say the flags instead.
    const message = (error as Error).message.replace(/\bfixedMs\b/g, '--latency').replace(/\bp50Ms\b/g, '--latency-p50').replace(/\bp99Ms\b/g, '--latency-p99');
    return usageError(message);
  }
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
        latency: { type: 'string' },
        'latency-p50': { type: 'string' },
        'latency-p99': { type: 'string' },
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
  const latency = latencyOption(values);
  if (latency !== undefined) options.latency = latency;

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
