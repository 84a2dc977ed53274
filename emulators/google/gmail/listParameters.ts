// The listing parameters messages.list, threads.list and drafts.list share (`q`, `labelIds`,
// `maxResults`, `pageToken`, `includeSpamTrash`), turned into a store query once per call.

import { GoogleApiError } from '../googleErrors.ts';
import { isMetadataOnly } from '../oauth/scopes.ts';
import type { GmailCall } from './apiRoute.ts';
import type { ListQuery, Mailbox, StoredMessage } from './mailboxStore.ts';
import { decodeListToken } from './pageTokens.ts';
import { compileSearchQuery, InvalidSearchQuery } from './searchQuery.ts';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;

/** `q` naming trash or spam shows them even without includeSpamTrash, as in Gmail's own search box. */
const NAMES_SPAM_OR_TRASH = /(?:^|[\s(-])(?:in|label):(?:trash|spam|anywhere|bin)\b/i;

export function listQueryFrom(call: GmailCall, kind: 'messages' | 'threads' | 'drafts', options: { labels: boolean }): ListQuery {
  const { query, mailbox } = call;
  const q = query.string('q');
  const labelIds = options.labels ? query.list('labelIds') : [];
  if (q !== undefined && q.trim() !== '' && isMetadataOnly(call.token.scopes)) {
    throw GoogleApiError.forbidden("Metadata scope does not support 'q' parameter");
  }
  const pageToken = query.string('pageToken');
  const matches = q === undefined || q.trim() === '' ? undefined : compileQuery(q, mailbox);
  return {
    labelIds,
    ...(matches !== undefined ? { matches } : {}),
    includeSpamTrash: query.boolean('includeSpamTrash', false) || (q !== undefined && NAMES_SPAM_OR_TRASH.test(q)),
    maxResults: query.uint('maxResults', { fallback: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE }),
    ...(pageToken !== undefined && pageToken !== '' ? { after: decodeListToken(kind, pageToken) } : {}),
  };
}

function compileQuery(q: string, mailbox: Mailbox): (m: StoredMessage) => boolean {
  try {
    const predicate = compileSearchQuery(q, {
      labelIdForName: (name) => mailbox.labels.idForName(name),
      now: new Date(),
      userEmail: mailbox.email,
    });
    return (m) => predicate(mailbox.searchable(m));
  } catch (error) {
    if (error instanceof InvalidSearchQuery) throw GoogleApiError.invalidArgument(`Invalid query: ${error.message}`);
    throw error;
  }
}
