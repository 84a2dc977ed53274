// What every emulator's standalone command shares: parsing its options (the latency, --log and
// --help ones included), answering a bad one with the usage text and exit code 2, and stopping the
// emulator cleanly on SIGINT/SIGTERM. Each main.ts keeps its usage text, its own options and what
// it prints.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type LatencyModel, validateLatencyModel } from './latencyModel.ts';

export type OptionValues = Record<string, string | boolean | undefined>;

/** The options every emulator command takes besides its own. */
const COMMON_OPTIONS = {
  host: { type: 'string' },
  'access-token-ttl': { type: 'string' },
  latency: { type: 'string' },
  'latency-p50': { type: 'string' },
  'latency-p99': { type: 'string' },
  log: { type: 'boolean' },
  help: { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export class EmulatorCommandLine {
  constructor(private readonly usage: string) {}

  /** The options given, or undefined when --help printed the usage (the command should then end). */
  parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): OptionValues | undefined {
    let values: OptionValues;
    try {
      ({ values } = parseArgs({ args, options: { ...COMMON_OPTIONS, ...options } }));
    } catch (error) {
      return this.usageError((error as Error).message);
    }
    if (values.help === true) {
      console.log(this.usage);
      return undefined;
    }
    return values;
  }

  usageError(message: string): never {
    console.error(`${message}\n\n${this.usage}`);
    process.exit(2);
  }

  number(values: OptionValues, name: string): number | undefined {
    const value = values[name];
    if (value === undefined) return undefined;
    const n = Number(value);
    if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n)) this.usageError(`--${name} must be a number`);
    return n;
  }

  /** The common options as start options: --host, --access-token-ttl, the latency model, --log. */
  commonOptions(values: OptionValues): { logger: boolean; host?: string; accessTokenTtlSeconds?: number; latency?: LatencyModel } {
    const ttl = this.number(values, 'access-token-ttl');
    const latency = this.latency(values);
    return {
      logger: values.log === true,
      ...(typeof values.host === 'string' ? { host: values.host } : {}),
      ...(ttl !== undefined ? { accessTokenTtlSeconds: ttl } : {}),
      ...(latency !== undefined ? { latency } : {}),
    };
  }

  /** --latency <ms>, or --latency-p50 <ms> with --latency-p99 <ms>; undefined when none is given. */
  latency(values: OptionValues): LatencyModel | undefined {
    const fixedMs = this.number(values, 'latency');
    const p50Ms = this.number(values, 'latency-p50');
    const p99Ms = this.number(values, 'latency-p99');
    if (fixedMs === undefined && p50Ms === undefined && p99Ms === undefined) return undefined;
    if (fixedMs !== undefined && (p50Ms !== undefined || p99Ms !== undefined)) this.usageError('--latency cannot be combined with --latency-p50/--latency-p99');
    if (fixedMs === undefined && (p50Ms === undefined || p99Ms === undefined)) this.usageError('--latency-p50 and --latency-p99 go together');
    try {
      return validateLatencyModel(fixedMs !== undefined ? { fixedMs } : { p50Ms, p99Ms });
    } catch (error) {
      // The model's messages name its fields; say the flags instead.
      const message = (error as Error).message.replace(/\bfixedMs\b/g, '--latency').replace(/\bp50Ms\b/g, '--latency-p50').replace(/\bp99Ms\b/g, '--latency-p99');
      return this.usageError(message);
    }
  }
}

/** Closes the emulator on the first SIGINT or SIGTERM, then exits (1 when closing failed). */
export function stopOnSignals(emulator: { close(): Promise<void> }, name: string): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the ${name}`);
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
