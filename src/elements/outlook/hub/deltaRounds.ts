// Reads each watched folder's delta round as far as the page budget allows: from the folder's link in
// the cursor (or, for a baseline, from a fresh delta request), following @odata.nextLink until Graph
// answers an @odata.deltaLink. An idle folder costs one request: its deltaLink answers an empty page
// with the next deltaLink. A folder whose budget runs out keeps its nextLink in the cursor and the
// call says there is more. When a round closes, the folder's cursor takes the time the round began
// (Graph served its first page) and the edge of messages created from then on that it saw
// (deltaCursor.ts).

import { ProviderError } from '../../../errors/index.ts';
import { roundDigest, type EdgeMessages, type FolderCursor } from './deltaCursor.ts';
import type { GraphApi, GraphObject } from './graphApi.ts';
import { MESSAGE_FIELDS } from './messageShape.ts';

export interface FolderRound {
  folder: string;
  /** Entries of the pages read, in order; a removal carries `@removed`. Empty for an initial round. */
  entries: GraphObject[];
  /** When the previous round began, and the edge it left (deltaCursor.ts). */
  since: number;
  edge: EdgeMessages;
  /** Digest of that deltaLink. */
  round: string;
  /** Where the folder stands after this call. */
  next: FolderCursor;
  /** The round is not over: its nextLink is in `next`. */
  more: boolean;
}

/** More messages created during a round than this are not remembered (they may be reported as CREATED again). */
const MAX_EDGE = 1000;

export function isRemoval(entry: GraphObject): boolean {
  return entry['@removed'] !== undefined;
}

/** createdDateTime in epoch seconds, or undefined. */
export function createdSecond(entry: GraphObject): number | undefined {
  const value = typeof entry.createdDateTime === 'string' ? Date.parse(entry.createdDateTime) : Number.NaN;
  return Number.isFinite(value) ? Math.floor(value / 1000) : undefined;
}

function newest(edge: Map<string, number>): Map<string, number> {
  if (edge.size <= MAX_EDGE) return edge;
  return new Map([...edge.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_EDGE));
}

/** One folder's round, from its cursor, or from the start when `state` is undefined (a baseline). */
export async function readFolderRound(graph: GraphApi, folder: string, state: FolderCursor | undefined, maxPages: number): Promise<FolderRound> {
  const initial = state === undefined || state.initial === true;
  const since = state?.since ?? 0;
  const edge = state?.edge ?? new Map<string, number>();
  const round = state?.round ?? '';
  const pending = new Map(state?.pending ?? []);
  const entries: GraphObject[] = [];
  let link = state?.link;
  /** When the round began (epoch s): known from the cursor while it is under way, else its first page. */
  let started = state?.started === undefined ? undefined : Math.floor(state.started / 1000);
  for (let pages = 1; ; pages++) {
    const requestedAt = Date.now();
    const { page, servedAt } = await graph.deltaPage(link === undefined ? { folder, select: MESSAGE_FIELDS } : { path: link });
    // Graph's clock when it served the page (its Date header has whole seconds); ours otherwise.
    started ??= Math.floor((servedAt ?? requestedAt) / 1000);
    for (const entry of page.value) {
      const created = createdSecond(entry);
      if (isRemoval(entry)) pending.delete(entry.id);
      else if (created !== undefined && created >= started - 1) pending.set(entry.id, created);
    }
    if (!initial) entries.push(...page.value);
    const deltaLink = page['@odata.deltaLink'];
    const nextLink = page['@odata.nextLink'];
    if (nextLink !== undefined) {
      link = graph.pathOf(nextLink);
      if (pages < maxPages) continue;
      return { folder, entries, since, edge, round, more: true, next: { link, since, edge, round, started: started * 1000, pending, ...(initial ? { initial: true } : {}) } };
    }
    if (deltaLink === undefined) throw new ProviderError(`Outlook Email answered a delta page of ${folder} with neither a nextLink nor a deltaLink`, { statusCode: 502 });
    const path = graph.pathOf(deltaLink);
    const nextEdge = new Map<string, number>();
    for (const [id, created] of [...edge, ...pending]) if (created >= started - 1) nextEdge.set(id, created);
    return { folder, entries, since, edge, round, more: false, next: { link: path, since: started * 1000, edge: newest(nextEdge), round: roundDigest(path) } };
  }
}
