// Typed reads of a hub call's query parameters, with 400s that name the parameter and say what is
// allowed, for HTTP callers and in-process callers alike.
//
// Cloud Elements documents, for every hub listing, `where` (CEQL), `fields` (select fields), `orderBy`
// (sort) and `page`/`pageSize` (pagination), besides `nextPage` (the Elements-Next-Page-Token cursor).
// Nothing CE documents is accepted and ignored: `where`, `pageSize` and `nextPage` are read by the
// operations; `fields` is honoured only where the hub engine projects responses (projectFields), `orderBy`
// only when it asks for the order the provider lists in, and `page` never (the providers page by token).

import { BadRequest } from '../errors/index.ts';
import type { HubQuery } from './hubContract.ts';

/** What the hub engine does with the CE parameters no operation reads itself. */
export interface QueryParameterSupport {
  /** The engine applies `fields` to the response with projectFields(); without it, `fields` is refused. */
  fields?: boolean;
  /**
   * The order the operation's provider returns records in, as an orderBy value (`createdDate desc`);
   * orderBy may ask for exactly that order. Without it, any orderBy is refused: no sorting is done.
   */
  order?: string;
  /** The provider, as the refusal of `page` names it (its listings page by token only). */
  providerName?: string;
}

const FIELD_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;
const UNSAFE_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
const MAX_FIELDS = 100;

export class QueryParameters {
  private readonly selectedFields: readonly string[] | undefined;

  constructor(
    private readonly query: HubQuery,
    support: QueryParameterSupport = {},
  ) {
    if (this.nonEmpty('page') !== undefined) {
      throw new BadRequest(
        `page is not supported: listings page by token, not by page number (${support.providerName ?? 'the provider'} has no page numbers); pass the Elements-Next-Page-Token header of the previous page as nextPage`,
      );
    }
    const orderBy = this.nonEmpty('orderBy');
    if (orderBy !== undefined && (support.order === undefined || normalizeOrder(orderBy) !== normalizeOrder(support.order))) {
      throw new BadRequest(
        support.order === undefined
          ? `orderBy is not supported here: the provider returns this resource in its own order and nothing is sorted; omit orderBy (got '${orderBy}')`
          : `orderBy can only be '${support.order}', the order the provider returns this resource in; nothing is sorted (got '${orderBy}')`,
      );
    }
    const fields = this.nonEmpty('fields');
    if (fields !== undefined && !support.fields) {
      throw new BadRequest(`fields is not supported here: responses are not projected; omit fields (got '${fields}')`);
    }
    this.selectedFields = fields === undefined ? undefined : parseFieldList(fields);
  }

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

  /** The `fields` to project the response to (only when the engine supports it), or undefined for all. */
  fields(): readonly string[] | undefined {
    return this.selectedFields;
  }
}

/** `createdDate DESC` and ` createdDate  desc ` are the same order; a missing direction is ascending. */
function normalizeOrder(orderBy: string): string {
  const [field = '', direction = 'asc', ...rest] = orderBy.trim().split(/\s+/);
  return [field, direction.toLowerCase(), ...rest].join(' ');
}

function parseFieldList(value: string): string[] {
  const fields = value.split(',').map((field) => field.trim());
  if (fields.length > MAX_FIELDS) throw new BadRequest(`fields must name at most ${MAX_FIELDS} fields`);
  for (const field of fields) {
    if (!FIELD_PATH.test(field) || field.split('.').some((segment) => UNSAFE_SEGMENTS.has(segment))) {
      throw new BadRequest(`fields must be a comma-separated list of field names or dot paths (e.g. id,subject,payload.headers), got '${value}'`);
    }
  }
  return fields;
}

/**
 * Cloud Elements' field selection: each record (or the one object) keeps only the named fields, dot
 * paths keeping the nesting (`payload.mimeType` → `{payload: {mimeType}}`); absent fields stay absent.
 */
export function projectFields(body: unknown, fields: readonly string[]): unknown {
  if (Array.isArray(body)) return body.map((record) => projectRecord(record, fields));
  return projectRecord(body, fields);
}

function projectRecord(record: unknown, fields: readonly string[]): unknown {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return record;
  const projected: Record<string, unknown> = {};
  // `a` and `a.b` together select all of `a`; projecting `a.b` into it would write into the record itself.
  const wanted = fields.filter((field) => !fields.some((other) => field.startsWith(`${other}.`)));
  for (const field of wanted) {
    const segments = field.split('.');
    let source: unknown = record;
    for (const segment of segments) {
      source = source !== null && typeof source === 'object' && !Array.isArray(source) && Object.hasOwn(source, segment) ? (source as Record<string, unknown>)[segment] : undefined;
    }
    if (source === undefined) continue;
    let target = projected;
    for (const segment of segments.slice(0, -1)) {
      const existing = target[segment];
      if (existing === null || typeof existing !== 'object' || Array.isArray(existing)) target[segment] = {};
      target = target[segment] as Record<string, unknown>;
    }
    target[segments.at(-1) as string] = source;
  }
  return projected;
}
