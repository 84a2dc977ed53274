// The OData query options Graph's message lists take, parsed and applied: `$filter` on
// receivedDateTime (ge/gt/le/lt/eq) and isRead (eq true|false) joined by `and`, `$orderby`
// receivedDateTime asc|desc (default desc, Outlook's), `$top` (default 10, at most 1000) and `$skip`.
// Anything else in `$filter` is refused with Graph's 400 rather than silently ignored.

import { GraphError } from '../microsoftErrors.ts';
import type { StoredMessage } from './mailModel.ts';

export type MessagePredicate = (message: StoredMessage) => boolean;

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 1000;

export function parseFilter(value: string | undefined): MessagePredicate | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const clauses = value.trim().split(/\s+and\s+/i);
  const predicates = clauses.map(parseClause);
  return (message) => predicates.every((p) => p(message));
}

function parseClause(clause: string): MessagePredicate {
  const match = /^\(?\s*(\w+)\s+(eq|ne|ge|gt|le|lt)\s+(.+?)\s*\)?$/i.exec(clause.trim());
  if (match === null) throw invalidFilter();
  const [, property = '', operator = '', literal = ''] = match;
  const op = operator.toLowerCase();
  switch (property.toLowerCase()) {
    case 'receiveddatetime': {
      const when = Date.parse(literal.replace(/^'|'$/g, ''));
      if (Number.isNaN(when)) throw GraphError.badRequest(`The DateTimeOffset text '${literal}' should be in format 'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?' and each field value is within valid range.`, 'BadRequest');
      return (m) => compare(m.receivedAt, op, when);
    }
    case 'isread': {
      const flag = literal.toLowerCase();
      if ((flag !== 'true' && flag !== 'false') || (op !== 'eq' && op !== 'ne')) throw invalidFilter();
      const wanted = (flag === 'true') === (op === 'eq');
      return (m) => m.isRead === wanted;
    }
    default:
      throw invalidFilter();
  }
}

function compare(a: number, op: string, b: number): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'ge':
      return a >= b;
    case 'gt':
      return a > b;
    case 'le':
      return a <= b;
    default:
      return a < b;
  }
}

function invalidFilter(): GraphError {
  return GraphError.badRequest('Invalid filter clause', 'BadRequest');
}

/** `receivedDateTime desc` (default) or `asc`; other properties are refused. */
export function parseOrderBy(value: string | undefined): 'asc' | 'desc' {
  if (value === undefined || value.trim() === '') return 'desc';
  const match = /^receivedDateTime(?:\s+(asc|desc))?$/i.exec(value.trim());
  if (match === null) throw GraphError.badRequest(`The $orderby expression '${value}' is not supported by the emulator (receivedDateTime asc|desc).`, 'BadRequest');
  return (match[1] ?? 'asc').toLowerCase() === 'desc' ? 'desc' : 'asc';
}

export function sortMessages(messages: StoredMessage[], order: 'asc' | 'desc'): StoredMessage[] {
  const sign = order === 'desc' ? -1 : 1;
  return messages.sort((a, b) => sign * (a.receivedAt - b.receivedAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function parseTop(value: string | undefined, fallback = DEFAULT_PAGE_SIZE): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw GraphError.badRequest(`Invalid value '${value}' for $top query option found.`, 'BadRequest');
  return Math.min(n, MAX_PAGE_SIZE);
}

export function parseSkip(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw GraphError.badRequest(`Invalid value '${value}' for $skip query option found.`, 'BadRequest');
  return n;
}

/** `Prefer: odata.maxpagesize=50` (and IdType, which is always honoured: ids are immutable here). */
export function preferredPageSize(prefer: string | string[] | undefined): number | undefined {
  const header = Array.isArray(prefer) ? prefer.join(',') : prefer;
  if (header === undefined) return undefined;
  const match = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(header);
  if (match === null) return undefined;
  return Math.max(1, Math.min(Number(match[1]), MAX_PAGE_SIZE));
}
