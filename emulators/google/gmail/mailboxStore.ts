// The mailboxes: messages, threads, labels, drafts and the history of every change. All mutations go
// through Mailbox so that each one lands in the history log exactly once and every index (by date, by
// label, by thread, by Message-ID header) stays consistent. Pure in-memory data; no HTTP here.

import { MailboxDirectory as SharedMailboxDirectory } from '../../shared/index.ts';
import { HistoryLog, type MessageRef } from './historyLog.ts';
import { LabelBook } from './labelBook.ts';
import { MessageIndex, type SortKey } from './messageIndex.ts';
import type { ParsedMessage } from './mimeMessage.ts';
import type { SearchableMessage } from './searchQuery.ts';

export interface StoredMessage extends SortKey {
  readonly id: string;
  readonly threadId: string;
  labelIds: string[];
  readonly internalDate: number;
  /** Id of the latest history record that touched this message. */
  historyId: number;
  readonly raw: Buffer;
  readonly parsed: ParsedMessage;
  /** Set when trash took INBOX away, so that untrash can put it back. */
  inboxBeforeTrash: boolean;
}

export interface ThreadRecord {
  readonly id: string;
  /** Oldest first. */
  readonly messages: StoredMessage[];
}

export interface DraftRecord {
  readonly id: string;
  message: StoredMessage;
}

export interface NewMessage {
  raw: Buffer;
  parsed: ParsedMessage;
  labelIds: readonly string[];
  internalDate: number;
  /** Thread the caller asked for (insert/import/send `threadId`); used when it exists here. */
  threadId?: string;
}

export interface ListQuery {
  /** Messages must carry all of these. */
  labelIds: readonly string[];
  matches?: (m: StoredMessage) => boolean;
  includeSpamTrash: boolean;
  maxResults: number;
  /** Cursor: continue strictly after (older than) this key. */
  after?: SortKey;
}

export interface ListPage<T> {
  items: T[];
  /** Present when more may follow: the key to continue after. */
  next?: SortKey;
  estimate: number;
}

export interface Settings {
  historyRetentionSeconds: number;
}

/** Gmail-shaped message ids: 16 hex digits, growing with time, unique across the emulator. */
export class MessageIdSource {
  private last = 0n;

  next(): string {
    const fromClock = BigInt(Date.now()) << 20n;
    this.last = fromClock > this.last ? fromClock : this.last + 1n;
    return this.last.toString(16).padStart(16, '0');
  }
}


export class Mailbox {
  readonly labels = new LabelBook();
  readonly history: HistoryLog;
  private readonly messages = new Map<string, StoredMessage>();
  private readonly threads = new Map<string, ThreadRecord>();
  private readonly all = new MessageIndex<StoredMessage>();
  private readonly byLabel = new Map<string, MessageIndex<StoredMessage>>();
  /** Message-ID header → Gmail id, to thread replies by In-Reply-To/References. */
  private readonly byHeaderMessageId = new Map<string, string>();
  private readonly drafts = new Map<string, DraftRecord>();
  private readonly draftIdByMessageId = new Map<string, string>();
  private changesSinceRetention = 0;

  constructor(
    readonly email: string,
    private readonly ids: MessageIdSource,
    private readonly settings: Settings,
    private readonly now: () => number = Date.now,
  ) {
    // Real mailboxes start far from 0; a random start keeps clients from assuming small numbers.
    this.history = new HistoryLog(1000 + Math.floor(Math.random() * 100_000));
  }

  get historyId(): number {
    return this.history.currentId;
  }

  get messageCount(): number {
    return this.messages.size;
  }

  get threadCount(): number {
    return this.threads.size;
  }

  getMessage(id: string): StoredMessage | undefined {
    return this.messages.get(id);
  }

  getThread(id: string): ThreadRecord | undefined {
    return this.threads.get(id);
  }

  threadOf(message: StoredMessage): ThreadRecord {
    return this.threads.get(message.threadId) as ThreadRecord;
  }

  addMessage(input: NewMessage): StoredMessage {
    const id = this.ids.next();
    const threadId = this.resolveThread(input) ?? id;
    const message: StoredMessage = {
      id,
      threadId,
      labelIds: [...new Set(input.labelIds)],
      internalDate: input.internalDate,
      historyId: 0,
      raw: input.raw,
      parsed: input.parsed,
      inboxBeforeTrash: false,
    };
    this.messages.set(id, message);
    this.all.insert(message);
    for (const label of message.labelIds) this.labelIndex(label).insert(message);
    let thread = this.threads.get(threadId);
    if (thread === undefined) {
      thread = { id: threadId, messages: [] };
      this.threads.set(threadId, thread);
    }
    insertSorted(thread.messages, message);
    const headerId = input.parsed.messageId;
    if (headerId !== undefined && !this.byHeaderMessageId.has(headerId)) this.byHeaderMessageId.set(headerId, id);
    message.historyId = this.record('messageAdded', message);
    return message;
  }

  /** Adds and removes labels; each kind of change is one history record. Returns whether anything changed. */
  changeLabels(message: StoredMessage, add: readonly string[], remove: readonly string[]): boolean {
    const removeSet = new Set(remove);
    const added = [...new Set(add)].filter((l) => !message.labelIds.includes(l) && !removeSet.has(l));
    const removed = [...removeSet].filter((l) => message.labelIds.includes(l));
    if (added.length === 0 && removed.length === 0) return false;
    if (added.length > 0) {
      message.labelIds.push(...added);
      for (const label of added) this.labelIndex(label).insert(message);
      message.historyId = this.record('labelAdded', message, added);
    }
    if (removed.length > 0) {
      message.labelIds = message.labelIds.filter((l) => !removeSet.has(l));
      for (const label of removed) this.byLabel.get(label)?.remove(message);
      message.historyId = this.record('labelRemoved', message, removed);
    }
    return true;
  }

  /** Gmail's trash: TRASH on, INBOX off (remembered so that untrash brings the message back to the inbox). */
  trash(message: StoredMessage): void {
    if (message.labelIds.includes('TRASH')) return;
    const hadInbox = message.labelIds.includes('INBOX');
    this.changeLabels(message, ['TRASH'], hadInbox ? ['INBOX'] : []);
    message.inboxBeforeTrash = hadInbox;
  }

  untrash(message: StoredMessage): void {
    if (!message.labelIds.includes('TRASH')) return;
    this.changeLabels(message, message.inboxBeforeTrash ? ['INBOX'] : [], ['TRASH']);
    message.inboxBeforeTrash = false;
  }

  deleteMessage(message: StoredMessage): void {
    if (this.messages.get(message.id) !== message) return;
    this.messages.delete(message.id);
    this.all.remove(message);
    for (const label of message.labelIds) this.byLabel.get(label)?.remove(message);
    const thread = this.threads.get(message.threadId);
    if (thread !== undefined) {
      const at = thread.messages.indexOf(message);
      if (at >= 0) thread.messages.splice(at, 1);
      if (thread.messages.length === 0) this.threads.delete(thread.id);
    }
    const headerId = message.parsed.messageId;
    if (headerId !== undefined && this.byHeaderMessageId.get(headerId) === message.id) this.byHeaderMessageId.delete(headerId);
    const draftId = this.draftIdByMessageId.get(message.id);
    if (draftId !== undefined) {
      this.drafts.delete(draftId);
      this.draftIdByMessageId.delete(message.id);
    }
    this.record('messageDeleted', message);
  }

  /** Removes a user label from every message carrying it (recorded like any label removal), then the label. */
  deleteLabel(labelId: string): void {
    this.labels.delete(labelId);
    const index = this.byLabel.get(labelId);
    if (index !== undefined) for (const message of [...index.ascending()]) this.changeLabels(message, [], [labelId]);
    this.byLabel.delete(labelId);
  }

  listMessages(query: ListQuery): ListPage<StoredMessage> {
    const source = this.candidates(query.labelIds);
    if (source === undefined) return { items: [], estimate: 0 };
    const accept = this.acceptor(query);
    const items: StoredMessage[] = [];
    let next: SortKey | undefined;
    for (const message of source.descending(query.after)) {
      if (!accept(message)) continue;
      if (items.length === query.maxResults) {
        // One more match exists, so a next page is worth asking for.
        next = items[items.length - 1];
        break;
      }
      items.push(message);
    }
    return { items, ...(next !== undefined ? { next } : {}), estimate: this.estimate(source, query, items.length, next) };
  }

  /** Threads newest first; a thread is listed at the position of its newest message that matches. */
  listThreads(query: ListQuery): ListPage<ThreadRecord> {
    const source = this.candidates(query.labelIds);
    if (source === undefined) return { items: [], estimate: 0 };
    const accept = this.acceptor(query);
    const items: ThreadRecord[] = [];
    let next: SortKey | undefined;
    let lastKey: SortKey | undefined;
    for (const message of source.descending(query.after)) {
      if (!accept(message)) continue;
      const thread = this.threadOf(message);
      if (!isNewestAccepted(thread, message, accept)) continue;
      if (items.length === query.maxResults) {
        next = lastKey;
        break;
      }
      items.push(thread);
      lastKey = message;
    }
    const estimate = next === undefined && query.after === undefined ? items.length : Math.max(items.length, this.threads.size);
    return { items, ...(next !== undefined ? { next } : {}), estimate };
  }

  labelCounts(labelId: string): { messagesTotal: number; messagesUnread: number; threadsTotal: number; threadsUnread: number } {
    const index = this.byLabel.get(labelId);
    if (index === undefined) return { messagesTotal: 0, messagesUnread: 0, threadsTotal: 0, threadsUnread: 0 };
    let messagesUnread = 0;
    const threads = new Set<string>();
    const unreadThreads = new Set<string>();
    for (const message of index.ascending()) {
      threads.add(message.threadId);
      if (message.labelIds.includes('UNREAD')) {
        messagesUnread++;
        unreadThreads.add(message.threadId);
      }
    }
    return { messagesTotal: index.size, messagesUnread, threadsTotal: threads.size, threadsUnread: unreadThreads.size };
  }

  // --- drafts -------------------------------------------------------------------------------------

  createDraft(input: Omit<NewMessage, 'labelIds' | 'internalDate'>): DraftRecord {
    const message = this.addMessage({ ...input, labelIds: ['DRAFT'], internalDate: this.now() });
    const draft: DraftRecord = { id: `r${draftIdDigits()}`, message };
    this.drafts.set(draft.id, draft);
    this.draftIdByMessageId.set(message.id, draft.id);
    return draft;
  }

  getDraft(id: string): DraftRecord | undefined {
    return this.drafts.get(id);
  }

  /** Gmail replaces a draft's message on update: the old one is deleted, a new one added (new id). */
  updateDraft(draft: DraftRecord, input: Omit<NewMessage, 'labelIds' | 'internalDate'>): DraftRecord {
    const old = draft.message;
    const threadId = input.threadId ?? old.threadId;
    this.draftIdByMessageId.delete(old.id);
    this.drafts.delete(draft.id);
    this.deleteMessage(old);
    const message = this.addMessage({ ...input, threadId, labelIds: ['DRAFT'], internalDate: this.now() });
    draft.message = message;
    this.drafts.set(draft.id, draft);
    this.draftIdByMessageId.set(message.id, draft.id);
    return draft;
  }

  deleteDraft(draft: DraftRecord): void {
    this.deleteMessage(draft.message);
  }

  /** The draft's message becomes a sent message (DRAFT off, SENT on) and the draft is gone. */
  sendDraft(draft: DraftRecord): StoredMessage {
    const message = draft.message;
    this.drafts.delete(draft.id);
    this.draftIdByMessageId.delete(message.id);
    this.changeLabels(message, ['SENT'], ['DRAFT']);
    return message;
  }

  listDrafts(query: Omit<ListQuery, 'labelIds' | 'includeSpamTrash'>): ListPage<DraftRecord> {
    const page = this.listMessages({ ...query, labelIds: ['DRAFT'], includeSpamTrash: true });
    return {
      items: page.items.map((m) => this.drafts.get(this.draftIdByMessageId.get(m.id) ?? '')).filter((d): d is DraftRecord => d !== undefined),
      ...(page.next !== undefined ? { next: page.next } : {}),
      estimate: page.estimate,
    };
  }

  /** Applies the retention window; cheap enough to call before every history.list. */
  applyRetention(): void {
    this.history.dropOlderThan(this.now() - this.settings.historyRetentionSeconds * 1000);
  }

  searchable(message: StoredMessage): SearchableMessage {
    const p = message.parsed;
    return {
      from: p.from,
      to: p.to,
      cc: p.cc,
      bcc: p.bcc,
      subject: p.subject,
      text: p.text,
      labelIds: message.labelIds,
      internalDate: message.internalDate,
      hasAttachment: p.hasAttachment,
      filenames: p.filenames,
      sizeEstimate: p.sizeEstimate,
    };
  }

  private record(type: 'messageAdded' | 'messageDeleted' | 'labelAdded' | 'labelRemoved', message: StoredMessage, labelIds?: readonly string[]): number {
    const ref: MessageRef = { id: message.id, threadId: message.threadId, labelIds: [...message.labelIds] };
    const id = this.history.append(type, ref, this.now(), labelIds);
    // Retention is otherwise applied lazily by history.list; this bounds memory for mailboxes nobody polls.
    if (++this.changesSinceRetention >= 4096) {
      this.changesSinceRetention = 0;
      this.applyRetention();
    }
    return id;
  }

  private resolveThread(input: NewMessage): string | undefined {
    if (input.threadId !== undefined && this.threads.has(input.threadId)) return input.threadId;
    const references: string[] = [];
    for (const header of input.parsed.headers) {
      const name = header.name.toLowerCase();
      if (name === 'in-reply-to' || name === 'references') references.push(...(header.value.match(/<[^<>\s]+>/g) ?? []));
    }
    for (let i = references.length - 1; i >= 0; i--) {
      const gmailId = this.byHeaderMessageId.get(references[i] as string);
      const referenced = gmailId === undefined ? undefined : this.messages.get(gmailId);
      if (referenced !== undefined) return referenced.threadId;
    }
    return undefined;
  }

  private labelIndex(labelId: string): MessageIndex<StoredMessage> {
    let index = this.byLabel.get(labelId);
    if (index === undefined) {
      index = new MessageIndex<StoredMessage>();
      this.byLabel.set(labelId, index);
    }
    return index;
  }

  /** The smallest index that contains every possible match; undefined when a wanted label is empty. */
  private candidates(labelIds: readonly string[]): MessageIndex<StoredMessage> | undefined {
    if (labelIds.length === 0) return this.all;
    let best: MessageIndex<StoredMessage> | undefined;
    for (const label of labelIds) {
      const index = this.byLabel.get(label);
      if (index === undefined || index.size === 0) return undefined;
      if (best === undefined || index.size < best.size) best = index;
    }
    return best;
  }

  private acceptor(query: ListQuery): (m: StoredMessage) => boolean {
    // Spam and trash stay out of lists unless asked for, by the flag or by naming the label.
    const hideSpam = !query.includeSpamTrash && !query.labelIds.includes('SPAM');
    const hideTrash = !query.includeSpamTrash && !query.labelIds.includes('TRASH');
    const { labelIds, matches } = query;
    return (m) => {
      if (hideSpam && m.labelIds.includes('SPAM')) return false;
      if (hideTrash && m.labelIds.includes('TRASH')) return false;
      for (const label of labelIds) if (!m.labelIds.includes(label)) return false;
      return matches === undefined || matches(m);
    };
  }

  /**
   * Gmail only promises an estimate (and its estimates are rough): exact when everything fit in one
   * page, otherwise the size of the index the query walks. Counting exactly would cost a scan.
   */
  private estimate(source: MessageIndex<StoredMessage>, query: ListQuery, pageSize: number, next: SortKey | undefined): number {
    if (next === undefined && query.after === undefined) return pageSize;
    return Math.max(pageSize, source.size);
  }
}

function isNewestAccepted(thread: ThreadRecord, message: StoredMessage, accept: (m: StoredMessage) => boolean): boolean {
  for (let i = thread.messages.length - 1; i >= 0; i--) {
    const candidate = thread.messages[i] as StoredMessage;
    if (candidate === message) return true;
    if (accept(candidate)) return false;
  }
  return true;
}

function insertSorted(list: StoredMessage[], message: StoredMessage): void {
  let at = list.length;
  while (at > 0 && (list[at - 1] as StoredMessage).internalDate > message.internalDate) at--;
  list.splice(at, 0, message);
}

let draftCounter = BigInt(Date.now()) * 1000n;
function draftIdDigits(): string {
  draftCounter += 1n + BigInt(Math.floor(Math.random() * 1000));
  return draftCounter.toString();
}

/** All mailboxes of the emulator, by lower-cased address; they share one message id source. */
export class MailboxDirectory extends SharedMailboxDirectory<Mailbox> {
  constructor(readonly settings: Settings) {
    const ids = new MessageIdSource();
    super((email) => new Mailbox(email, ids, settings));
  }
}
