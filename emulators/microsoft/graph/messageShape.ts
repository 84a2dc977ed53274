// A stored message as Graph's message resource renders it (property names, ISO dates without
// milliseconds, `@odata.etag` from the change key), narrowed by `$select` as Graph does: `id` and the
// etag always come along. Also folder and attachment shapes.

import type { Mailbox } from './mailboxStore.ts';
import type { StoredAttachment, StoredFolder, StoredMessage } from './mailModel.ts';
import { GraphError } from '../microsoftErrors.ts';

export const MESSAGE_PROPERTIES = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
] as const;

const KNOWN = new Map(MESSAGE_PROPERTIES.map((p) => [p.toLowerCase(), p]));

export function graphDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `$select=subject,isRead` → canonical property names; 400 for a property messages do not have. */
export function parseSelect(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((raw) => {
    const name = raw.trim();
    const known = KNOWN.get(name.toLowerCase());
    if (known === undefined) throw GraphError.badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.message'.`, 'RequestBroker--ParseUri');
    return known;
  });
}

export function renderMessage(message: StoredMessage, select: readonly string[] | undefined): Record<string, unknown> {
  const all: Record<string, unknown> = {
    id: message.id,
    createdDateTime: graphDate(message.createdAt),
    lastModifiedDateTime: graphDate(message.lastModifiedAt),
    changeKey: message.changeKey,
    categories: [...message.categories],
    receivedDateTime: graphDate(message.receivedAt),
    sentDateTime: graphDate(message.sentAt),
    hasAttachments: message.attachments.some((a) => !a.isInline),
    internetMessageId: message.internetMessageId,
    subject: message.subject,
    bodyPreview: bodyPreview(message),
    importance: message.importance,
    parentFolderId: message.folderId,
    conversationId: message.conversationId,
    conversationIndex: Buffer.from(message.conversationId.slice(0, 22)).toString('base64'),
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
    isRead: message.isRead,
    isDraft: message.isDraft,
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(message.id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: message.inferenceClassification,
    body: { ...message.body },
    sender: message.sender,
    from: message.from,
    toRecipients: message.toRecipients,
    ccRecipients: message.ccRecipients,
    bccRecipients: message.bccRecipients,
    replyTo: message.replyTo,
    flag: { flagStatus: message.flag.flagStatus },
  };
  const out: Record<string, unknown> = { '@odata.etag': `W/"${message.changeKey}"` };
  if (select === undefined) return Object.assign(out, all);
  out.id = message.id;
  for (const property of select) out[property] = all[property];
  return out;
}

function bodyPreview(message: StoredMessage): string {
  const text = message.body.contentType === 'html' ? message.body.content.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ') : message.body.content;
  return text
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 255);
}

export function renderFolder(mailbox: Mailbox, folder: StoredFolder): Record<string, unknown> {
  const counts = mailbox.counts(folder.id);
  return {
    id: folder.id,
    displayName: folder.displayName,
    parentFolderId: folder.parentFolderId,
    childFolderCount: mailbox.childFolderCount(folder.id),
    unreadItemCount: counts.unread,
    totalItemCount: counts.total,
    sizeInBytes: 0,
    isHidden: false,
  };
}

export function renderAttachment(attachment: StoredAttachment, withContent = true): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.fileAttachment',
    '@odata.mediaContentType': attachment.contentType,
    id: attachment.id,
    lastModifiedDateTime: attachment.lastModifiedDateTime,
    name: attachment.name,
    contentType: attachment.contentType,
    size: attachment.size,
    isInline: attachment.isInline,
    contentId: attachment.contentId,
    contentLocation: null,
    ...(withContent ? { contentBytes: attachment.contentBytes } : {}),
  };
}
