// Typed Microsoft Graph v1.0 mail calls over a ProviderSession, one method per Graph method the hub
// uses, and the one reading of the links Graph pages with (@odata.nextLink, @odata.deltaLink).
//
// Graph answers links as absolute URLs on its own origin. Only their path and query after the API
// base path are kept and always called on the session's base URL: a link that came back through a
// client (a page token, a cursor) can never send the instance's token to another origin.
//
// Not sent yet: `Prefer: IdType="ImmutableId"` (ids that survive a move between folders, which the
// change feed's move detection relies on) and `Prefer: odata.maxpagesize` (delta pages larger than
// Graph's default of 10): the engine's SessionCall carries no request headers. Until it does, Graph's
// default ids and page size apply.

import { BadRequest, ProviderError } from '../../../errors/index.ts';
import type { ProviderOperation, ProviderQuery, ProviderSession } from '../../../hubs/index.ts';

/** Graph methods by their documented name, for metrics (Graph publishes no per-call cost). */
export const GRAPH_METHODS = {
  userGet: { name: 'user.get' },
  messageList: { name: 'user.messages.list' },
  messageGet: { name: 'message.get' },
  messageUpdate: { name: 'message.update' },
  messageDelete: { name: 'message.delete' },
  messageMove: { name: 'message.move' },
  sendMail: { name: 'user.sendMail' },
  attachmentList: { name: 'message.attachments.list' },
  folderList: { name: 'user.mailFolders.list' },
  folderGet: { name: 'mailFolder.get' },
  folderMessageList: { name: 'mailFolder.messages.list' },
  messageDelta: { name: 'message.delta' },
} as const satisfies Record<string, ProviderOperation>;

const M = GRAPH_METHODS;
const ME = '/me';

export type GraphObject = Record<string, unknown> & { id: string };

/** A page of a Graph collection, or of a delta round. */
export interface GraphPage<T = GraphObject> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

export interface GraphListParams {
  select?: readonly string[];
  filter?: string;
  orderBy?: string;
  top?: number;
}

function seg(id: string): string {
  return encodeURIComponent(id);
}

function listQuery(params: GraphListParams): ProviderQuery {
  return {
    ...(params.select ? { $select: params.select.join(',') } : {}),
    ...(params.filter ? { $filter: params.filter } : {}),
    ...(params.orderBy ? { $orderby: params.orderBy } : {}),
    ...(params.top !== undefined ? { $top: params.top } : {}),
  };
}

/**
 * A Graph link (absolute, on Graph's origin or an emulator's) as a path under the API base URL, with
 * its query; undefined when it does not lie under that base path.
 */
export function linkPath(apiBaseUrl: string, link: string): string | undefined {
  let url: URL;
  let base: URL;
  try {
    url = new URL(link, apiBaseUrl);
    base = new URL(apiBaseUrl);
  } catch {
    return undefined;
  }
  const prefix = base.pathname.replace(/\/+$/, '');
  if (!url.pathname.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) return undefined;
  return `${url.pathname.slice(prefix.length)}${url.search}`;
}

/** A link path taken back from a client (page token, cursor): it must name a mail listing or a message delta of the mailbox. */
export function checkedLinkPath(path: string, kind: 'list' | 'delta'): string {
  const mail = /^\/(me|users\/[^/?#]+)\/(messages|mailFolders)(\/|\(|\?|$)/i;
  const delta = /\/messages\/(microsoft\.graph\.)?delta(\(\))?\?/i;
  const ok = mail.test(path) && !path.includes('..') && !/[\s#]/.test(path) && (kind === 'list' || delta.test(path));
  if (!ok) throw new BadRequest(kind === 'list' ? 'nextPage is not a page token of this listing' : 'cursor is not a cursor of this feed');
  return path;
}

export class GraphApi {
  constructor(private readonly session: ProviderSession) {}

  /** The link path of a link Graph answered (a link anywhere else is a 502). */
  pathOf(link: string): string {
    const path = linkPath(this.session.apiBaseUrl, link);
    if (path === undefined) throw new ProviderError(`Outlook Email answered a link outside its API base URL: ${link}`, { statusCode: 502 });
    return path;
  }

  /** GET /me. */
  me(select: readonly string[] = ['id', 'displayName', 'mail', 'userPrincipalName']): Promise<GraphObject> {
    return this.session.json('GET', ME, { operation: M.userGet, query: listQuery({ select }) });
  }

  /** GET /me/messages, or /me/mailFolders/{id}/messages with a folder. */
  listMessages(params: GraphListParams, folderId?: string): Promise<GraphPage> {
    const path = folderId === undefined ? `${ME}/messages` : `${ME}/mailFolders/${seg(folderId)}/messages`;
    return this.session.json('GET', path, { operation: folderId === undefined ? M.messageList : M.folderMessageList, query: listQuery(params) });
  }

  /** The next page of a listing, from the link path of its @odata.nextLink. */
  nextPage(path: string, operation: ProviderOperation = M.messageList): Promise<GraphPage> {
    return this.session.json('GET', checkedLinkPath(path, 'list'), { operation });
  }

  /** GET /me/messages/{id}. */
  message(id: string, select?: readonly string[]): Promise<GraphObject> {
    return this.session.json('GET', `${ME}/messages/${seg(id)}`, { operation: M.messageGet, query: listQuery({ ...(select ? { select } : {}) }) });
  }

  /** PATCH /me/messages/{id}: setting the same fields twice is harmless, so it is retried like a read. */
  updateMessage(id: string, fields: Record<string, unknown>): Promise<GraphObject> {
    return this.session.json('PATCH', `${ME}/messages/${seg(id)}`, { operation: M.messageUpdate, json: fields, idempotent: true });
  }

  /** DELETE /me/messages/{id}. */
  async deleteMessage(id: string): Promise<void> {
    await this.session.send('DELETE', `${ME}/messages/${seg(id)}`, { operation: M.messageDelete });
  }

  /** POST /me/messages/{id}/move: answers the message in its new folder. Not repeated: a move is not idempotent in Graph's eyes. */
  moveMessage(id: string, destinationId: string): Promise<GraphObject> {
    return this.session.json('POST', `${ME}/messages/${seg(id)}/move`, { operation: M.messageMove, json: { destinationId }, idempotent: false });
  }

  /** POST /me/sendMail (202, no body). Not repeated after an ambiguous failure: it could send twice. */
  async sendMail(message: Record<string, unknown>, saveToSentItems = true): Promise<void> {
    await this.session.send('POST', `${ME}/sendMail`, { operation: M.sendMail, json: { message, saveToSentItems }, idempotent: false });
  }

  /** GET /me/messages/{id}/attachments. */
  attachments(id: string): Promise<GraphPage> {
    return this.session.json('GET', `${ME}/messages/${seg(id)}/attachments`, { operation: M.attachmentList });
  }

  /** GET /me/mailFolders. */
  folders(params: GraphListParams): Promise<GraphPage> {
    return this.session.json('GET', `${ME}/mailFolders`, { operation: M.folderList, query: listQuery(params) });
  }

  /** GET /me/mailFolders/{id} (an id or a well-known name). */
  folder(id: string): Promise<GraphObject> {
    return this.session.json('GET', `${ME}/mailFolders/${seg(id)}`, { operation: M.folderGet });
  }

  /**
   * One delta page: a folder's first (GET /me/mailFolders/{name}/messages/delta) or a link path of an
   * earlier page. The answer's Date header comes back too: when the page was served, by Graph's clock.
   */
  async deltaPage(start: { folder: string; select: readonly string[] } | { path: string }): Promise<{ page: GraphPage; servedAt?: number }> {
    const response =
      'path' in start
        ? await this.session.send('GET', checkedLinkPath(start.path, 'delta'), { operation: M.messageDelta })
        : await this.session.send('GET', `${ME}/mailFolders/${seg(start.folder)}/messages/delta`, { operation: M.messageDelta, query: listQuery({ select: start.select }) });
    let page: GraphPage;
    try {
      page = JSON.parse(response.body.toString('utf8')) as GraphPage;
    } catch (error) {
      throw new ProviderError(`Outlook Email answered a delta page that is not JSON`, { statusCode: 502, providerStatus: response.status }, { cause: error });
    }
    const date = Date.parse(response.headers.date ?? '');
    return { page: { ...page, value: Array.isArray(page.value) ? page.value : [] }, ...(Number.isFinite(date) ? { servedAt: date } : {}) };
  }
}
