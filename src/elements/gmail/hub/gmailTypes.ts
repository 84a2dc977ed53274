// The subset of the Gmail API v1 resources the hub reads (field names as in Google's reference and
// @googleapis/gmail's Schema$*). ids, historyId and internalDate are strings (uint64 in the API).

export interface GmailHeader {
  name: string;
  value: string;
}

export interface GmailMessagePart {
  partId?: string;
  mimeType?: string;
  filename?: string;
  headers?: GmailHeader[];
  body?: { size?: number; data?: string; attachmentId?: string };
  parts?: GmailMessagePart[];
}

export interface GmailMessage {
  id: string;
  threadId: string;
  labelIds?: string[];
  snippet?: string;
  historyId?: string;
  internalDate?: string;
  sizeEstimate?: number;
  payload?: GmailMessagePart;
  /** With format=raw: the RFC 822 message, base64url. */
  raw?: string;
}

export interface GmailMessageRef {
  id: string;
  threadId: string;
  labelIds?: string[];
}

export interface GmailListMessages {
  messages?: GmailMessageRef[];
  nextPageToken?: string;
  resultSizeEstimate?: number;
}

export interface GmailThread {
  id: string;
  snippet?: string;
  historyId?: string;
  messages?: GmailMessage[];
}

export interface GmailListThreads {
  threads?: GmailThread[];
  nextPageToken?: string;
  resultSizeEstimate?: number;
}

export interface GmailLabel {
  id: string;
  name: string;
  type?: 'system' | 'user';
  messageListVisibility?: string;
  labelListVisibility?: string;
  messagesTotal?: number;
  messagesUnread?: number;
  threadsTotal?: number;
  threadsUnread?: number;
  color?: { textColor?: string; backgroundColor?: string };
}

export interface GmailDraft {
  id: string;
  message?: GmailMessage;
}

export interface GmailListDrafts {
  drafts?: { id: string; message?: GmailMessageRef }[];
  nextPageToken?: string;
  resultSizeEstimate?: number;
}

export interface GmailAttachment {
  attachmentId?: string;
  size?: number;
  data?: string;
}

export interface GmailProfile {
  emailAddress: string;
  messagesTotal?: number;
  threadsTotal?: number;
  historyId: string;
}

export interface GmailHistoryRecord {
  id: string;
  messages?: GmailMessageRef[];
  messagesAdded?: { message: GmailMessageRef }[];
  messagesDeleted?: { message: GmailMessageRef }[];
  labelsAdded?: { message: GmailMessageRef; labelIds?: string[] }[];
  labelsRemoved?: { message: GmailMessageRef; labelIds?: string[] }[];
}

export interface GmailHistoryList {
  history?: GmailHistoryRecord[];
  nextPageToken?: string;
  historyId: string;
}

export type GmailMessageFormat = 'minimal' | 'metadata' | 'full' | 'raw';
