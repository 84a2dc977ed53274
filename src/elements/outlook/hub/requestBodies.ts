// Field checks of the Outlook hub's JSON bodies, with 400s that name the field: a message to send (the
// hub's fields, as the Gmail hub takes them, turned into Graph's message resource), the fields a PATCH
// may change, and a move's destination.

import { BadRequest } from '../../../errors/index.ts';

const ADDRESS = /^[^\s@<>,;]+@[^\s@<>,;]+$/;

export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('The request body must be a JSON object');
  return body as Record<string, unknown>;
}

function addresses(value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (list === undefined || list.some((item) => typeof item !== 'string')) throw new BadRequest(`${field} must be an address, a comma-separated list of addresses, or an array of them`);
  const trimmed = (list as string[]).map((item) => item.trim()).filter(Boolean);
  for (const address of trimmed) if (!ADDRESS.test(address)) throw new BadRequest(`${field} holds '${address}', which is not an email address`);
  return trimmed;
}

function recipients(list: string[]): { emailAddress: { address: string } }[] {
  return list.map((address) => ({ emailAddress: { address } }));
}

function optionalString(fields: Record<string, unknown>, field: string): string | undefined {
  const value = fields[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadRequest(`${field} must be a string`);
  return value;
}

/** A message to send: {to, cc, bcc, subject, body, html, attachments: [{filename, mimeType, data}]} as Graph's message. */
export function outgoingMessage(body: unknown): Record<string, unknown> {
  const fields = objectBody(body);
  const to = addresses(fields.to, 'to');
  const cc = addresses(fields.cc, 'cc');
  const bcc = addresses(fields.bcc, 'bcc');
  if (to.length + cc.length + bcc.length === 0) throw new BadRequest('to, cc or bcc must name at least one recipient');
  const html = optionalString(fields, 'html');
  const text = optionalString(fields, 'body');
  const message: Record<string, unknown> = {
    subject: optionalString(fields, 'subject') ?? '',
    body: html !== undefined ? { contentType: 'HTML', content: html } : { contentType: 'Text', content: text ?? '' },
    toRecipients: recipients(to),
    ...(cc.length > 0 ? { ccRecipients: recipients(cc) } : {}),
    ...(bcc.length > 0 ? { bccRecipients: recipients(bcc) } : {}),
  };
  if (fields.attachments !== undefined) {
    if (!Array.isArray(fields.attachments)) throw new BadRequest('attachments must be an array of {filename, mimeType, data}');
    message.attachments = fields.attachments.map((item: unknown, index: number) => {
      const attachment = objectBody(item);
      const filename = optionalString(attachment, 'filename');
      const data = optionalString(attachment, 'data');
      if (!filename || data === undefined) throw new BadRequest(`attachments[${index}] needs filename and data (base64)`);
      if (!/^[A-Za-z0-9+/=_-]*$/.test(data)) throw new BadRequest(`attachments[${index}].data must be base64`);
      return {
        '@odata.type': '#microsoft.graph.fileAttachment',
        name: filename,
        contentType: optionalString(attachment, 'mimeType') ?? 'application/octet-stream',
        contentBytes: Buffer.from(data, 'base64').toString('base64'),
      };
    });
  }
  return message;
}

const FLAG_STATUSES = ['notFlagged', 'flagged', 'complete'];
const IMPORTANCES = ['low', 'normal', 'high'];

/** The fields PATCH /messages/{id} may change: isRead, flag, categories, importance (and subject of a draft). */
export function messageChanges(body: unknown): Record<string, unknown> {
  const fields = objectBody(body);
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    if (!['isRead', 'flag', 'categories', 'importance', 'subject'].includes(key)) {
      throw new BadRequest(`${key} cannot be changed here; PATCH /messages/{id} takes isRead, flag, categories, importance and subject (move with POST /messages/{id}/move)`);
    }
  }
  if (fields.isRead !== undefined) {
    if (typeof fields.isRead !== 'boolean') throw new BadRequest('isRead must be true or false');
    changes.isRead = fields.isRead;
  }
  if (fields.flag !== undefined) {
    const flag = objectBody(fields.flag);
    if (typeof flag.flagStatus !== 'string' || !FLAG_STATUSES.includes(flag.flagStatus)) throw new BadRequest(`flag.flagStatus must be one of ${FLAG_STATUSES.join(', ')}`);
    changes.flag = { flagStatus: flag.flagStatus };
  }
  if (fields.categories !== undefined) {
    if (!Array.isArray(fields.categories) || fields.categories.some((category) => typeof category !== 'string')) throw new BadRequest('categories must be an array of strings');
    changes.categories = fields.categories;
  }
  if (fields.importance !== undefined) {
    if (typeof fields.importance !== 'string' || !IMPORTANCES.includes(fields.importance)) throw new BadRequest(`importance must be one of ${IMPORTANCES.join(', ')}`);
    changes.importance = fields.importance;
  }
  if (fields.subject !== undefined) {
    if (typeof fields.subject !== 'string') throw new BadRequest('subject must be a string');
    changes.subject = fields.subject;
  }
  if (Object.keys(changes).length === 0) throw new BadRequest('Name at least one of isRead, flag, categories, importance, subject');
  return changes;
}

/** A move's destination: {folderId} (a folder id or a well-known name such as archive). */
export function moveDestination(body: unknown): string {
  const fields = objectBody(body);
  const folderId = fields.folderId ?? fields.destinationId;
  if (typeof folderId !== 'string' || folderId.trim() === '') throw new BadRequest('folderId must name the destination folder (its id or a well-known name such as archive, deleteditems)');
  return folderId.trim();
}
