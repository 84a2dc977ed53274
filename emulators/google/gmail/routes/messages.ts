// users.messages.*: list, get, insert, import, send, modify, trash, untrash, delete, batchModify,
// batchDelete and attachments.get, with Gmail's quota costs, defaults and error answers.

import type { FastifyInstance } from 'fastify';
import type { EmulatorState } from '../../emulatorState.ts';
import { GoogleApiError } from '../../googleErrors.ts';
import { isMetadataOnly } from '../../oauth/scopes.ts';
import { checkId, jsonObjectBody, registerGmailMethod, stringList, type GmailCall } from '../apiRoute.ts';
import { UNASSIGNABLE_LABELS } from '../labelBook.ts';
import { listQueryFrom } from '../listParameters.ts';
import { completeSend, ensureSender, recipientsOf } from '../mailDelivery.ts';
import type { Mailbox, StoredMessage } from '../mailboxStore.ts';
import { labelsView, messageStub, paddedBase64Url, parseMessageFormat, renderMessage, type MessageFormat } from '../messageFormats.ts';
import { readUploadedMessage, requestedThreadId } from '../messageUpload.ts';
import { parseRawMessage } from '../mimeMessage.ts';
import { encodeListToken } from '../pageTokens.ts';

const BASE = '/gmail/v1/users/:userId/messages';
const MAX_BATCH_IDS = 1000;

export function registerMessageRoutes(app: FastifyInstance, state: EmulatorState): void {
  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.list',
    httpMethod: 'GET',
    path: BASE,
    cost: 5,
    handle(call) {
      const page = call.mailbox.listMessages(listQueryFrom(call, 'messages', { labels: true }));
      const out: Record<string, unknown> = {};
      if (page.items.length > 0) out.messages = page.items.map(messageStub);
      if (page.next !== undefined) out.nextPageToken = encodeListToken('messages', page.next);
      out.resultSizeEstimate = page.estimate;
      return out;
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.get',
    httpMethod: 'GET',
    path: `${BASE}/:id`,
    cost: 5,
    handle(call) {
      const message = findMessage(call.mailbox, call.params.id);
      const format = readableFormat(call, ['minimal', 'metadata', 'full', 'raw']);
      return renderMessage(message, format, call.query.list('metadataHeaders'));
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.insert',
    httpMethod: 'POST',
    path: BASE,
    upload: true,
    cost: 25,
    handle(call) {
      return addUploaded(call, 'receivedTime');
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.import',
    httpMethod: 'POST',
    path: `${BASE}/import`,
    upload: true,
    cost: 25,
    handle(call) {
      return addUploaded(call, 'dateHeader');
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.send',
    httpMethod: 'POST',
    path: `${BASE}/send`,
    upload: true,
    cost: 100,
    handle(call) {
      const upload = readUploadedMessage(call, 'message');
      const raw = ensureSender(upload.raw, call.mailbox.email);
      const parsed = raw === upload.raw ? upload.parsed : parseRawMessage(raw);
      if (recipientsOf(parsed).length === 0) throw GoogleApiError.invalidArgument('Recipient address required');
      const threadId = requestedThreadId(upload.fields);
      const now = Date.now();
      const message = call.mailbox.addMessage({ raw, parsed, labelIds: ['SENT'], internalDate: now, ...(threadId !== undefined ? { threadId } : {}) });
      completeSend(call.state.mailboxes, call.mailbox, message, now);
      return { id: message.id, threadId: message.threadId, labelIds: [...message.labelIds] };
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.modify',
    httpMethod: 'POST',
    path: `${BASE}/:id/modify`,
    cost: 5,
    handle(call) {
      const message = findMessage(call.mailbox, call.params.id);
      const { add, remove } = labelChanges(call, false);
      call.mailbox.changeLabels(message, add, remove);
      return labelsView(message);
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.trash',
    httpMethod: 'POST',
    path: `${BASE}/:id/trash`,
    cost: 5,
    handle(call) {
      const message = findMessage(call.mailbox, call.params.id);
      call.mailbox.trash(message);
      return labelsView(message);
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.untrash',
    httpMethod: 'POST',
    path: `${BASE}/:id/untrash`,
    cost: 5,
    handle(call) {
      const message = findMessage(call.mailbox, call.params.id);
      call.mailbox.untrash(message);
      return labelsView(message);
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.delete',
    httpMethod: 'DELETE',
    path: `${BASE}/:id`,
    cost: 10,
    handle(call) {
      call.mailbox.deleteMessage(findMessage(call.mailbox, call.params.id));
      return undefined;
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.batchModify',
    httpMethod: 'POST',
    path: `${BASE}/batchModify`,
    cost: 50,
    handle(call) {
      const { add, remove, body } = labelChanges(call, true);
      for (const message of batchMessages(call.mailbox, body)) call.mailbox.changeLabels(message, add, remove);
      return undefined;
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.batchDelete',
    httpMethod: 'POST',
    path: `${BASE}/batchDelete`,
    cost: 50,
    handle(call) {
      for (const message of batchMessages(call.mailbox, jsonObjectBody(call))) call.mailbox.deleteMessage(message);
      return undefined;
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.messages.attachments.get',
    httpMethod: 'GET',
    path: `${BASE}/:messageId/attachments/:id`,
    cost: 5,
    handle(call) {
      const message = findMessage(call.mailbox, call.params.messageId);
      const attachmentId = call.params.id ?? '';
      const bytes = message.parsed.attachments.get(attachmentId);
      if (bytes === undefined) throw GoogleApiError.invalidArgument('Invalid attachment token');
      return { attachmentId, size: bytes.length, data: paddedBase64Url(bytes) };
    },
  });
}

export function findMessage(mailbox: Mailbox, id: string | undefined): StoredMessage {
  const message = mailbox.getMessage(checkId(id));
  if (message === undefined) throw GoogleApiError.notFound();
  return message;
}

/** `format`, with gmail.metadata tokens limited to minimal and metadata as Google limits them. */
export function readableFormat(call: GmailCall, allowed: readonly MessageFormat[]): MessageFormat {
  const format = parseMessageFormat(call.query.string('format'), allowed);
  if ((format === 'full' || format === 'raw') && isMetadataOnly(call.token.scopes)) {
    throw GoogleApiError.forbidden(`Metadata scope doesn't allow format ${format.toUpperCase()}`);
  }
  return format;
}

/** Validated label ids of a request: they must exist, and Gmail-managed ones cannot be set by hand. */
export function checkLabelIds(mailbox: Mailbox, ids: readonly string[]): string[] {
  for (const id of ids) {
    if (!mailbox.labels.has(id) || UNASSIGNABLE_LABELS.has(id)) throw GoogleApiError.invalidArgument(`Invalid label: ${id}`);
  }
  return [...ids];
}

export function labelChanges(call: GmailCall, requireSome: boolean): { add: string[]; remove: string[]; body: Record<string, unknown> } {
  const body = jsonObjectBody(call);
  const add = checkLabelIds(call.mailbox, stringList(body, 'addLabelIds'));
  const remove = checkLabelIds(call.mailbox, stringList(body, 'removeLabelIds'));
  if (requireSome && add.length === 0 && remove.length === 0) throw GoogleApiError.invalidArgument('No label add or removes specified');
  return { add, remove, body };
}

function batchMessages(mailbox: Mailbox, body: Record<string, unknown>): StoredMessage[] {
  const ids = stringList(body, 'ids');
  if (ids.length === 0) throw GoogleApiError.invalidArgument('ids must be specified');
  if (ids.length > MAX_BATCH_IDS) throw GoogleApiError.invalidArgument(`Too many ids; at most ${MAX_BATCH_IDS} per request`);
  // Unknown ids are skipped silently, as Gmail does for batch operations; malformed ones are not.
  return ids.map((id) => mailbox.getMessage(checkId(id))).filter((m): m is StoredMessage => m !== undefined);
}

function addUploaded(call: GmailCall, defaultDateSource: 'receivedTime' | 'dateHeader'): unknown {
  const upload = readUploadedMessage(call, 'message');
  const labelIds = checkLabelIds(call.mailbox, stringList(upload.fields, 'labelIds'));
  const source = call.query.enumValue('internalDateSource', ['receivedTime', 'dateHeader'] as const, defaultDateSource);
  const now = Date.now();
  const internalDate = source === 'dateHeader' ? (upload.parsed.date?.getTime() ?? now) : now;
  const threadId = requestedThreadId(upload.fields);
  const message = call.mailbox.addMessage({
    raw: upload.raw,
    parsed: upload.parsed,
    labelIds,
    internalDate: Number.isFinite(internalDate) ? internalDate : now,
    ...(threadId !== undefined ? { threadId } : {}),
  });
  return { id: message.id, threadId: message.threadId, ...(message.labelIds.length > 0 ? { labelIds: [...message.labelIds] } : {}) };
}
