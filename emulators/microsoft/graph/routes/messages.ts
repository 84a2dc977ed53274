// Messages: list (all folders, or one) with $select/$filter/$orderby/$top/$skip and @odata.nextLink;
// get, update (PATCH answers the updated message), delete; move and copy (201 with the message in
// its new folder; ids are immutable so a moved message keeps its id); drafts (POST /messages, send);
// sendMail (202; a copy in Sent Items, and delivery to any recipient who is a mailbox of this emulator);
// file attachments.

import type { FastifyInstance } from 'fastify';
import type { EmulatorState } from '../../emulatorState.ts';
import { GraphError } from '../../microsoftErrors.ts';
import { READ_MAIL, SEND_MAIL, WRITE_MAIL } from '../../oauth/scopes.ts';
import { type GraphContext, graphRoute, requireObject } from '../graphRoute.ts';
import type { Mailbox, NewMessage } from '../mailboxStore.ts';
import type { StoredMessage } from '../mailModel.ts';
import { readNewMessage, readPatch } from '../messageInput.ts';
import { parseSelect, renderAttachment, renderMessage } from '../messageShape.ts';
import { parseFilter, parseOrderBy, parseSkip, parseTop, sortMessages } from '../odataQuery.ts';
import { folderOrThrow, nextLink } from './mailFolders.ts';

/** Graph refuses a fileAttachment over 3 MB through POST /attachments (larger ones need an upload session). */
const MAX_ATTACHMENT_BYTES = 3 * 1024 * 1024;

export function messageOrThrow(mailbox: Mailbox, id: string): StoredMessage {
  const message = mailbox.messages.get(decodeURIComponent(id));
  if (message === undefined) throw GraphError.notFound('The specified object was not found in the store.');
  return message;
}

function listMessages(context: GraphContext, folderId: string | undefined, contextPath: string): Record<string, unknown> {
  const { mailbox, query, origin, request } = context;
  const select = parseSelect(query.$select);
  const filter = parseFilter(query.$filter);
  const order = parseOrderBy(query.$orderby);
  const top = parseTop(query.$top);
  const skip = parseSkip(query.$skip);
  let candidates = [...mailbox.messages.values()];
  if (folderId !== undefined) candidates = candidates.filter((m) => m.folderId === folderId);
  if (filter !== undefined) candidates = candidates.filter(filter);
  const sorted = sortMessages(candidates, order);
  const page = sorted.slice(skip, skip + top);
  const result: Record<string, unknown> = { '@odata.context': `${context.contextBase}/${contextPath}${selectSuffix(select)}` };
  if (query.$count === 'true') result['@odata.count'] = sorted.length;
  result.value = page.map((m) => renderMessage(m, select));
  if (skip + top < sorted.length && top > 0) result['@odata.nextLink'] = nextLink(origin, request.url, { $top: String(top), $skip: String(skip + top) });
  return result;
}

function selectSuffix(select: readonly string[] | undefined): string {
  return select === undefined ? '' : `(${select.join(',')})`;
}

export function registerMessageRoutes(app: FastifyInstance, state: EmulatorState): void {
  graphRoute(app, state, 'GET', '/messages', READ_MAIL, (context) => listMessages(context, undefined, 'messages'));

  graphRoute(app, state, 'GET', '/mailFolders/:folderId/messages', READ_MAIL, (context) => {
    const folder = folderOrThrow(context.mailbox, context.params.folderId as string);
    return listMessages(context, folder.id, `mailFolders('${context.params.folderId}')/messages`);
  });

  const getOne = ({ mailbox, params, query, contextBase }: GraphContext) => {
    const message = messageOrThrow(mailbox, params.messageId as string);
    if (params.folderId !== undefined && folderOrThrow(mailbox, params.folderId).id !== message.folderId) throw GraphError.notFound();
    const select = parseSelect(query.$select);
    return { '@odata.context': `${contextBase}/messages${selectSuffix(select)}/$entity`, ...renderMessage(message, select) };
  };
  graphRoute(app, state, 'GET', '/messages/:messageId', READ_MAIL, getOne);
  graphRoute(app, state, 'GET', '/mailFolders/:folderId/messages/:messageId', READ_MAIL, getOne);

  graphRoute(app, state, 'PATCH', '/messages/:messageId', WRITE_MAIL, ({ mailbox, params, body, contextBase }) => {
    const message = messageOrThrow(mailbox, params.messageId as string);
    const updated = mailbox.updateMessage(message.id, readPatch(requireObject(body))) as StoredMessage;
    return { '@odata.context': `${contextBase}/messages/$entity`, ...renderMessage(updated, undefined) };
  });

  graphRoute(app, state, 'DELETE', '/messages/:messageId', WRITE_MAIL, ({ mailbox, params, reply }) => {
    const message = messageOrThrow(mailbox, params.messageId as string);
    mailbox.deleteMessage(message.id);
    reply.code(204);
    return undefined;
  });

  const destinationOf = (mailbox: Mailbox, body: unknown) => {
    const destinationId = requireObject(body).destinationId;
    if (typeof destinationId !== 'string' || destinationId === '') throw GraphError.badRequest("The value of property 'DestinationId' is invalid.", 'ErrorInvalidIdMalformed');
    const folder = mailbox.folder(destinationId);
    if (folder === undefined) throw GraphError.notFound('The specified folder could not be found in the store.');
    return folder;
  };

  graphRoute(app, state, 'POST', '/messages/:messageId/move', WRITE_MAIL, ({ mailbox, params, body, reply, contextBase }) => {
    const message = messageOrThrow(mailbox, params.messageId as string);
    const moved = mailbox.moveMessage(message.id, destinationOf(mailbox, body).id) as StoredMessage;
    reply.code(201);
    return { '@odata.context': `${contextBase}/messages/$entity`, ...renderMessage(moved, undefined) };
  });

  graphRoute(app, state, 'POST', '/messages/:messageId/copy', WRITE_MAIL, ({ mailbox, params, body, reply, contextBase }) => {
    const message = messageOrThrow(mailbox, params.messageId as string);
    const copy = mailbox.copyMessage(message.id, destinationOf(mailbox, body).id) as StoredMessage;
    reply.code(201);
    return { '@odata.context': `${contextBase}/messages/$entity`, ...renderMessage(copy, undefined) };
  });

  graphRoute(app, state, 'POST', '/messages', WRITE_MAIL, ({ mailbox, body, reply, contextBase }) => {
    const fields = readNewMessage(requireObject(body), mailbox.wellKnownFolderId('drafts'));
    const draft = mailbox.addMessage({ ...fields, isDraft: true, isRead: true, from: fields.from ?? me(mailbox) });
    reply.code(201);
    return { '@odata.context': `${contextBase}/messages/$entity`, ...renderMessage(draft, undefined) };
  });

  graphRoute(app, state, 'POST', '/mailFolders/:folderId/messages', WRITE_MAIL, ({ mailbox, params, body, reply, contextBase }) => {
    const folder = folderOrThrow(mailbox, params.folderId as string);
    const fields = readNewMessage(requireObject(body), folder.id);
    const draft = mailbox.addMessage({ ...fields, isDraft: true, isRead: true, from: fields.from ?? me(mailbox) });
    reply.code(201);
    return { '@odata.context': `${contextBase}/messages/$entity`, ...renderMessage(draft, undefined) };
  });

  graphRoute(app, state, 'POST', '/messages/:messageId/send', SEND_MAIL, ({ mailbox, params, reply }) => {
    const draft = messageOrThrow(mailbox, params.messageId as string);
    if (!draft.isDraft) throw GraphError.badRequest('Only drafts can be sent.', 'ErrorInvalidOperation');
    deliverToRecipients(state, mailbox, copyFields(draft));
    const now = Date.now();
    mailbox.addMessage({ ...copyFields(draft), folderId: mailbox.wellKnownFolderId('sentitems'), isRead: true, isDraft: false, receivedAt: now, sentAt: now });
    mailbox.deleteMessage(draft.id);
    reply.code(202);
    return undefined;
  });

  graphRoute(app, state, 'POST', '/sendMail', SEND_MAIL, ({ mailbox, body, reply }) => {
    const json = requireObject(body);
    if (json.message === undefined || json.message === null || typeof json.message !== 'object') {
      throw GraphError.badRequest("Required property 'message' is missing.", 'ErrorInvalidRequest');
    }
    const fields = readNewMessage(json.message as Record<string, unknown>, mailbox.wellKnownFolderId('sentitems'));
    if ((fields.toRecipients ?? []).length + (fields.ccRecipients ?? []).length + (fields.bccRecipients ?? []).length === 0) {
      throw GraphError.badRequest('At least one recipient is required, but none were found.', 'ErrorInvalidRecipients');
    }
    const now = Date.now();
    const sent = { ...fields, from: me(mailbox), isRead: true, isDraft: false, receivedAt: now, sentAt: now };
    const saveToSentItems = json.saveToSentItems !== false && json.saveToSentItems !== 'false';
    const stored = saveToSentItems ? mailbox.addMessage(sent) : undefined;
    deliverToRecipients(state, mailbox, stored === undefined ? sent : copyFields(stored));
    reply.code(202);
    return undefined;
  });

  graphRoute(app, state, 'GET', '/messages/:messageId/attachments', READ_MAIL, ({ mailbox, params, contextBase }) => {
    const message = messageOrThrow(mailbox, params.messageId as string);
    return { '@odata.context': `${contextBase}/messages('${message.id}')/attachments`, value: message.attachments.map((a) => renderAttachment(a)) };
  });

  graphRoute(app, state, 'GET', '/messages/:messageId/attachments/:attachmentId', READ_MAIL, ({ mailbox, params, contextBase }) => {
    const message = messageOrThrow(mailbox, params.messageId as string);
    const attachment = message.attachments.find((a) => a.id === decodeURIComponent(params.attachmentId as string));
    if (attachment === undefined) throw GraphError.notFound('The specified object was not found in the store.');
    return { '@odata.context': `${contextBase}/messages('${message.id}')/attachments/$entity`, ...renderAttachment(attachment) };
  });

  graphRoute(app, state, 'POST', '/messages/:messageId/attachments', WRITE_MAIL, ({ mailbox, params, body, reply, contextBase }) => {
    const message = messageOrThrow(mailbox, params.messageId as string);
    const json = requireObject(body);
    if (json['@odata.type'] !== '#microsoft.graph.fileAttachment' && json['@odata.type'] !== '#Microsoft.OutlookServices.FileAttachment') {
      throw GraphError.badRequest("The emulator accepts '#microsoft.graph.fileAttachment' attachments only.", 'ErrorInvalidRequest');
    }
    if (typeof json.name !== 'string' || typeof json.contentBytes !== 'string') throw GraphError.badRequest("The attachment needs 'name' and 'contentBytes'.", 'ErrorInvalidRequest');
    const bytes = Buffer.from(json.contentBytes, 'base64');
    if (bytes.length > MAX_ATTACHMENT_BYTES) throw new GraphError(413, 'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize', 'The attachment is too large; use an upload session for attachments over 3 MB.');
    const attachment = mailbox.addAttachment(message.id, {
      name: json.name,
      contentType: typeof json.contentType === 'string' ? json.contentType : 'application/octet-stream',
      size: bytes.length,
      isInline: json.isInline === true,
      contentId: typeof json.contentId === 'string' ? json.contentId : null,
      contentBytes: bytes.toString('base64'),
    });
    reply.code(201);
    return { '@odata.context': `${contextBase}/messages('${message.id}')/attachments/$entity`, ...renderAttachment(attachment as NonNullable<typeof attachment>) };
  });
}

function me(mailbox: Mailbox): { emailAddress: { name: string; address: string } } {
  return { emailAddress: { name: mailbox.displayName, address: mailbox.email } };
}

function copyFields(message: StoredMessage): Outgoing {
  return {
    subject: message.subject,
    body: { ...message.body },
    from: message.from,
    toRecipients: message.toRecipients,
    ccRecipients: message.ccRecipients,
    bccRecipients: message.bccRecipients,
    replyTo: message.replyTo,
    importance: message.importance,
    categories: [...message.categories],
    internetMessageId: message.internetMessageId,
    conversationId: message.conversationId,
    attachments: message.attachments.map(({ id: _id, lastModifiedDateTime: _l, ...rest }) => ({ ...rest })),
  };
}

type Outgoing = Omit<NewMessage, 'folderId'>;

/** Mail to another mailbox of this emulator lands in its inbox, unread; other addresses go nowhere (a sandbox). */
function deliverToRecipients(state: EmulatorState, sender: Mailbox, message: Outgoing): void {
  const addresses = new Set([...(message.toRecipients ?? []), ...(message.ccRecipients ?? []), ...(message.bccRecipients ?? [])].map((r) => r.emailAddress.address.toLowerCase()));
  const now = Date.now();
  for (const address of addresses) {
    const target = state.mailboxes.get(address);
    if (target === undefined) continue;
    const { bccRecipients: _bcc, ...visible } = message;
    target.addMessage({ ...visible, folderId: target.wellKnownFolderId('inbox'), from: me(sender), receivedAt: now, sentAt: now, isRead: false, isDraft: false });
  }
}
