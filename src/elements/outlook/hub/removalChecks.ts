// The removals the change feed reports as DELETED, checked against the mailbox first. The watched
// folders are read one after another, so a move between two of them can fall across two calls: the
// folder it left is read after the move while the folder it entered was read before it (in this call,
// or the move came between an earlier call's two reads). Its removal then arrives without its arrival.
// So each removal not matched by an arrival in the same call (changeMerge.ts) is looked up: a message
// Graph no longer has (404), or has in a folder the feed does not watch, was deleted or moved out:
// DELETED. One in a watched folder moved there: that folder's delta reports it (it did in an earlier
// call, or will in the next), so the removal is left out. A call costs one request per such removal,
// and the watched folders' ids once when a message is found; an idle call costs nothing more.

import { ProviderError } from '../../../errors/index.ts';
import type { ChangedMessage } from './changeMerge.ts';
import type { GraphApi } from './graphApi.ts';

function notFound(error: unknown): boolean {
  return error instanceof ProviderError && error.details.providerStatus === 404;
}

/** The ids of the watched folders this mailbox has. */
async function watchedFolderIds(graph: GraphApi, folders: readonly string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const name of folders) {
    try {
      ids.add((await graph.folder(name)).id);
    } catch (error) {
      if (!notFound(error)) throw error;
    }
  }
  return ids;
}

/** The records, less the removals of messages that are now in another of the watched `folders` (well-known names). */
export async function checkRemovals(graph: GraphApi, records: readonly ChangedMessage[], folders: readonly string[]): Promise<ChangedMessage[]> {
  let watched: Set<string> | undefined;
  const checked: ChangedMessage[] = [];
  for (const record of records) {
    if (record.eventType === 'DELETED') {
      let folder: unknown;
      try {
        folder = (await graph.message(record.id, ['id', 'parentFolderId'])).parentFolderId;
      } catch (error) {
        if (!notFound(error)) throw error;
      }
      if (typeof folder === 'string') {
        watched ??= await watchedFolderIds(graph, folders);
        if (watched.has(folder)) continue;
      }
    }
    checked.push(record);
  }
  return checked;
}
