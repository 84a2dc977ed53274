// The change feed's records from the delta rounds of the watched folders, merged into one change per
// message. Graph's delta is per folder and says only "this message is here now, as it is" or
// "@removed: it left this folder"; it never says created or updated. So:
//   - a message reported in a folder is CREATED when the earlier rounds of that folder (and of any
//     watched folder it left in the same poll) did not see it: Graph created it no earlier than a
//     second before the previous round began, and that round's edge does not hold it (deltaCursor.ts).
//     The receiver cannot have heard of it. Otherwise it is UPDATED: a change to a message that was
//     there before.
//   - a message that left a watched folder and arrived in another in the same poll moved between
//     watched folders: it is reported once, from its new folder (UPDATED, unless new as above).
//   - a message that left a watched folder and arrived in none of the others in this poll was deleted,
//     moved out of what the feed watches, or moved to a watched folder read before the move: DELETED
//     here, which removalChecks.ts checks against the mailbox before it is reported.
// Each record carries a `version`: for a message reported as it is, a digest of its changeKey (Graph's
// version of the item) and its folder, so a move is a new version even when Graph keeps the changeKey;
// for a removal, the digest of the deltaLink that opened the round, so reading the same round again
// reports it with the same version and a later removal of the same id is a new one.

import { createHash } from 'node:crypto';
import type { EventType } from '../../../hubs/index.ts';
import { createdSecond, isRemoval, type FolderRound } from './deltaRounds.ts';
import type { GraphObject } from './graphApi.ts';
import { hubMessage, type HubMessage } from './messageShape.ts';

export type ChangedMessage = (HubMessage & { eventType: Exclude<EventType, 'DELETED'>; version: string }) | { id: string; eventType: 'DELETED'; version: string };

interface Sighting {
  round: FolderRound;
  entry: GraphObject;
  removed: boolean;
}

export function messageVersion(entry: GraphObject): string {
  const changeKey = entry.changeKey ?? entry.lastModifiedDateTime ?? null;
  return createHash('sha256')
    .update(JSON.stringify([changeKey, entry.parentFolderId ?? null]))
    .digest('base64url')
    .slice(0, 22);
}

/** Whether the rounds before `round` in its folder did not see a message created at `created` (epoch s). */
function newToFolder(round: FolderRound, id: string, created: number): boolean {
  if (created < Math.floor(round.since / 1000) - 1) return false;
  return !round.edge.has(id);
}

export function mergeRounds(rounds: readonly FolderRound[]): ChangedMessage[] {
  // Per message, its last sighting in each folder, in order of first appearance.
  const sightings = new Map<string, Map<string, Sighting>>();
  for (const round of rounds) {
    for (const entry of round.entries) {
      if (typeof entry.id !== 'string' || entry.id === '') continue;
      const byFolder = sightings.get(entry.id) ?? new Map<string, Sighting>();
      byFolder.set(round.folder, { round, entry, removed: isRemoval(entry) });
      sightings.set(entry.id, byFolder);
    }
  }
  const records: ChangedMessage[] = [];
  for (const [id, byFolder] of sightings) {
    const all = [...byFolder.values()];
    const here = all.filter((sighting) => !sighting.removed).at(-1);
    if (here === undefined) {
      records.push({ id, eventType: 'DELETED', version: (all[0] as Sighting).round.round });
      continue;
    }
    const created = createdSecond(here.entry);
    const isNew = created !== undefined && all.every((sighting) => newToFolder(sighting.round, id, created));
    const { '@removed': _removed, ...entry } = here.entry;
    records.push({ ...hubMessage(entry as GraphObject), eventType: isNew ? 'CREATED' : 'UPDATED', version: messageVersion(here.entry) });
  }
  return records;
}
