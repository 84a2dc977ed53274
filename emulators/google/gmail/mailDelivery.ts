// What happens to a message once it is sent: Gmail keeps the sender's copy under SENT (Bcc kept) and
// the emulator, standing in for the whole mail system, drops a copy (Bcc removed) into the inbox of
// every recipient that has a mailbox here. Mail to addresses outside the emulator goes nowhere.

import type { MailboxDirectory, Mailbox, StoredMessage } from './mailboxStore.ts';
import { parseRawMessage, type ParsedMessage } from './mimeMessage.ts';

/** Labels of mail arriving from outside (control API delivery and sends between mailboxes). */
export const INCOMING_LABELS: readonly string[] = ['INBOX', 'UNREAD', 'CATEGORY_PERSONAL'];

export function addressesIn(header: string): string[] {
  return [...new Set((header.match(/[^\s<>,;:"'()[\]]+@[^\s<>,;:"'()[\]]+/g) ?? []).map((a) => a.toLowerCase()))];
}

export function recipientsOf(p: Pick<ParsedMessage, 'to' | 'cc' | 'bcc'>): string[] {
  return [...new Set([...addressesIn(p.to), ...addressesIn(p.cc), ...addressesIn(p.bcc)])];
}

/** Gmail fills in From with the account's address when a sent message has none. */
export function ensureSender(raw: Buffer, email: string): Buffer {
  const headerEnd = endOfHeaders(raw);
  const headerText = raw.subarray(0, headerEnd).toString('latin1');
  if (/^from:/im.test(headerText)) return raw;
  return Buffer.concat([Buffer.from(`From: ${email}\r\n`), raw]);
}

/** The message without its Bcc header (folded continuation lines included). */
export function withoutBcc(raw: Buffer): Buffer {
  const headerEnd = endOfHeaders(raw);
  const lines = raw.subarray(0, headerEnd).toString('latin1').split(/(?<=\n)/);
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && dropping) continue;
    dropping = /^bcc:/i.test(line);
    if (!dropping) kept.push(line);
  }
  return Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(headerEnd)]);
}

function endOfHeaders(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return raw.length;
  if (crlf < 0) return lf + 1;
  if (lf < 0) return crlf + 2;
  return Math.min(crlf + 2, lf + 1);
}

/**
 * Completes a send: the sender's message gets SENT (and INBOX/UNREAD when sent to oneself), and each
 * recipient mailbox in the emulator receives its own copy.
 */
export function completeSend(directory: MailboxDirectory, sender: Mailbox, message: StoredMessage, now: number): void {
  const recipients = recipientsOf(message.parsed);
  if (recipients.includes(sender.email)) sender.changeLabels(message, ['INBOX', 'UNREAD'], []);
  let copy: { raw: Buffer; parsed: ReturnType<typeof parseRawMessage> } | undefined;
  for (const address of recipients) {
    if (address === sender.email) continue;
    const mailbox = directory.get(address);
    if (mailbox === undefined) continue;
    if (copy === undefined) {
      const raw = withoutBcc(message.raw);
      copy = { raw, parsed: parseRawMessage(raw) };
    }
    mailbox.addMessage({ raw: copy.raw, parsed: copy.parsed, labelIds: INCOMING_LABELS, internalDate: now });
  }
}
