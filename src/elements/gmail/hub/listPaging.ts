// The paging and filter parameters shared by the Gmail listings: where (CEQL), pageSize (1..500,
// default 100), nextPage (Gmail's page token) and includeBody; and the Elements-Next-Page-Token header.

import { HUB_HEADERS, type QueryParameters } from '../../../hubs/index.ts';
import type { ListParams } from './gmailApi.ts';
import { gmailListFilter } from './listFilters.ts';

export const MAX_PAGE_SIZE = 500;

export function listParams(query: QueryParameters, fields?: Parameters<typeof gmailListFilter>[1]): ListParams {
  const pageToken = query.nonEmpty('nextPage');
  return {
    ...gmailListFilter(query.nonEmpty('where'), fields),
    maxResults: query.integer('pageSize', { min: 1, max: MAX_PAGE_SIZE, fallback: 100 }),
    ...(pageToken ? { pageToken } : {}),
  };
}

export function pageHeaders(nextPageToken: string | undefined): Record<string, string> {
  return nextPageToken ? { [HUB_HEADERS.nextPageToken]: nextPageToken } : {};
}
