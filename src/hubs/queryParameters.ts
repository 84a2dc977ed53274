// Typed reads of a hub call's query parameters, with 400s that name the parameter and say what is
// allowed, for HTTP callers and in-process callers alike.

import { BadRequest } from '../errors/index.ts';
import type { HubQuery } from './hubContract.ts';

export class QueryParameters {
  constructor(private readonly query: HubQuery) {}

  string(name: string): string | undefined {
    const value = this.query[name];
    if (value === undefined) return undefined;
    if (Array.isArray(value)) {
      if (value.length > 1) throw new BadRequest(`${name} must be given at most once`);
      return value[0];
    }
    return value;
  }

  /** A non-empty string, or undefined when absent or empty. */
  nonEmpty(name: string): string | undefined {
    const value = this.string(name);
    return value === undefined || value === '' ? undefined : value;
  }

  integer(name: string, limits: { min: number; max: number; fallback: number }): number {
    const raw = this.nonEmpty(name);
    if (raw === undefined) return limits.fallback;
    const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!Number.isInteger(value) || value < limits.min || value > limits.max) {
      throw new BadRequest(`${name} must be an integer from ${limits.min} to ${limits.max}, got '${raw}'`);
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.nonEmpty(name);
    if (raw === undefined) return fallback;
    const lower = raw.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw new BadRequest(`${name} must be true or false, got '${raw}'`);
  }
}
