// users.history.list and users.getProfile: the two calls an idle poller makes. Both are on the hot
// path of every benchmark, so they do no more than a binary search and a few property reads.

import type { FastifyInstance } from 'fastify';
import type { EmulatorState } from '../../emulatorState.ts';
import { GoogleApiError } from '../../googleErrors.ts';
import { registerGmailMethod } from '../apiRoute.ts';
import { HISTORY_TYPES, type HistoryType } from '../historyLog.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../listParameters.ts';
import { renderHistoryRecord } from '../messageFormats.ts';
import { decodeHistoryToken, encodeHistoryToken } from '../pageTokens.ts';

export function registerHistoryRoutes(app: FastifyInstance, state: EmulatorState): void {
  registerGmailMethod(app, state, {
    id: 'gmail.users.history.list',
    httpMethod: 'GET',
    path: '/gmail/v1/users/:userId/history',
    cost: 2,
    handle(call) {
      const { mailbox, query } = call;
      const startHistoryId = query.requiredUint64('startHistoryId');
      const pageToken = query.string('pageToken');
      const after = pageToken === undefined || pageToken === '' ? startHistoryId : decodeHistoryToken(pageToken);
      const types = historyTypes(query.list('historyTypes'));
      const labelId = query.string('labelId');
      mailbox.applyRetention();
      // A start id from before the retained history (or from the future) cannot be served: the
      // caller must resynchronise with a full listing, exactly as against Gmail.
      if (!mailbox.history.canServe(startHistoryId) || !mailbox.history.canServe(after)) throw GoogleApiError.notFound();
      const page = mailbox.history.page({
        after,
        maxResults: query.uint('maxResults', { fallback: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE }),
        ...(types !== undefined ? { types } : {}),
        ...(labelId !== undefined && labelId !== '' ? { labelId } : {}),
      });
      const out: Record<string, unknown> = {};
      if (page.records.length > 0) out.history = page.records.map(renderHistoryRecord);
      if (page.continueAfter !== undefined) out.nextPageToken = encodeHistoryToken(page.continueAfter);
      out.historyId = String(mailbox.historyId);
      return out;
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.getProfile',
    httpMethod: 'GET',
    path: '/gmail/v1/users/:userId/profile',
    cost: 1,
    handle({ mailbox }) {
      return {
        emailAddress: mailbox.email,
        messagesTotal: mailbox.messageCount,
        threadsTotal: mailbox.threadCount,
        historyId: String(mailbox.historyId),
      };
    },
  });
}

function historyTypes(values: string[]): ReadonlySet<HistoryType> | undefined {
  if (values.length === 0) return undefined;
  const types = new Set<HistoryType>();
  for (const value of values) {
    const type = HISTORY_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
    if (type === undefined) throw GoogleApiError.invalidParameterValue('history_types', 'TYPE_ENUM', value);
    types.add(type);
  }
  return types;
}
