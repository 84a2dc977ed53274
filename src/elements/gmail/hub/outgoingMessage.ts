// Mail to send, keep as a draft or import: read from the hub request (JSON, or multipart/form-data
// whose file parts are attachments and whose `body` part may hold the fields as JSON, the form Cloud
// Elements' Gmail element takes), checked field by field, and composed into the RFC 5322 message
// Gmail takes as `raw` by nodemailer's MailComposer.

import addressparser from 'nodemailer/lib/addressparser/index.js';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { BadRequest } from '../../../errors/index.ts';
import type { HubRequest } from '../../../hubs/index.ts';
import { stringArray } from './requestBodies.ts';

export interface OutgoingAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface OutgoingMessage {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text?: string;
  html?: string;
  threadId?: string;
  attachments: OutgoingAttachment[];
}

/** What Gmail accepts per message (its limit is 25 MB of attachments). */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

/** The fields as the request gave them, and its file parts. */
interface MessageForm {
  fields: Record<string, unknown>;
  files: OutgoingAttachment[];
  /** multipart/form-data, whose text parts are strings (a repeated part, a list of them). */
  multipart: boolean;
}

/** An RFC 822 message for users.messages.import, and the resource fields that go with it. */
export interface ImportedMessage {
  /** base64url */
  raw: string;
  labelIds: string[];
  threadId?: string;
}

const TEXT_FIELDS = ['to', 'cc', 'bcc', 'subject', 'body', 'text', 'html', 'threadId'] as const;
/** Form fields an import takes besides those of a send. */
const IMPORT_FIELDS = ['from', 'raw', 'labelIds'] as const;
/** What makes up a composed message; an import gives these or raw. */
const CONTENT_FIELDS = ['to', 'cc', 'bcc', 'subject', 'body', 'text', 'html', 'attachments', 'from'] as const;

export async function readOutgoingMessage(request: HubRequest, options: { requireRecipient: boolean }): Promise<OutgoingMessage> {
  return outgoingMessage(await readMessageForm(request, TEXT_FIELDS), options);
}

/**
 * The message of POST /messages/import: `raw` as it is, or composed from the fields of a send (from
 * defaulting to `account`), with labelIds and threadId for Gmail's message resource.
 */
export async function readImportedMessage(request: HubRequest, account: string | undefined): Promise<ImportedMessage> {
  const form = await readMessageForm(request, [...TEXT_FIELDS, ...IMPORT_FIELDS]);
  const { fields } = form;
  const labels = fields.labelIds;
  const labelIds = stringArray(form.multipart && typeof labels === 'string' ? [labels] : labels, 'labelIds');
  const threadId = optionalString(fields.threadId, 'threadId');
  const resource = { labelIds, ...(threadId ? { threadId } : {}) };
  const given = CONTENT_FIELDS.filter((name) => fields[name] !== undefined && fields[name] !== null);
  if (fields.raw !== undefined && fields.raw !== null) {
    if (given.length > 0 || form.files.length > 0) {
      throw new BadRequest(`raw is a complete message: give it alone, without ${[...given, ...(form.files.length > 0 ? ['file parts'] : [])].join(', ')}`);
    }
    const bytes = base64Bytes(optionalString(fields.raw, 'raw') ?? '', 'raw');
    if (bytes.length === 0) throw new BadRequest('raw must not be empty');
    return { raw: bytes.toString('base64url'), ...resource };
  }
  if (given.length === 0 && form.files.length === 0) {
    throw new BadRequest('A message to import is required: raw (an RFC 822 message, base64), or the fields to, subject, body, html, from and attachments');
  }
  const from = addressList(fields.from, 'from');
  if (from.length > 1) throw new BadRequest('from must be one address');
  return { raw: await composeRaw(outgoingMessage(form, { requireRecipient: false }), from[0] ?? account), ...resource };
}

function outgoingMessage(form: MessageForm, options: { requireRecipient: boolean }): OutgoingMessage {
  const { fields, files } = form;
  const to = addressList(fields.to, 'to');
  if (options.requireRecipient && to.length + addressList(fields.cc, 'cc').length + addressList(fields.bcc, 'bcc').length === 0) {
    throw new BadRequest('to is required: at least one recipient address');
  }
  const text = optionalString(fields.body ?? fields.text, fields.body !== undefined ? 'body' : 'text');
  const html = optionalString(fields.html, 'html');
  const threadId = optionalString(fields.threadId, 'threadId');
  return {
    to,
    cc: addressList(fields.cc, 'cc'),
    bcc: addressList(fields.bcc, 'bcc'),
    subject: optionalString(fields.subject, 'subject') ?? '',
    ...(text !== undefined ? { text } : {}),
    ...(html !== undefined ? { html } : {}),
    ...(threadId ? { threadId } : {}),
    attachments: [...jsonAttachments(fields.attachments), ...files],
  };
}

/** The message as Gmail's `raw`: base64url of the RFC 5322 bytes. */
export async function composeRaw(message: OutgoingMessage, from: string | undefined): Promise<string> {
  // Attachments follow a body part even when the body is empty, as mail clients (and Cloud Elements)
  // compose them: payload.parts[0] is the text, the attachments come after it.
  const emptyBody = message.text === undefined && message.html === undefined && message.attachments.length > 0;
  const composer = new MailComposer({
    ...(from ? { from } : {}),
    to: message.to,
    cc: message.cc,
    bcc: message.bcc,
    subject: message.subject,
    ...(message.text !== undefined ? { text: message.text } : emptyBody ? { text: { content: Buffer.alloc(0) } } : {}),
    ...(message.html !== undefined ? { html: message.html } : {}),
    attachments: message.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
    // Content comes from API callers; never let a string be read as a file path or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: 'win',
  });
  const node = composer.compile();
  // Gmail delivers to Bcc recipients from the header and removes it from what others receive.
  node.keepBcc = true;
  const bytes = await node.build();
  return bytes.toString('base64url');
}

/** The request's fields and file parts; `textFields` are the form's text parts taken as fields. */
async function readMessageForm(request: HubRequest, textFields: readonly string[]): Promise<MessageForm> {
  const contentType = request.contentType ?? '';
  if (request.rawBody !== undefined && /^multipart\/form-data/i.test(contentType)) return formFields(request.rawBody, contentType, textFields);
  if (request.body === undefined || request.body === null || request.body === '') {
    throw new BadRequest('A request body is required: JSON {to, cc, bcc, subject, body, html} or multipart/form-data with attachments');
  }
  if (typeof request.body !== 'object' || Array.isArray(request.body)) throw new BadRequest('The request body must be a JSON object');
  return { fields: request.body as Record<string, unknown>, files: [], multipart: false };
}

async function formFields(rawBody: Buffer, contentType: string, textFields: readonly string[]): Promise<MessageForm> {
  let form: FormData;
  try {
    // The Fetch API's multipart parser (undici, built into Node) instead of a hand-written one.
    form = await new Response(new Uint8Array(rawBody), { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    throw new BadRequest(`The multipart/form-data body could not be read: ${(error as Error).message}`);
  }
  const fields: Record<string, unknown> = {};
  const files: OutgoingAttachment[] = [];
  for (const [name, value] of form.entries()) {
    const ceFields = name === 'body' && typeof value === 'string' ? jsonObject(value) : undefined;
    if (typeof value !== 'string') {
      files.push({ filename: value.name || name, contentType: value.type || 'application/octet-stream', content: Buffer.from(await value.arrayBuffer()) });
    } else if (name === 'message' || name === 'json') {
      // A JSON part carrying the fields, as some Cloud Elements clients send it.
      const parsed = jsonObject(value);
      if (parsed === undefined) throw new BadRequest(`The form field '${name}' must be a JSON object of message fields`);
      for (const [key, fieldValue] of Object.entries(parsed)) if (fields[key] === undefined) fields[key] = fieldValue;
    } else if (ceFields !== undefined) {
      // Cloud Elements' form: the message's fields as JSON in the `body` part, files beside it. A
      // plain-text body that is itself a JSON object goes in the `text` part instead.
      for (const [key, fieldValue] of Object.entries(ceFields)) if (fields[key] === undefined) fields[key] = fieldValue;
    } else if (textFields.includes(name)) {
      // Repeated address fields (to=a&to=b) add up.
      const earlier = fields[name];
      fields[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
    } else {
      throw new BadRequest(`Unknown form field '${name}'; fields are ${textFields.join(', ')}, body or message (the fields as JSON) and file parts`);
    }
  }
  return { fields, files, multipart: true };
}

/** The text as a JSON object, or undefined when it is not one. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function base64Bytes(value: string, field: string): Buffer {
  const compact = value.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) throw new BadRequest(`${field} must be base64 or base64url`);
  return Buffer.from(compact, 'base64');
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) throw new BadRequest(`${field} must be given once`);
  if (typeof value !== 'string') throw new BadRequest(`${field} must be a string`);
  return value;
}

function addressList(value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  const items = Array.isArray(value) ? value : [value];
  const addresses: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') throw new BadRequest(`${field} must be an address, a comma-separated list or an array of addresses`);
    for (const parsed of addressparser(item, { flatten: true })) {
      if (!/^[^@\s]+@[^@\s]+$/.test(parsed.address)) throw new BadRequest(`${field} contains an invalid address: '${parsed.address || item}'`);
      addresses.push(parsed.name ? `"${parsed.name.replace(/["\\]/g, '')}" <${parsed.address}>` : parsed.address);
    }
  }
  return addresses;
}

function jsonAttachments(value: unknown): OutgoingAttachment[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BadRequest('attachments must be an array of {filename, mimeType, data (base64)}');
  return value.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null) throw new BadRequest(`attachments[${index}] must be an object {filename, mimeType, data}`);
    const { filename, mimeType, contentType, data } = item as Record<string, unknown>;
    if (typeof filename !== 'string' || !filename) throw new BadRequest(`attachments[${index}].filename must be a non-empty string`);
    if (typeof data !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(data.replace(/\s/g, ''))) throw new BadRequest(`attachments[${index}].data must be base64`);
    const type = mimeType ?? contentType;
    if (type !== undefined && typeof type !== 'string') throw new BadRequest(`attachments[${index}].mimeType must be a string`);
    return { filename, contentType: type || 'application/octet-stream', content: Buffer.from(data, 'base64') };
  });
}
