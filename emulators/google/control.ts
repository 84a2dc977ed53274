// The emulator's control surface, used in process by tests (`emulator.control`) and over HTTP under
// /__emulator/ (controlRoutes.ts calls these same methods): seed mailboxes, deliver mail from
// "outside", read quota counters, shrink history; the verbs every emulator has (faults, Google's
// response time, tokens, grants, clients) come from shared/emulatorControl.ts.

import { checkEmail, ControlError, CommonEmulatorControl } from '../shared/index.ts';
import type { EmulatorState } from './emulatorState.ts';
import type { FaultSpec, FaultView } from './faults.ts';
import { INCOMING_LABELS } from './gmail/mailDelivery.ts';
import { composeRawMessage, InvalidMimeMessage, parseRawMessage } from './gmail/mimeMessage.ts';
import { UNASSIGNABLE_LABELS } from './gmail/labelBook.ts';
import type { QuotaReport } from './quota.ts';

export interface DeliveredMessageFields {
  from?: string;
  /** Defaults to the mailbox address. */
  to?: string;
  cc?: string;
  bcc?: string;
  subject?: string;
  text?: string;
  html?: string;
  /** Date header, and the message's internalDate (when it was "received"); default now. */
  date?: Date;
  messageId?: string;
  attachments?: { filename: string; contentType: string; content: Buffer }[];
  /** Default: INBOX, UNREAD, CATEGORY_PERSONAL. */
  labelIds?: string[];
  /** A complete RFC 822 message instead of the fields above. */
  raw?: Buffer;
}

export interface DeliveredMessage {
  id: string;
  threadId: string;
  historyId: string;
}

export interface MailboxSummary {
  email: string;
  messagesTotal: number;
  threadsTotal: number;
  historyId: string;
}

export class EmulatorControl extends CommonEmulatorControl<FaultSpec, FaultView, EmulatorState> {
  createMailbox(email: string): MailboxSummary {
    return summarize(this.state.mailboxes.getOrCreate(checkEmail(email)));
  }

  listMailboxes(): MailboxSummary[] {
    return this.state.mailboxes.list().map(summarize);
  }

  /** Mail arriving from outside: lands in the mailbox's inbox and in its history as messagesAdded. */
  async deliverMessage(email: string, fields: DeliveredMessageFields): Promise<DeliveredMessage> {
    const mailbox = this.state.mailboxes.get(checkEmail(email));
    if (mailbox === undefined) throw new ControlError(404, `no mailbox ${email}; create it first`);
    const labelIds = fields.labelIds ?? [...INCOMING_LABELS];
    for (const label of labelIds) {
      if (!mailbox.labels.has(label) || UNASSIGNABLE_LABELS.has(label)) throw new ControlError(400, `unknown or unassignable label ${label}`);
    }
    const raw =
      fields.raw ??
      (await composeRawMessage({
        from: fields.from ?? 'sender@example.com',
        to: fields.to ?? mailbox.email,
        subject: fields.subject ?? '',
        ...(fields.cc !== undefined ? { cc: fields.cc } : {}),
        ...(fields.bcc !== undefined ? { bcc: fields.bcc } : {}),
        ...(fields.text !== undefined ? { text: fields.text } : {}),
        ...(fields.html !== undefined ? { html: fields.html } : {}),
        ...(fields.date !== undefined ? { date: fields.date } : {}),
        ...(fields.messageId !== undefined ? { messageId: fields.messageId } : {}),
        ...(fields.attachments !== undefined ? { attachments: fields.attachments } : {}),
      }));
    let parsed: ReturnType<typeof parseRawMessage>;
    try {
      parsed = parseRawMessage(raw);
    } catch (error) {
      if (error instanceof InvalidMimeMessage) throw new ControlError(400, `not an RFC 822 message: ${error.message}`);
      throw error;
    }
    const internalDate = fields.date?.getTime() ?? (fields.raw !== undefined ? parsed.date?.getTime() : undefined) ?? Date.now();
    // Re-check after the await: a reset may have removed the mailbox meanwhile.
    if (this.state.mailboxes.get(mailbox.email) !== mailbox) throw new ControlError(404, `no mailbox ${email}; create it first`);
    const message = mailbox.addMessage({ raw, parsed, labelIds, internalDate: Number.isFinite(internalDate) ? internalDate : Date.now() });
    return { id: message.id, threadId: message.threadId, historyId: String(message.historyId) };
  }

  /** Back to a fresh start: no mailboxes, tokens, faults or counters; clients, settings and latency as configured. */
  override reset(): void {
    super.reset();
    const s = this.state;
    s.quota.setLimits({ unitsPerSecond: s.settings.quotaUnitsPerSecond, maxConcurrentRequests: s.settings.maxConcurrentRequestsPerUser });
    s.quota.reset();
  }

  quota(email: string): QuotaReport {
    return this.state.quota.report(checkEmail(email));
  }

  /** Gmail API calls served per method id (e.g. `gmail.users.history.list`), over all mailboxes. */
  calls(): Record<string, number> {
    return this.state.quota.servedCalls();
  }

  resetQuota(email?: string): void {
    this.state.quota.reset(email === undefined ? undefined : checkEmail(email));
  }

  setQuotaLimits(limits: { unitsPerSecond?: number; maxConcurrentRequests?: number }): void {
    if (limits.unitsPerSecond !== undefined && !(limits.unitsPerSecond > 0)) throw new ControlError(400, 'unitsPerSecond must be positive');
    if (limits.maxConcurrentRequests !== undefined && !(Number.isInteger(limits.maxConcurrentRequests) && limits.maxConcurrentRequests > 0)) {
      throw new ControlError(400, 'maxConcurrentRequests must be a positive integer');
    }
    if (limits.unitsPerSecond !== undefined) this.state.settings.quotaUnitsPerSecond = limits.unitsPerSecond;
    if (limits.maxConcurrentRequests !== undefined) this.state.settings.maxConcurrentRequestsPerUser = limits.maxConcurrentRequests;
    this.state.quota.setLimits(limits);
  }

  /** Drops the mailbox's whole history: any startHistoryId older than now gets 404. */
  expireHistory(email: string): void {
    const mailbox = this.state.mailboxes.get(checkEmail(email));
    if (mailbox === undefined) throw new ControlError(404, `no mailbox ${email}`);
    mailbox.history.dropAll();
  }

  /** How long history records are kept (all mailboxes); shrinking it drops older records at once. */
  setHistoryRetention(seconds: number): void {
    if (typeof seconds !== 'number' || !(seconds >= 0)) throw new ControlError(400, 'seconds must be a non-negative number');
    this.state.settings.historyRetentionSeconds = seconds;
    for (const mailbox of this.state.mailboxes.list()) mailbox.applyRetention();
  }
}

function summarize(mailbox: { email: string; messageCount: number; threadCount: number; historyId: number }): MailboxSummary {
  return { email: mailbox.email, messagesTotal: mailbox.messageCount, threadsTotal: mailbox.threadCount, historyId: String(mailbox.historyId) };
}
