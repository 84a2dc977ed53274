// The emulator's mailboxes and everything that changes them. Every change of a message (create,
// update, move, delete) takes the mailbox's next sequence number and goes into its change log, and
// a message remembers which folder it was in from which sequence on; deleted messages stay as
// tombstones for the delta retention window. That is what makes delta exact: "what changed in folder
// F since sequence S" is read from the log, not guessed from timestamps.

import { MailboxDirectory as SharedMailboxDirectory } from '../../shared/index.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import { objectIdFor, displayNameFor } from '../oauth/identities.ts';
import { type Recipient, type StoredAttachment, type StoredFolder, type StoredMessage, WELL_KNOWN_FOLDERS } from './mailModel.ts';

export interface MailboxSettings {
  deltaRetentionSeconds: number;
}

export interface NewMessage {
  folderId: string;
  subject?: string;
  body?: { contentType: 'text' | 'html'; content: string };
  from?: Recipient | null;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  bccRecipients?: Recipient[];
  replyTo?: Recipient[];
  receivedAt?: number;
  sentAt?: number;
  isRead?: boolean;
  isDraft?: boolean;
  importance?: 'low' | 'normal' | 'high';
  categories?: string[];
  flagStatus?: 'notFlagged' | 'flagged' | 'complete';
  internetMessageId?: string;
  conversationId?: string;
  attachments?: Omit<StoredAttachment, 'id' | 'lastModifiedDateTime'>[];
}

export type MessagePatch = Partial<
  Pick<StoredMessage, 'isRead' | 'subject' | 'body' | 'importance' | 'categories' | 'inferenceClassification' | 'toRecipients' | 'ccRecipients' | 'bccRecipients' | 'replyTo' | 'from'>
> & { flag?: { flagStatus: 'notFlagged' | 'flagged' | 'complete' } };

interface LogEntry {
  seq: number;
  id: string;
  at: number;
}

export type DeltaChange = { kind: 'created' | 'updated'; message: StoredMessage } | { kind: 'removed'; id: string };

export class Mailbox {
  readonly objectId: string;
  readonly displayName: string;
  readonly folders = new Map<string, StoredFolder>();
  private readonly wellKnown = new Map<string, string>();
  readonly messages = new Map<string, StoredMessage>();
  private readonly tombstones = new Map<string, { message: StoredMessage; deletedAt: number }>();
  private readonly log: LogEntry[] = [];
  private sequence = 0;
  /** Delta tokens below this sequence are void (expireDeltaTokens). */
  deltaFloor = 0;
  private writesSincePrune = 0;

  constructor(
    readonly email: string,
    private readonly settings: MailboxSettings,
  ) {
    this.objectId = objectIdFor(email);
    this.displayName = displayNameFor(email);
    const root = newId('AQMk');
    for (const folder of WELL_KNOWN_FOLDERS) {
      const id = newId('AQMk');
      this.folders.set(id, { id, displayName: folder.displayName, parentFolderId: root, wellKnownName: folder.name });
      this.wellKnown.set(folder.name, id);
    }
    this.rootFolderId = root;
  }

  readonly rootFolderId: string;

  get currentSeq(): number {
    return this.sequence;
  }

  /** A folder by id or well-known name (`inbox`, `SentItems`…: case-insensitive, as Graph). */
  folder(idOrName: string): StoredFolder | undefined {
    const wellKnown = this.wellKnown.get(idOrName.toLowerCase());
    return this.folders.get(wellKnown ?? idOrName);
  }

  wellKnownFolderId(name: string): string {
    return this.wellKnown.get(name) as string;
  }

  createFolder(displayName: string, parentFolderId: string): StoredFolder {
    const folder: StoredFolder = { id: newId('AQMk'), displayName, parentFolderId };
    this.folders.set(folder.id, folder);
    return folder;
  }

  /** Deletes a user folder, its subfolders and their messages (each message recorded as deleted). */
  deleteFolder(id: string): void {
    for (const child of [...this.folders.values()].filter((f) => f.parentFolderId === id)) this.deleteFolder(child.id);
    for (const message of [...this.messages.values()]) if (message.folderId === id) this.deleteMessage(message.id);
    this.folders.delete(id);
  }

  childFolderCount(id: string): number {
    let n = 0;
    for (const f of this.folders.values()) if (f.parentFolderId === id) n++;
    return n;
  }

  counts(folderId: string): { total: number; unread: number } {
    let total = 0;
    let unread = 0;
    for (const m of this.messages.values()) {
      if (m.folderId !== folderId) continue;
      total++;
      if (!m.isRead) unread++;
    }
    return { total, unread };
  }

  addMessage(fields: NewMessage): StoredMessage {
    const now = Date.now();
    const seq = this.nextSeq();
    const from = fields.from === undefined ? null : fields.from;
    const lastModifiedDateTime = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const message: StoredMessage = {
      id: newId('AAkALg'),
      folderId: fields.folderId,
      createdAt: now,
      lastModifiedAt: now,
      receivedAt: fields.receivedAt ?? now,
      sentAt: fields.sentAt ?? fields.receivedAt ?? now,
      changeKey: newChangeKey(),
      internetMessageId: fields.internetMessageId ?? `<${randomUUID()}@emulator.changehook.local>`,
      conversationId: fields.conversationId ?? newId('AAQk'),
      subject: fields.subject ?? '',
      body: fields.body ?? { contentType: 'text', content: '' },
      from,
      sender: from,
      toRecipients: fields.toRecipients ?? [],
      ccRecipients: fields.ccRecipients ?? [],
      bccRecipients: fields.bccRecipients ?? [],
      replyTo: fields.replyTo ?? [],
      isRead: fields.isRead ?? false,
      isDraft: fields.isDraft ?? false,
      importance: fields.importance ?? 'normal',
      flag: { flagStatus: fields.flagStatus ?? 'notFlagged' },
      categories: fields.categories ?? [],
      inferenceClassification: 'focused',
      attachments: (fields.attachments ?? []).map((a) => ({ ...a, id: newId('AAMkAtt'), lastModifiedDateTime })),
      changeSeq: seq,
      folderHistory: [{ seq, folderId: fields.folderId }],
    };
    this.messages.set(message.id, message);
    this.record(seq, message.id, now);
    return message;
  }

  updateMessage(id: string, patch: MessagePatch): StoredMessage | undefined {
    const message = this.messages.get(id);
    if (message === undefined) return undefined;
    if (patch.flag !== undefined) message.flag = { flagStatus: patch.flag.flagStatus };
    const { flag: _flag, ...rest } = patch;
    Object.assign(message, rest);
    if (patch.from !== undefined) message.sender = patch.from;
    this.touch(message);
    return message;
  }

  addAttachment(id: string, attachment: Omit<StoredAttachment, 'id' | 'lastModifiedDateTime'>): StoredAttachment | undefined {
    const message = this.messages.get(id);
    if (message === undefined) return undefined;
    const stored: StoredAttachment = { ...attachment, id: newId('AAMkAtt'), lastModifiedDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
    message.attachments.push(stored);
    this.touch(message);
    return stored;
  }

  moveMessage(id: string, destinationFolderId: string): StoredMessage | undefined {
    const message = this.messages.get(id);
    if (message === undefined) return undefined;
    if (message.folderId === destinationFolderId) return message;
    message.folderId = destinationFolderId;
    const seq = this.touch(message);
    message.folderHistory.push({ seq, folderId: destinationFolderId });
    return message;
  }

  copyMessage(id: string, destinationFolderId: string): StoredMessage | undefined {
    const source = this.messages.get(id);
    if (source === undefined) return undefined;
    return this.addMessage({
      folderId: destinationFolderId,
      subject: source.subject,
      body: { ...source.body },
      from: source.from,
      toRecipients: structuredClone(source.toRecipients),
      ccRecipients: structuredClone(source.ccRecipients),
      bccRecipients: structuredClone(source.bccRecipients),
      replyTo: structuredClone(source.replyTo),
      receivedAt: source.receivedAt,
      sentAt: source.sentAt,
      isRead: source.isRead,
      isDraft: source.isDraft,
      importance: source.importance,
      categories: [...source.categories],
      flagStatus: source.flag.flagStatus,
      internetMessageId: source.internetMessageId,
      conversationId: source.conversationId,
      attachments: source.attachments.map(({ id: _id, lastModifiedDateTime: _l, ...rest }) => ({ ...rest })),
    });
  }

  deleteMessage(id: string): boolean {
    const message = this.messages.get(id);
    if (message === undefined) return false;
    const seq = this.nextSeq();
    const now = Date.now();
    message.changeSeq = seq;
    message.folderHistory.push({ seq, folderId: null });
    this.messages.delete(id);
    this.tombstones.set(id, { message, deletedAt: now });
    this.record(seq, id, now);
    return true;
  }

  /**
   * What changed in a folder after sequence `since`, up to `upTo`: messages now in the folder that
   * were not at `since` (created: new, or moved in), messages in it then and now (updated), messages
   * in it then and not now (removed: deleted or moved out). One entry per message, latest state.
   */
  changesSince(folderId: string, since: number, upTo: number): DeltaChange[] {
    const ids = new Set<string>();
    for (let i = firstAfter(this.log, since); i < this.log.length; i++) {
      const entry = this.log[i] as LogEntry;
      if (entry.seq > upTo) break;
      ids.add(entry.id);
    }
    const changes: DeltaChange[] = [];
    for (const id of [...ids].sort()) {
      const live = this.messages.get(id);
      const message = live ?? this.tombstones.get(id)?.message;
      if (message === undefined) continue;
      const wasIn = folderAt(message, since) === folderId;
      const isIn = live !== undefined && live.folderId === folderId;
      if (isIn) changes.push({ kind: wasIn ? 'updated' : 'created', message: live });
      else if (wasIn) changes.push({ kind: 'removed', id });
    }
    return changes;
  }

  /** Delta tokens issued before now stop working (410 on their next use). */
  expireDeltaTokens(): void {
    this.deltaFloor = this.nextSeq();
  }

  /** Forgets log entries and tombstones older than the retention window (tokens that old are refused anyway). */
  applyRetention(now = Date.now()): void {
    const cutoff = now - this.settings.deltaRetentionSeconds * 1000;
    let drop = 0;
    while (drop < this.log.length && (this.log[drop] as LogEntry).at < cutoff) drop++;
    if (drop > 0) this.log.splice(0, drop);
    for (const [id, tombstone] of this.tombstones) if (tombstone.deletedAt < cutoff) this.tombstones.delete(id);
  }

  private touch(message: StoredMessage): number {
    const seq = this.nextSeq();
    const now = Date.now();
    message.changeSeq = seq;
    message.lastModifiedAt = now;
    message.changeKey = newChangeKey();
    this.record(seq, message.id, now);
    return seq;
  }

  private nextSeq(): number {
    return ++this.sequence;
  }

  private record(seq: number, id: string, at: number): void {
    this.log.push({ seq, id, at });
    if (++this.writesSincePrune >= 1000) {
      this.writesSincePrune = 0;
      this.applyRetention(at);
    }
  }
}

export class MailboxDirectory extends SharedMailboxDirectory<Mailbox> {
  constructor(settings: MailboxSettings) {
    super((email) => new Mailbox(email, settings));
  }
}

function folderAt(message: StoredMessage, seq: number): string | null | undefined {
  let found: string | null | undefined;
  for (const entry of message.folderHistory) {
    if (entry.seq > seq) break;
    found = entry.folderId;
  }
  return found;
}

/** Index of the first log entry with a sequence above `seq` (the log is in sequence order). */
function firstAfter(log: readonly LogEntry[], seq: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((log[mid] as LogEntry).seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Graph ids are long URL-safe base64 strings; the emulator's never change (immutable ids). */
function newId(prefix: string): string {
  return `${prefix}${randomBytes(33).toString('base64url')}`;
}

function newChangeKey(): string {
  return `CQAAABYAAA${randomBytes(15).toString('base64url')}`;
}
