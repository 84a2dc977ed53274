// Gmail history records collapsed into one change per message: what happened to each message in this
// window, as of the last change. Added → CREATED, labels changed → UPDATED (but a message the receiver
// has not seen yet stays CREATED), deleted → DELETED (also when it was added in the same window).

import type { EventType } from '../../../hubs/index.ts';
import type { GmailHistoryRecord, GmailMessageRef } from './gmailTypes.ts';

export interface MessageChange {
  id: string;
  threadId: string;
  eventType: EventType;
  /** Id of the history record of the last change: the change's version. */
  historyId: string;
}

export function collateHistory(records: readonly GmailHistoryRecord[]): MessageChange[] {
  const changes = new Map<string, MessageChange>();
  const record = (message: GmailMessageRef, historyId: string, happened: EventType) => {
    const earlier = changes.get(message.id);
    let eventType = happened;
    if (happened === 'UPDATED' && (earlier?.eventType === 'CREATED' || earlier?.eventType === 'DELETED')) eventType = earlier.eventType;
    // Re-inserting keeps the map in order of each message's last change.
    changes.delete(message.id);
    changes.set(message.id, { id: message.id, threadId: message.threadId ?? earlier?.threadId ?? '', eventType, historyId });
  };
  for (const entry of records) {
    for (const added of entry.messagesAdded ?? []) record(added.message, entry.id, 'CREATED');
    for (const labelled of entry.labelsAdded ?? []) record(labelled.message, entry.id, 'UPDATED');
    for (const unlabelled of entry.labelsRemoved ?? []) record(unlabelled.message, entry.id, 'UPDATED');
    for (const deleted of entry.messagesDeleted ?? []) record(deleted.message, entry.id, 'DELETED');
  }
  return [...changes.values()];
}
