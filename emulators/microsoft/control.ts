// The emulator's control surface, used in process by tests (`emulator.control`) and over HTTP under
// /__emulator/ (controlRoutes.ts calls these same methods): seed mailboxes, deliver mail from
// "outside", change or remove messages as another mail client would, set the throttle limits, void
// delta tokens, read the log of Graph calls; the verbs every emulator has (faults, Microsoft's
// response time, tokens, grants, clients) come from shared/emulatorControl.ts.

import { checkEmail, ControlError, CommonEmulatorControl } from '../shared/index.ts';
import type { CallLog, GraphCall } from './callLog.ts';
import type { EmulatorState } from './emulatorState.ts';
import type { FaultSpec, FaultView } from './faults.ts';
import type { Mailbox, MessagePatch } from './graph/mailboxStore.ts';
import type { Recipient } from './graph/mailModel.ts';
import type { ThrottleLimits } from './throttle.ts';

export interface DeliveredMessageFields {
  /** `Name <address>` or a bare address; default sender@example.com. */
  from?: string;
  /** Defaults to the mailbox address; several separated by commas. */
  to?: string | string[];
  cc?: string | string[];
  subject?: string;
  /** Text body (or HTML with `bodyType: 'html'`). */
  body?: string;
  bodyType?: 'text' | 'html';
  /** Well-known name (`inbox`, default) or folder id. */
  folder?: string;
  /** When it was received (and sent); default now. */
  receivedDateTime?: Date | string;
  isRead?: boolean;
  importance?: 'low' | 'normal' | 'high';
  categories?: string[];
  internetMessageId?: string;
  attachments?: { name: string; contentType?: string; content: Buffer | string }[];
}

export interface MailboxSummary {
  email: string;
  /** The user's object id: Graph's `id` for /me. */
  id: string;
  displayName: string;
  messagesTotal: number;
}

export interface MessageSummary {
  id: string;
  folderId: string;
  folder?: string;
  subject: string;
  isRead: boolean;
  receivedDateTime: string;
}

export class EmulatorControl extends CommonEmulatorControl<FaultSpec, FaultView, EmulatorState> {
  createMailbox(email: string): MailboxSummary {
    return summarize(this.state.mailboxes.getOrCreate(checkEmail(email)));
  }

  listMailboxes(): MailboxSummary[] {
    return this.state.mailboxes.list().map(summarize);
  }

  /** Mail arriving from outside: lands in the folder (inbox by default), unread; returns the message id. */
  deliverMessage(email: string, fields: DeliveredMessageFields): string {
    const mailbox = this.mailbox(email);
    const folder = mailbox.folder(fields.folder ?? 'inbox');
    if (folder === undefined) throw new ControlError(400, `no folder ${fields.folder}`);
    const received = fields.receivedDateTime === undefined ? Date.now() : new Date(fields.receivedDateTime).getTime();
    if (Number.isNaN(received)) throw new ControlError(400, 'receivedDateTime must be an ISO-8601 date');
    const message = mailbox.addMessage({
      folderId: folder.id,
      subject: fields.subject ?? '',
      body: { contentType: fields.bodyType ?? 'text', content: fields.body ?? '' },
      from: parseRecipient(fields.from ?? 'sender@example.com'),
      toRecipients: recipients(fields.to ?? mailbox.email),
      ccRecipients: fields.cc === undefined ? [] : recipients(fields.cc),
      receivedAt: received,
      sentAt: received,
      isRead: fields.isRead ?? false,
      importance: fields.importance ?? 'normal',
      categories: fields.categories ?? [],
      ...(fields.internetMessageId !== undefined ? { internetMessageId: fields.internetMessageId } : {}),
      attachments: (fields.attachments ?? []).map((a) => {
        const bytes = typeof a.content === 'string' ? Buffer.from(a.content, 'utf8') : a.content;
        return { name: a.name, contentType: a.contentType ?? 'application/octet-stream', size: bytes.length, isInline: false, contentId: null, contentBytes: bytes.toString('base64') };
      }),
    });
    return message.id;
  }

  listMessages(email: string, folder?: string): MessageSummary[] {
    const mailbox = this.mailbox(email);
    const folderId = folder === undefined ? undefined : mailbox.folder(folder)?.id;
    if (folder !== undefined && folderId === undefined) throw new ControlError(404, `no folder ${folder}`);
    const names = new Map([...mailbox.folders.values()].map((f) => [f.id, f.wellKnownName ?? f.displayName]));
    return [...mailbox.messages.values()]
      .filter((m) => folderId === undefined || m.folderId === folderId)
      .map((m) => ({
        id: m.id,
        folderId: m.folderId,
        ...(names.has(m.folderId) ? { folder: names.get(m.folderId) as string } : {}),
        subject: m.subject,
        isRead: m.isRead,
        receivedDateTime: new Date(m.receivedAt).toISOString(),
      }));
  }

  /** As another mail client of the user would: mark read, flag, rename… (recorded as an update for delta). */
  updateMessage(email: string, id: string, patch: { isRead?: boolean; subject?: string; flagStatus?: 'notFlagged' | 'flagged' | 'complete'; categories?: string[] }): void {
    const mailbox = this.mailbox(email);
    const change: MessagePatch = {};
    if (patch.isRead !== undefined) change.isRead = patch.isRead;
    if (patch.subject !== undefined) change.subject = patch.subject;
    if (patch.categories !== undefined) change.categories = patch.categories;
    if (patch.flagStatus !== undefined) change.flag = { flagStatus: patch.flagStatus };
    if (mailbox.updateMessage(id, change) === undefined) throw new ControlError(404, `no message ${id}`);
  }

  moveMessage(email: string, id: string, folder: string): void {
    const mailbox = this.mailbox(email);
    const target = mailbox.folder(folder);
    if (target === undefined) throw new ControlError(404, `no folder ${folder}`);
    if (mailbox.moveMessage(id, target.id) === undefined) throw new ControlError(404, `no message ${id}`);
  }

  deleteMessage(email: string, id: string): void {
    if (!this.mailbox(email).deleteMessage(id)) throw new ControlError(404, `no message ${id}`);
  }

  /** Back to a fresh start: no mailboxes, tokens, faults, calls or counters; clients, settings, latency and throttle as configured. */
  override reset(): void {
    super.reset();
    const s = this.state;
    s.calls.clear();
    s.throttle.setLimits(s.initialThrottle);
    s.throttle.reset();
  }

  /** Every delta (and skip) token of the mailbox issued so far answers 410 SyncStateNotFound. */
  expireDeltaTokens(email: string): void {
    this.mailbox(email).expireDeltaTokens();
  }

  /** How long a delta token stays usable (all mailboxes). */
  setDeltaRetention(seconds: number): void {
    if (typeof seconds !== 'number' || !(seconds >= 0)) throw new ControlError(400, 'seconds must be a non-negative number');
    this.state.settings.deltaRetentionSeconds = seconds;
  }

  /** The Graph requests served, oldest first (at most the last 100 000), optionally one mailbox's. */
  calls(filter: { mailbox?: string } = {}): GraphCall[] {
    return (this.state.calls as CallLog).list(filter.mailbox === undefined ? {} : { mailbox: checkEmail(filter.mailbox) });
  }

  clearCalls(): void {
    this.state.calls.clear();
  }

  setThrottleLimits(limits: Partial<ThrottleLimits>): ThrottleLimits {
    for (const key of ['requestsPerWindow', 'windowSeconds', 'maxConcurrentRequests'] as const) {
      const value = limits[key];
      if (value !== undefined && !(typeof value === 'number' && value > 0)) throw new ControlError(400, `${key} must be a positive number`);
    }
    return this.state.throttle.setLimits(limits);
  }

  throttleLimits(): ThrottleLimits {
    return this.state.throttle.getLimits();
  }

  throttleReport(email: string): { requestsInWindow: number; inFlight: number; throttled: number } {
    return this.state.throttle.report(checkEmail(email));
  }

  private mailbox(email: string): Mailbox {
    const mailbox = this.state.mailboxes.get(checkEmail(email));
    if (mailbox === undefined) throw new ControlError(404, `no mailbox ${email}; create it first`);
    return mailbox;
  }
}

function summarize(mailbox: Mailbox): MailboxSummary {
  return { email: mailbox.email, id: mailbox.objectId, displayName: mailbox.displayName, messagesTotal: mailbox.messages.size };
}

function recipients(value: string | string[]): Recipient[] {
  const list = Array.isArray(value) ? value : value.split(',');
  return list.map((s) => s.trim()).filter((s) => s !== '').map(parseRecipient);
}

function parseRecipient(value: string): Recipient {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(value);
  if (match !== null) return { emailAddress: { name: (match[1] as string) || (match[2] as string), address: (match[2] as string).trim() } };
  return { emailAddress: { name: value.trim(), address: value.trim() } };
}
