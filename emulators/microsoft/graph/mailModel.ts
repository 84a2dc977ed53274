// The data a mailbox holds, as plain types: folders, messages (the properties Graph's message resource
// documents) and file attachments. mailboxStore.ts owns the changes; messageShape.ts renders them.

export interface EmailAddress {
  name: string;
  address: string;
}

export interface Recipient {
  emailAddress: EmailAddress;
}

export interface StoredAttachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId: string | null;
  lastModifiedDateTime: string;
  /** Base64. */
  contentBytes: string;
}

export interface StoredMessage {
  readonly id: string;
  folderId: string;
  readonly createdAt: number;
  lastModifiedAt: number;
  receivedAt: number;
  sentAt: number;
  changeKey: string;
  internetMessageId: string;
  conversationId: string;
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  from: Recipient | null;
  sender: Recipient | null;
  toRecipients: Recipient[];
  ccRecipients: Recipient[];
  bccRecipients: Recipient[];
  replyTo: Recipient[];
  isRead: boolean;
  isDraft: boolean;
  importance: 'low' | 'normal' | 'high';
  flag: { flagStatus: 'notFlagged' | 'flagged' | 'complete' };
  categories: string[];
  inferenceClassification: 'focused' | 'other';
  attachments: StoredAttachment[];
  /** Sequence number of the mailbox's last change to this message (delta). */
  changeSeq: number;
  /** Where the message was from which change on (delta needs "was it in folder F at sequence S?"); null: deleted. */
  folderHistory: { seq: number; folderId: string | null }[];
}

export interface StoredFolder {
  readonly id: string;
  displayName: string;
  parentFolderId: string;
  /** `inbox`, `drafts`… for the folders Outlook makes; undefined for the user's own. */
  readonly wellKnownName?: string;
}

/** The well-known folders every mailbox has, in the order Outlook lists them. */
export const WELL_KNOWN_FOLDERS: readonly { name: string; displayName: string }[] = [
  { name: 'inbox', displayName: 'Inbox' },
  { name: 'drafts', displayName: 'Drafts' },
  { name: 'sentitems', displayName: 'Sent Items' },
  { name: 'deleteditems', displayName: 'Deleted Items' },
  { name: 'archive', displayName: 'Archive' },
  { name: 'junkemail', displayName: 'Junk Email' },
  { name: 'outbox', displayName: 'Outbox' },
];
