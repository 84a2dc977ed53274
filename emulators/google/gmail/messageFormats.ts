// Stored messages, threads and labels rendered as the Gmail API's JSON resources. Field names and
// types follow @googleapis/gmail's Schema$Message and friends: ids and historyId/internalDate are
// strings (uint64 in the API), sizes are numbers.

import type { GmailMessagePart } from './mimeMessage.ts';
import type { Mailbox, StoredMessage, ThreadRecord } from './mailboxStore.ts';
import type { LabelRecord } from './labelBook.ts';
import type { HistoryRecord } from './historyLog.ts';
import { GoogleApiError } from '../googleErrors.ts';

export type MessageFormat = 'minimal' | 'metadata' | 'full' | 'raw';

export interface GmailMessage {
  id: string;
  threadId: string;
  labelIds?: string[];
  snippet?: string;
  historyId?: string;
  internalDate?: string;
  sizeEstimate?: number;
  payload?: GmailMessagePart | MetadataPart;
  raw?: string;
}

interface MetadataPart {
  partId: string;
  mimeType: string;
  filename: string;
  headers: { name: string; value: string }[];
  body: { size: number };
}

export function parseMessageFormat(value: string | undefined, allowed: readonly MessageFormat[] = ['minimal', 'metadata', 'full', 'raw']): MessageFormat {
  if (value === undefined || value === '') return 'full';
  const lower = value.toLowerCase() as MessageFormat;
  if (!allowed.includes(lower)) {
    throw GoogleApiError.invalidParameterValue('format', 'TYPE_ENUM', value);
  }
  return lower;
}

export function renderMessage(message: StoredMessage, format: MessageFormat, metadataHeaders: readonly string[] = []): GmailMessage {
  const base: GmailMessage = {
    id: message.id,
    threadId: message.threadId,
    labelIds: [...message.labelIds],
    snippet: message.parsed.snippet,
    sizeEstimate: message.parsed.sizeEstimate,
    historyId: String(message.historyId),
    internalDate: String(message.internalDate),
  };
  // Gmail leaves labelIds out entirely for a message without labels.
  if (message.labelIds.length === 0) delete base.labelIds;
  switch (format) {
    case 'minimal':
      return base;
    case 'raw':
      return { ...base, raw: paddedBase64Url(message.raw) };
    case 'metadata': {
      const payload = message.parsed.payload;
      const wanted = new Set(metadataHeaders.map((h) => h.toLowerCase()));
      const headers = wanted.size === 0 ? payload.headers : payload.headers.filter((h) => wanted.has(h.name.toLowerCase()));
      return { ...base, payload: { partId: payload.partId, mimeType: payload.mimeType, filename: payload.filename, headers, body: { size: 0 } } };
    }
    case 'full':
      return { ...base, payload: message.parsed.payload };
  }
}

/** What modify, trash and untrash answer: the message's ids and its labels after the change. */
export function labelsView(message: StoredMessage): { id: string; threadId: string; labelIds?: string[] } {
  return { id: message.id, threadId: message.threadId, ...(message.labelIds.length > 0 ? { labelIds: [...message.labelIds] } : {}) };
}

/** threads.modify/trash/untrash: the thread with each message's labels. */
export function threadLabelsView(thread: ThreadRecord): { id: string; historyId: string; messages: ReturnType<typeof labelsView>[] } {
  return { id: thread.id, historyId: String(threadHistoryId(thread)), messages: thread.messages.map(labelsView) };
}

/** The `{id, threadId}` pairs of list responses. */
export function messageStub(message: StoredMessage): { id: string; threadId: string } {
  return { id: message.id, threadId: message.threadId };
}

export function renderThread(thread: ThreadRecord, format: MessageFormat, metadataHeaders: readonly string[] = []): { id: string; historyId: string; messages: GmailMessage[] } {
  return {
    id: thread.id,
    historyId: String(threadHistoryId(thread)),
    messages: thread.messages.map((m) => renderMessage(m, format, metadataHeaders)),
  };
}

export function threadStub(thread: ThreadRecord): { id: string; snippet: string; historyId: string } {
  const newest = thread.messages[thread.messages.length - 1] as StoredMessage;
  return { id: thread.id, snippet: newest.parsed.snippet, historyId: String(threadHistoryId(thread)) };
}

function threadHistoryId(thread: ThreadRecord): number {
  let max = 0;
  for (const m of thread.messages) if (m.historyId > max) max = m.historyId;
  return max;
}

/** labels.list shows no counts; labels.get (and create/update) adds them. */
export function renderLabel(label: LabelRecord, counts?: ReturnType<Mailbox['labelCounts']>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: label.id, name: label.name };
  if (label.messageListVisibility !== undefined) out.messageListVisibility = label.messageListVisibility;
  if (label.labelListVisibility !== undefined) out.labelListVisibility = label.labelListVisibility;
  out.type = label.type;
  if (counts !== undefined) Object.assign(out, counts);
  if (label.color !== undefined) out.color = { ...label.color };
  return out;
}

export function renderHistoryRecord(record: HistoryRecord): Record<string, unknown> {
  const stub = { id: record.message.id, threadId: record.message.threadId };
  const message = record.message.labelIds.length > 0 ? { ...stub, labelIds: [...record.message.labelIds] } : stub;
  const out: Record<string, unknown> = { id: String(record.id), messages: [stub] };
  switch (record.type) {
    case 'messageAdded':
      out.messagesAdded = [{ message }];
      break;
    case 'messageDeleted':
      out.messagesDeleted = [{ message: stub }];
      break;
    case 'labelAdded':
      out.labelsAdded = [{ message, labelIds: [...(record.labelIds ?? [])] }];
      break;
    case 'labelRemoved':
      out.labelsRemoved = [{ message, labelIds: [...(record.labelIds ?? [])] }];
      break;
  }
  return out;
}

/** Gmail's `raw` is base64url *with* padding (Python's urlsafe_b64decode accepts it unchanged). */
export function paddedBase64Url(bytes: Buffer): string {
  const s = bytes.toString('base64url');
  return s + '='.repeat((4 - (s.length % 4)) % 4);
}
