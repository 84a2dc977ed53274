// GET /me/mailFolders/{id}/messages/delta: Graph's change tracking for one folder. The first call
// (optionally with $select, changeType, $filter=receivedDateTime ge|gt …, $top or
// `Prefer: odata.maxpagesize`) pages through every message of the folder with @odata.nextLink
// ($skiptoken) and ends with @odata.deltaLink ($deltatoken). Calling the delta link returns what
// changed in the folder since: created or updated messages (latest state, once each) and
// `{"@odata.type": "#microsoft.graph.message", "id", "@removed": {"reason": "deleted"}}` for messages
// deleted or moved out. A token older than the retention window, or voided by the control API,
// answers 410 Gone with code SyncStateNotFound: the client must start a new initial round.

import type { FastifyInstance } from 'fastify';
import type { EmulatorState } from '../../emulatorState.ts';
import { GraphError } from '../../microsoftErrors.ts';
import { READ_MAIL } from '../../oauth/scopes.ts';
import { baseSequence, type DeltaQuery, type DeltaState, decodeDeltaToken, encodeDeltaToken } from '../deltaTokens.ts';
import { type GraphContext, graphRoute } from '../graphRoute.ts';
import type { Mailbox } from '../mailboxStore.ts';
import type { StoredMessage } from '../mailModel.ts';
import { parseSelect, renderMessage } from '../messageShape.ts';
import { DEFAULT_PAGE_SIZE, parseTop, preferredPageSize } from '../odataQuery.ts';
import { folderOrThrow } from './mailFolders.ts';

export function registerDeltaRoutes(app: FastifyInstance, state: EmulatorState): void {
  graphRoute(app, state, 'GET', '/mailFolders/:folderId/messages/delta', READ_MAIL, (context) => delta(state, context));
}

function delta(state: EmulatorState, context: GraphContext): Record<string, unknown> {
  const { mailbox, query, request, reply } = context;
  const folder = folderOrThrow(mailbox, context.params.folderId as string);
  const token = query.$skiptoken ?? query.$deltatoken;
  const preferred = preferredPageSize(request.headers.prefer);
  if (preferred !== undefined) {
    const applied = reply.getHeader('preference-applied');
    reply.header('preference-applied', [applied, `odata.maxpagesize=${preferred}`].filter((v) => typeof v === 'string' && v !== '').join(', '));
  }

  let deltaState: DeltaState;
  if (token === undefined) {
    deltaState = {
      mailbox: mailbox.email,
      folderId: folder.id,
      issuedAt: Date.now(),
      query: initialQuery(query, preferred),
      cursor: { phase: 'initial', base: mailbox.currentSeq },
    };
  } else {
    deltaState = decodeDeltaToken(token);
    if (deltaState.mailbox !== mailbox.email || deltaState.folderId !== folder.id) {
      throw GraphError.badRequest('The delta token does not belong to this folder.', 'ErrorInvalidSyncStateData');
    }
    checkNotExpired(state, mailbox, deltaState);
    if (preferred !== undefined) deltaState.query.pageSize = preferred;
    if (deltaState.cursor.phase === 'link') {
      // A new round: the changes after the link's sequence, up to now.
      deltaState = { ...deltaState, issuedAt: Date.now(), cursor: { phase: 'changes', since: deltaState.cursor.since, upTo: mailbox.currentSeq } };
    }
  }
  return page(context, mailbox, folder.id, deltaState);
}

function initialQuery(query: Record<string, string | undefined>, preferred: number | undefined): DeltaQuery {
  const select = parseSelect(query.$select);
  const changeType = query.changeType;
  if (changeType !== undefined && changeType !== 'created' && changeType !== 'updated' && changeType !== 'deleted') {
    throw GraphError.badRequest(`Invalid value '${changeType}' for changeType.`, 'ErrorInvalidParameter');
  }
  const result: DeltaQuery = { pageSize: preferred ?? (query.$top !== undefined ? Math.max(1, parseTop(query.$top)) : DEFAULT_PAGE_SIZE) };
  if (select !== undefined) result.select = select;
  if (changeType !== undefined) result.changeType = changeType;
  if (query.$filter !== undefined) {
    // Delta on messages supports only a lower bound on receivedDateTime (documented: ge; gt accepted too).
    const match = /^\s*receivedDateTime\s+(ge|gt)\s+'?([^'\s]+)'?\s*$/i.exec(query.$filter);
    const at = match === null ? Number.NaN : Date.parse(match[2] as string);
    if (match === null || Number.isNaN(at)) throw GraphError.badRequest('Delta queries on messages support only $filter=receivedDateTime ge {dateTime}.', 'ErrorInvalidUrlQueryFilter');
    result.receivedFrom = { at, inclusive: (match[1] as string).toLowerCase() === 'ge' };
  }
  return result;
}

function checkNotExpired(state: EmulatorState, mailbox: Mailbox, deltaState: DeltaState): void {
  const tooOld = Date.now() - deltaState.issuedAt >= state.settings.deltaRetentionSeconds * 1000;
  if (tooOld || baseSequence(deltaState) < mailbox.deltaFloor) {
    throw new GraphError(410, 'SyncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');
  }
}

function page(context: GraphContext, mailbox: Mailbox, folderId: string, deltaState: DeltaState): Record<string, unknown> {
  const { query: deltaQuery, cursor } = deltaState;
  const size = deltaQuery.pageSize;
  const entries: Record<string, unknown>[] = [];
  let more = false;
  let nextCursor: DeltaState['cursor'] | undefined;
  const since = cursor.phase === 'initial' ? cursor.base : cursor.phase === 'changes' ? cursor.upTo : cursor.since;

  if (cursor.phase === 'initial') {
    const from = deltaQuery.receivedFrom;
    const all = [...mailbox.messages.values()]
      .filter((m) => m.folderId === folderId)
      .filter((m) => from === undefined || (from.inclusive ? m.receivedAt >= from.at : m.receivedAt > from.at))
      .sort(initialOrder);
    const after = cursor.after;
    const start = after === undefined ? 0 : all.findIndex((m) => initialOrder(m, { receivedAt: after.receivedAt, id: after.id }) > 0);
    const remaining = start < 0 ? [] : all.slice(start);
    const slice = remaining.slice(0, size);
    // changeType=updated/deleted: the initial round lists nothing but still ends with a delta link.
    const wanted = deltaQuery.changeType === undefined || deltaQuery.changeType === 'created';
    for (const message of slice) if (wanted) entries.push({ '@odata.type': '#microsoft.graph.message', ...renderMessage(message, deltaQuery.select) });
    more = remaining.length > size;
    const last = slice[slice.length - 1];
    if (more && last !== undefined) nextCursor = { phase: 'initial', base: cursor.base, after: { receivedAt: last.receivedAt, id: last.id } };
  } else if (cursor.phase === 'changes') {
    const changes = mailbox.changesSince(folderId, cursor.since, cursor.upTo).filter((c) => {
      const id = c.kind === 'removed' ? c.id : c.message.id;
      return cursor.afterId === undefined || id > cursor.afterId;
    });
    const wanted = changes.filter((c) => deltaQuery.changeType === undefined || deltaQuery.changeType === (c.kind === 'removed' ? 'deleted' : c.kind));
    const slice = wanted.slice(0, size);
    for (const change of slice) {
      if (change.kind === 'removed') entries.push({ '@odata.type': '#microsoft.graph.message', id: change.id, '@removed': { reason: 'deleted' } });
      else entries.push({ '@odata.type': '#microsoft.graph.message', ...renderMessage(change.message, deltaQuery.select) });
    }
    more = wanted.length > size;
    const last = slice[slice.length - 1];
    if (more && last !== undefined) nextCursor = { ...cursor, afterId: last.kind === 'removed' ? last.id : last.message.id };
  }

  const link = new URL(`/v1.0/me/mailFolders/${encodeURIComponent(context.params.folderId as string)}/messages/delta`, context.origin);
  const result: Record<string, unknown> = { '@odata.context': `${context.contextBase}/mailFolders('${context.params.folderId}')/messages(${deltaQuery.select?.join(',') ?? ''})/delta()`.replace('messages()', 'messages') };
  if (more && nextCursor !== undefined) {
    link.searchParams.set('$skiptoken', encodeDeltaToken({ ...deltaState, cursor: nextCursor }));
    result['@odata.nextLink'] = link.toString().replace(/%24/g, '$');
  } else {
    link.searchParams.set('$deltatoken', encodeDeltaToken({ ...deltaState, issuedAt: Date.now(), cursor: { phase: 'link', since } }));
    result['@odata.deltaLink'] = link.toString().replace(/%24/g, '$');
  }
  result.value = entries;
  return result;
}

/** The initial round's order: newest first, then by id, so a cursor can say "after this one". */
function initialOrder(a: Pick<StoredMessage, 'receivedAt' | 'id'>, b: Pick<StoredMessage, 'receivedAt' | 'id'>): number {
  return b.receivedAt - a.receivedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
