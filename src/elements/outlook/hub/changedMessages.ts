// GET /changed-messages: the change feed the poller reads, over Graph's per-folder message delta. The
// cursor (deltaCursor.ts) holds one delta link per watched folder. An idle call is one delta request
// per watched folder (all of WATCHED_FOLDERS, or those a `folders` parameter names); changes cost the pages Graph splits them into, up to a page budget per folder,
// past which the in-progress links go in the cursor and Elements-Has-More says to call again. A call
// without a cursor is the baseline: each folder's first enumeration is read (and not reported) and the
// cursor returned. A failed request fails the call, so a cursor never moves past an unreported change.
// When Graph no longer keeps a folder's sync state (410 Gone, syncStateNotFound), the call throws
// CursorExpired: the poller recovers through /message-states. A removal without its arrival is checked
// against the mailbox before it is reported (removalChecks.ts).

import { BadRequest, ProviderError } from '../../../errors/index.ts';
import { CursorExpired, HUB_HEADERS, ok, type HubOperation } from '../../../hubs/index.ts';
import { isExpiredSyncState } from '../graphErrors.ts';
import { mergeRounds } from './changeMerge.ts';
import { decodeCursor, encodeCursor, type DeltaCursor } from './deltaCursor.ts';
import { readFolderRound, type FolderRound } from './deltaRounds.ts';
import { GraphApi } from './graphApi.ts';
import { changedMessageSchema, changedMessagesQuerySchema } from './outlookSchemas.ts';
import { checkRemovals } from './removalChecks.ts';
import { requestedFolders, WATCHED_FOLDERS } from './watchedFolders.ts';

/** Delta pages read per folder and call, unless maxPagesPerFolder says otherwise. */
export const DEFAULT_PAGES_PER_FOLDER = 10;

async function baselineRound(graph: GraphApi, folder: string, maxPages: number): Promise<FolderRound | undefined> {
  try {
    return await readFolderRound(graph, folder, undefined, maxPages);
  } catch (error) {
    // A mailbox without this well-known folder (some have no Archive): nothing to watch there.
    if (error instanceof ProviderError && error.details.providerStatus === 404) return undefined;
    throw error;
  }
}

function expired(error: unknown): CursorExpired | undefined {
  if (!(error instanceof ProviderError) || error instanceof CursorExpired) return undefined;
  if (!isExpiredSyncState(error.details.providerStatus, error.details.providerError)) return undefined;
  return new CursorExpired(
    `The cursor has expired: Outlook Email no longer keeps the delta state of a watched folder. Resynchronize, then continue from a new baseline (call without a cursor). ${error.message}`,
    { ...(error.details.providerStatus !== undefined ? { providerStatus: error.details.providerStatus } : {}), ...(error.details.providerError !== undefined ? { providerError: error.details.providerError } : {}) },
    { cause: error },
  );
}

export const changedMessagesOperation: HubOperation = {
  method: 'GET',
  path: '/changed-messages',
  tag: 'changed-messages',
  summary: `Messages created, changed or deleted since a cursor in the watched folders (${WATCHED_FOLDERS.join(', ')}, or those named in folders), through Graph's message delta; the next cursor is in Elements-Next-Cursor`,
  schema: { querystring: changedMessagesQuerySchema, response: { type: 'array', items: changedMessageSchema } },
  async handle({ provider, query }) {
    const graph = new GraphApi(provider);
    const cursorText = query.nonEmpty('cursor');
    const maxPages = query.integer('maxPagesPerFolder', { min: 1, max: 100, fallback: DEFAULT_PAGES_PER_FOLDER });
    if (query.nonEmpty('where') !== undefined) throw new BadRequest(`changed-messages takes no where: it reports every change in the watched folders (${WATCHED_FOLDERS.join(', ')}); narrow them with folders`);
    const requested = requestedFolders(query);
    let rounds: FolderRound[];
    try {
      // One folder after another: Graph allows a mailbox 4 requests in flight, and other calls share them.
      // With a cursor, its folders, less those `folders` leaves out, plus a baseline of those it adds.
      rounds = [];
      const cursor = cursorText === undefined ? {} : decodeCursor(cursorText);
      const folders: readonly string[] = requested ?? (cursorText === undefined ? WATCHED_FOLDERS : Object.keys(cursor));
      for (const folder of folders) {
        const state = cursor[folder];
        const round = state === undefined ? await baselineRound(graph, folder, maxPages) : await readFolderRound(graph, folder, state, maxPages);
        if (round !== undefined) rounds.push(round);
      }
      if (rounds.length === 0) throw new ProviderError(`Outlook Email has none of the watched folders (${folders.join(', ')}) for this mailbox`, { statusCode: 502 });
    } catch (error) {
      throw expired(error) ?? error;
    }
    const next: DeltaCursor = {};
    for (const round of rounds) next[round.folder] = round.next;
    const headers: Record<string, string> = { [HUB_HEADERS.nextCursor]: encodeCursor(next) };
    if (rounds.some((round) => round.more)) headers[HUB_HEADERS.hasMore] = 'true';
    return ok(await checkRemovals(graph, mergeRounds(rounds), rounds.map((round) => round.folder)), headers);
  },
};
