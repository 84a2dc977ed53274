// Typed reading of query parameters the way Google's front end does it: repeated keys make lists,
// and a value that does not parse as the declared type is a 400 naming the snake_case field.

import { GoogleApiError } from '../googleErrors.ts';

type RawQuery = Record<string, string | string[] | undefined>;

export class QueryParams {
  constructor(private readonly raw: RawQuery) {}

  string(name: string): string | undefined {
    const value = this.raw[name];
    if (Array.isArray(value)) return value[value.length - 1];
    return value;
  }

  list(name: string): string[] {
    const value = this.raw[name];
    if (value === undefined) return [];
    const values = Array.isArray(value) ? value : [value];
    // Some hand-written clients send `labelIds=A,B`; Google treats each repetition as one value, but
    // commas cannot occur in label ids, so splitting is harmless and friendlier.
    return values.flatMap((v) => v.split(',')).filter((v) => v !== '');
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.string(name);
    if (value === undefined || value === '') return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw GoogleApiError.invalidParameterValue(snakeCase(name), 'TYPE_BOOL', value);
  }

  /** An unsigned integer; out-of-range values are clamped the way Gmail clamps maxResults. */
  uint(name: string, options: { fallback: number; max?: number }): number {
    const value = this.string(name);
    if (value === undefined || value === '') return options.fallback;
    if (!/^\d+$/.test(value)) throw GoogleApiError.invalidParameterValue(snakeCase(name), 'TYPE_UINT32', value);
    const n = Number(value);
    if (n === 0) return options.fallback;
    return options.max === undefined ? n : Math.min(n, options.max);
  }

  /** A uint64 that must be present (e.g. startHistoryId). */
  requiredUint64(name: string): number {
    const value = this.string(name);
    if (value === undefined || value === '') {
      throw GoogleApiError.invalidArgument(`Missing required field: ${name}`);
    }
    if (!/^\d{1,20}$/.test(value)) throw GoogleApiError.invalidParameterValue(snakeCase(name), 'TYPE_UINT64', value);
    const n = Number(value);
    // Beyond 2^53 the id cannot be one we issued; keep it as an (unservable) huge number.
    return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
  }

  enumValue<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(name);
    if (value === undefined || value === '') return fallback;
    const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (match === undefined) throw GoogleApiError.invalidParameterValue(snakeCase(name), 'TYPE_ENUM', value);
    return match;
  }
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
