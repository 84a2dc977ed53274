// The one reading of a hub URL — `/hubs/{hub}/messages?where=…`, as a poller configuration spells it,
// or a bare operation path — into the operation path and query the engine routes on. HubService.execute
// applies it to every request, so the poller hands a configured URL over as it is.

import type { HubQuery } from './hubContract.ts';

/**
 * The path after `/hubs/{hub}` (whichever hub the URL names: the instance decides the hub) and the
 * query string's parameters, a repeated name kept as a list. `query` is merged over the URL's own.
 */
export function splitHubUrl(url: string, query: HubQuery = {}): { path: string; query: HubQuery } {
  const mark = url.indexOf('?');
  const pathPart = mark === -1 ? url : url.slice(0, mark);
  const rooted = pathPart.startsWith('/') ? pathPart : `/${pathPart}`;
  const path = rooted.replace(/^\/hubs\/[^/]+(?=\/|$)/, '') || '/';
  if (mark === -1) return { path, query };
  const merged: HubQuery = {};
  for (const [name, value] of new URLSearchParams(url.slice(mark + 1))) {
    const earlier = merged[name];
    merged[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
  }
  return { path, query: { ...merged, ...query } };
}
