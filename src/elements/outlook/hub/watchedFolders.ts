// The folders the change feed and the recovery snapshot watch, by Graph's well-known folder names:
// where a mailbox's mail lives unless its user files it elsewhere. Inbox, Sent Items, Drafts, Deleted
// Items, Archive and Junk Email: so a message arriving, sent, drafted, trashed, archived or marked as
// junk is a change the receiver hears of, and a move among them is an update, not a deletion. Left out:
// Outbox (mail passes through it on its way to Sent Items), Conversation History, the Recoverable Items
// folders (what Graph's DELETE leaves behind, which users do not see), Sync Issues and search folders.
// User-created folders are not watched: a message moved into one is DELETED for the feed.
//
// Graph's message delta is per folder, so an idle poll costs one request per watched folder. A poll
// URL may narrow them with `folders` (`/hubs/general/changed-messages?folders=inbox`: one request per
// idle poll, and a move out of the Inbox is then a deletion); the poller takes the recovery snapshot
// under the same query, so both read the same folders.

import { BadRequest } from '../../../errors/index.ts';
import type { QueryParameters } from '../../../hubs/index.ts';

export const WATCHED_FOLDERS = ['inbox', 'sentitems', 'drafts', 'deleteditems', 'archive', 'junkemail'] as const;

export type WatchedFolder = (typeof WATCHED_FOLDERS)[number];

export const FOLDERS_PARAMETER_DESCRIPTION = `Comma-separated well-known names of the folders to watch, among ${WATCHED_FOLDERS.join(', ')} (default: all of them)`;

/** The folders a call names in `folders`, each once in the order given; undefined when it names none. */
export function requestedFolders(query: QueryParameters): WatchedFolder[] | undefined {
  const text = query.nonEmpty('folders');
  if (text === undefined) return undefined;
  const folders: WatchedFolder[] = [];
  for (const name of text.split(',').map((part) => part.trim().toLowerCase())) {
    if (!(WATCHED_FOLDERS as readonly string[]).includes(name)) {
      throw new BadRequest(`folders: '${name}' is not a folder the feed can watch; name any of ${WATCHED_FOLDERS.join(', ')}, separated by commas`);
    }
    if (!folders.includes(name as WatchedFolder)) folders.push(name as WatchedFolder);
  }
  return folders;
}
