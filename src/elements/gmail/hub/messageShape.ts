// Gmail messages, threads, labels and drafts in the hub's JSON shape. A message read is Gmail's own
// message resource (payload with its MIME part tree, as Cloud Elements' Gmail element returns it, so
// clients find `payload.parts[n].body.attachmentId`) with the hub's flat, typed fields alongside:
// from, to, cc, subject, date, and with includeBody=true body {text, html} and attachments. The
// change feed keeps the flat fields only (normalizeMessage): its records are a webhook contract.

import { decodeWords } from 'postal-mime';
import type { GmailDraft, GmailHeader, GmailLabel, GmailMessage, GmailMessagePart, GmailThread } from './gmailTypes.ts';

export interface HubAttachment {
  attachmentId: string;
  filename: string;
  mimeType: string;
  size: number;
}

export interface HubMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  snippet: string;
  historyId: string;
  /** ms since epoch as a string, as Gmail gives it. */
  internalDate: string;
  /** internalDate as ISO-8601. */
  date: string | null;
  from: string | null;
  to: string | null;
  cc: string | null;
  subject: string | null;
  sizeEstimate: number;
  body?: { text: string | null; html: string | null };
  attachments?: HubAttachment[];
}

/** Gmail's message resource (payload with format full or metadata, raw with format raw) and the flat fields. */
export type HubMessageResource = HubMessage & { payload?: GmailMessagePart; raw?: string };

export interface HubThread {
  id: string;
  snippet: string;
  historyId: string;
  messages?: HubMessageResource[];
}

export interface HubDraft {
  id: string;
  message: HubMessageResource | null;
}

export interface HubLabel {
  id: string;
  name: string;
  type: string | null;
  messageListVisibility: string | null;
  labelListVisibility: string | null;
  messagesTotal?: number;
  messagesUnread?: number;
  threadsTotal?: number;
  threadsUnread?: number;
  color?: { textColor?: string; backgroundColor?: string };
}

export function normalizeMessage(message: GmailMessage, options: { includeBody: boolean }): HubMessage {
  const headers = message.payload?.headers ?? [];
  const normalized: HubMessage = {
    id: message.id,
    threadId: message.threadId,
    labelIds: message.labelIds ?? [],
    snippet: message.snippet ?? '',
    historyId: message.historyId ?? '',
    internalDate: message.internalDate ?? '',
    date: isoDate(message.internalDate, header(headers, 'Date')),
    from: header(headers, 'From'),
    to: header(headers, 'To'),
    cc: header(headers, 'Cc'),
    subject: header(headers, 'Subject'),
    sizeEstimate: message.sizeEstimate ?? 0,
  };
  if (options.includeBody) {
    const content: { text: string | null; html: string | null; attachments: HubAttachment[] } = { text: null, html: null, attachments: [] };
    if (message.payload) collectContent(message.payload, content);
    normalized.body = { text: content.text, html: content.html };
    normalized.attachments = content.attachments;
  }
  return normalized;
}

/** A message as hub reads answer it: Gmail's resource as Gmail gave it, plus the flat fields. */
export function messageResource(message: GmailMessage, options: { includeBody: boolean }): HubMessageResource {
  return {
    ...normalizeMessage(message, options),
    ...(message.payload !== undefined ? { payload: message.payload } : {}),
    ...(message.raw !== undefined ? { raw: message.raw } : {}),
  };
}

export function normalizeThread(thread: GmailThread, options: { includeMessages: boolean; includeBody: boolean }): HubThread {
  const messages = thread.messages ?? [];
  const normalized: HubThread = {
    id: thread.id,
    // threads.get carries no snippet of its own; Gmail's listing shows the latest message's.
    snippet: thread.snippet ?? messages[messages.length - 1]?.snippet ?? '',
    historyId: thread.historyId ?? '',
  };
  if (options.includeMessages) normalized.messages = messages.map((message) => messageResource(message, { includeBody: options.includeBody }));
  return normalized;
}

export function normalizeDraft(draft: GmailDraft, options: { includeBody: boolean }): HubDraft {
  return { id: draft.id, message: draft.message ? messageResource(draft.message, options) : null };
}

export function normalizeLabel(label: GmailLabel): HubLabel {
  return {
    id: label.id,
    name: label.name,
    type: label.type ?? null,
    messageListVisibility: label.messageListVisibility ?? null,
    labelListVisibility: label.labelListVisibility ?? null,
    ...(label.messagesTotal !== undefined ? { messagesTotal: label.messagesTotal } : {}),
    ...(label.messagesUnread !== undefined ? { messagesUnread: label.messagesUnread } : {}),
    ...(label.threadsTotal !== undefined ? { threadsTotal: label.threadsTotal } : {}),
    ...(label.threadsUnread !== undefined ? { threadsUnread: label.threadsUnread } : {}),
    ...(label.color !== undefined ? { color: label.color } : {}),
  };
}

function header(headers: readonly GmailHeader[], name: string): string | null {
  const lower = name.toLowerCase();
  const values = headers.filter((h) => h.name.toLowerCase() === lower).map((h) => decodeHeader(h.value));
  return values.length === 0 ? null : values.join(', ');
}

function decodeHeader(value: string): string {
  // Gmail decodes RFC 2047 words itself; this only matters if an encoded word slips through.
  if (!value.includes('=?')) return value;
  try {
    return decodeWords(value);
  } catch {
    return value;
  }
}

function isoDate(internalDate: string | undefined, dateHeader: string | null): string | null {
  const ms = internalDate !== undefined && /^\d+$/.test(internalDate) ? Number(internalDate) : dateHeader !== null ? Date.parse(dateHeader) : NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function collectContent(part: GmailMessagePart, content: { text: string | null; html: string | null; attachments: HubAttachment[] }): void {
  const mimeType = (part.mimeType ?? '').toLowerCase();
  const disposition = headerOf(part, 'Content-Disposition')?.toLowerCase() ?? '';
  if (part.body?.attachmentId && (part.filename || disposition.startsWith('attachment'))) {
    content.attachments.push({ attachmentId: part.body.attachmentId, filename: part.filename ?? '', mimeType: part.mimeType ?? 'application/octet-stream', size: part.body.size ?? 0 });
    return;
  }
  if (!part.filename && part.body?.data !== undefined) {
    if (mimeType === 'text/plain' && content.text === null) content.text = decodeText(part);
    else if (mimeType === 'text/html' && content.html === null) content.html = decodeText(part);
  }
  for (const child of part.parts ?? []) collectContent(child, content);
}

function headerOf(part: GmailMessagePart, name: string): string | undefined {
  const lower = name.toLowerCase();
  return part.headers?.find((h) => h.name.toLowerCase() === lower)?.value;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function decodeText(part: GmailMessagePart): string {
  const bytes = Buffer.from(part.body?.data ?? '', 'base64url');
  // Gmail serves text parts as UTF-8; should a part still be in its declared charset, read it in that.
  try {
    return utf8Strict.decode(bytes);
  } catch {
    const charset = /charset="?([^";\s]+)"?/i.exec(headerOf(part, 'Content-Type') ?? '')?.[1] ?? 'windows-1252';
    try {
      return new TextDecoder(charset.toLowerCase()).decode(bytes);
    } catch {
      return new TextDecoder('utf-8').decode(bytes);
    }
  }
}
