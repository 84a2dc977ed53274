// GET /changed-messages: the change feed the poller reads, over Gmail's History API. An idle call is
// one history.list (2 units); each created or updated message costs one metadata messages.get, sent
// through the batch endpoint; deletions cost nothing more. A failed fetch fails the call, so a cursor
// never moves past a change that was not returned.

import { ProviderError } from '../../../errors/index.ts';
import { CursorExpired, HUB_HEADERS, ok, type EventType, type HubOperation } from '../../../hubs/index.ts';
import { decodeCursor, encodeCursor, type ChangeCursor } from './changeCursor.ts';
import { GmailApi } from './gmailApi.ts';
import { changedMessagesQuerySchema, changedMessageSchema } from './gmailSchemas.ts';
import { collateHistory } from './historyChanges.ts';
import { historyLabelFilter } from './listFilters.ts';
import { normalizeMessage, type HubMessage } from './messageShape.ts';

export type ChangedMessage = (HubMessage & { eventType: Exclude<EventType, 'DELETED'> }) | { id: string; threadId: string; eventType: 'DELETED'; historyId: string };

export const changedMessagesOperation: HubOperation = {
  method: 'GET',
  path: '/changed-messages',
  tag: 'changed-messages',
  summary: 'Messages changed since a cursor (Gmail History API); the next cursor is in Elements-Next-Cursor',
  schema: { querystring: changedMessagesQuerySchema, response: { type: 'array', items: changedMessageSchema } },
  async handle({ provider, query }) {
    const gmail = new GmailApi(provider);
    const cursorText = query.nonEmpty('cursor');
    const maxResults = query.integer('pageSize', { min: 1, max: 500, fallback: 100 });
    const labelId = historyLabelFilter(query.nonEmpty('where'));
    if (cursorText === undefined) {
      // The baseline: nothing to report, only where to start from (getProfile, 1 unit).
      const profile = await gmail.profile();
      return ok([], { [HUB_HEADERS.nextCursor]: encodeCursor({ historyId: profile.historyId }) });
    }
    const cursor = decodeCursor(cursorText);
    const page = await gmail
      .history({ startHistoryId: cursor.historyId, maxResults, ...(cursor.pageToken ? { pageToken: cursor.pageToken } : {}), ...(labelId ? { labelId } : {}) })
      .catch((error: unknown) => {
        if (error instanceof ProviderError && error.details.providerStatus === 404) {
          throw new CursorExpired(
            `The cursor has expired: Gmail no longer keeps history from ${cursor.historyId}. Resynchronize, then continue from a new baseline (call without a cursor). ${error.message}`,
            { providerStatus: 404, ...(error.details.providerError !== undefined ? { providerError: error.details.providerError } : {}) },
            { cause: error },
          );
        }
        throw error;
      });

    const changes = collateHistory(page.history ?? []);
    const wanted = changes.filter((change) => change.eventType !== 'DELETED');
    const messages = await gmail.messages(
      wanted.map((change) => change.id),
      'metadata',
    );
    const byId = new Map<string, HubMessage>();
    for (const message of messages) if (message) byId.set(message.id, normalizeMessage(message, { includeBody: false }));

    const records: ChangedMessage[] = [];
    for (const change of changes) {
      if (change.eventType === 'DELETED') {
        records.push({ id: change.id, threadId: change.threadId, eventType: 'DELETED', historyId: change.historyId });
        continue;
      }
      const message = byId.get(change.id);
      // Gone since the change: its deletion is further on in the history and is reported there.
      if (message === undefined) continue;
      // The change's history id, not the message's latest: a repeated poll must see the same version.
      records.push({ ...message, eventType: change.eventType, historyId: change.historyId });
    }

    const next: ChangeCursor = page.nextPageToken ? { historyId: cursor.historyId, pageToken: page.nextPageToken } : { historyId: page.historyId };
    const headers: Record<string, string> = { [HUB_HEADERS.nextCursor]: encodeCursor(next) };
    if (page.nextPageToken) headers[HUB_HEADERS.hasMore] = 'true';
    return ok(records, headers);
  },
};
