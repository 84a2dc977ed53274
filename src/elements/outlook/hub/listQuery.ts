// The paging and filter parameters of the Outlook listings: where (CEQL, conditions joined by AND on
// receivedDateTime, isRead and hasAttachments, sent to Graph as an OData $filter), pageSize (Graph's
// $top, 1..1000, default 100) and nextPage (the Elements-Next-Page-Token of the previous page: the
// path of Graph's @odata.nextLink, base64url, which already holds the filter and the page size).

import { BadRequest } from '../../../errors/index.ts';
import { HUB_HEADERS, parseCeql, type CeqlCondition, type QueryParameters } from '../../../hubs/index.ts';
import type { GraphApi, GraphListParams, GraphPage } from './graphApi.ts';
import { MESSAGE_FIELDS } from './messageShape.ts';

export const MAX_PAGE_SIZE = 1000;

const ODATA_OPERATORS: Readonly<Record<string, string>> = { '=': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
const FIELDS = {
  receivedDateTime: "receivedDateTime >= '2026-01-01T00:00:00Z' (=, !=, <, <=, >, >=; ISO-8601)",
  isRead: 'isRead = false',
  hasAttachments: 'hasAttachments = true',
} as const;

/** CEQL `where` as an OData $filter, or undefined for none. */
export function messageFilter(where: string | undefined): string | undefined {
  if (where === undefined || !where.trim()) return undefined;
  const terms = parseCeql(where).map((condition) => {
    if (!Object.hasOwn(FIELDS, condition.field)) {
      throw new BadRequest(`Invalid where: unknown field '${condition.field}'; supported: ${Object.values(FIELDS).join(', ')}`);
    }
    return condition.field === 'receivedDateTime' ? dateTerm(condition) : booleanTerm(condition);
  });
  return terms.length === 0 ? undefined : terms.join(' and ');
}

function dateTerm(condition: CeqlCondition): string {
  const operator = ODATA_OPERATORS[condition.operator];
  if (operator === undefined) throw new BadRequest(`Invalid where: receivedDateTime supports =, !=, <, <=, > and >=, not ${condition.operator}`);
  const value = condition.values[0];
  const time = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(time)) throw new BadRequest(`Invalid where: receivedDateTime takes an ISO-8601 date-time, e.g. '2026-01-01T00:00:00Z', got '${String(value)}'`);
  return `receivedDateTime ${operator} ${new Date(time).toISOString().replace(/\.000Z$/, 'Z')}`;
}

function booleanTerm(condition: CeqlCondition): string {
  if (condition.operator !== '=' && condition.operator !== '!=') throw new BadRequest(`Invalid where: ${condition.field} supports = and !=, not ${condition.operator}`);
  const value = condition.values[0];
  if (value !== true && value !== false && value !== 'true' && value !== 'false') throw new BadRequest(`Invalid where: ${condition.field} must be true or false`);
  return `${condition.field} ${ODATA_OPERATORS[condition.operator]} ${String(value)}`;
}

/** The first page's Graph parameters, or the path of the page the client asked for. */
export function listRequest(query: QueryParameters, select: readonly string[] = MESSAGE_FIELDS): { params: GraphListParams } | { path: string } {
  const nextPage = query.nonEmpty('nextPage');
  const top = query.integer('pageSize', { min: 1, max: MAX_PAGE_SIZE, fallback: 100 });
  const filter = messageFilter(query.nonEmpty('where'));
  if (nextPage !== undefined) return { path: Buffer.from(nextPage, 'base64url').toString('utf8') };
  return { params: { select, top, ...(filter ? { filter } : {}) } };
}

/** A listing page through its request: the first page, or the one a page token names. */
export function listPage(graph: GraphApi, request: ReturnType<typeof listRequest>, first: (params: GraphListParams) => Promise<GraphPage>): Promise<GraphPage> {
  return 'path' in request ? graph.nextPage(request.path) : first(request.params);
}

export function pageHeaders(graph: GraphApi, page: GraphPage): Record<string, string> {
  const next = page['@odata.nextLink'];
  return next === undefined ? {} : { [HUB_HEADERS.nextPageToken]: Buffer.from(graph.pathOf(next)).toString('base64url') };
}
