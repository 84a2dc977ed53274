// RFC 5322/MIME messages to Gmail's `format=full` message structure (users.messages.get) and back.
// postal-mime flattens a message into text, html and attachments, but Gmail exposes the MIME tree
// with part ids, so the tree walk is written here; postal-mime still decodes RFC 2047 encoded words
// and nodemailer's MailComposer builds outgoing messages.

import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { decodeWords } from 'postal-mime';

export interface GmailMessagePart {
  partId: string;
  mimeType: string;
  filename: string;
  headers: { name: string; value: string }[];
  body: { size: number; data?: string; attachmentId?: string };
  parts?: GmailMessagePart[];
}

export interface ParsedMessage {
  payload: GmailMessagePart;
  /** Bytes of every part served through messages.attachments.get, keyed by the part's body.attachmentId. */
  attachments: Map<string, Buffer>;
  headers: { name: string; value: string }[];
  from: string;
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  date?: Date;
  /** The Message-ID header as written, angle brackets included. */
  messageId?: string;
  /** Up to 200 characters of `text`, whitespace collapsed, HTML-escaped as Gmail returns it (`'` is `&#39;`). */
  snippet: string;
  /** The inline text/plain bodies, or failing those the text/html bodies stripped of markup; what search reads. */
  text: string;
  /** True when some part has a filename. */
  hasAttachment: boolean;
  filenames: string[];
  /** The raw message's length in bytes. */
  sizeEstimate: number;
}

export class InvalidMimeMessage extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMimeMessage';
  }
}

type Header = { name: string; value: string };

const SNIPPET_LENGTH = 200;

/**
 * Parses a raw RFC 5322 message (CRLF or LF line ends). Throws InvalidMimeMessage when the top level
 * has no header block, a line of it is not a header, or no blank line ends it.
 */
export function parseRawMessage(raw: Buffer): ParsedMessage {
  const top = splitEntity(raw, 0, raw.length, true);
  const attachments = new Map<string, Buffer>();
  const texts: TextBodies = { plain: [], html: [] };
  const filenames: string[] = [];
  const payload = buildPart(raw, top, '', 'text/plain', { attachments, texts, filenames }, 0);

  const headers = top.headers;
  const text = texts.plain.length > 0 ? texts.plain.join('\n') : texts.html.map(htmlToText).join('\n');
  const dateHeader = headerValue(headers, 'date');
  const date = dateHeader === undefined ? undefined : parseDateHeader(dateHeader);
  const messageId = headerValue(headers, 'message-id')?.trim();
  return {
    payload,
    attachments,
    // A copy, so that trimming one list (format=metadata) never changes the payload's.
    headers: [...headers],
    from: addressHeader(headers, 'from'),
    to: addressHeader(headers, 'to'),
    cc: addressHeader(headers, 'cc'),
    bcc: addressHeader(headers, 'bcc'),
    subject: headerValue(headers, 'subject') ?? '',
    ...(date === undefined ? {} : { date }),
    ...(messageId === undefined || messageId === '' ? {} : { messageId }),
    snippet: snippetOf(text),
    text,
    hasAttachment: filenames.length > 0,
    filenames,
    sizeEstimate: raw.length,
  };
}

export interface ComposeFields {
  from: string;
  to: string;
  cc?: string;
  bcc?: string;
  subject: string;
  text?: string;
  html?: string;
  date?: Date;
  messageId?: string;
  attachments?: { filename: string; contentType: string; content: Buffer }[];
}

/** Builds a raw RFC 5322 message with nodemailer's composer; Bcc is kept, as Gmail keeps it on sent mail and drafts. */
export async function composeRawMessage(fields: ComposeFields): Promise<Buffer> {
  const composer = new MailComposer({
    from: fields.from,
    to: fields.to,
    cc: fields.cc,
    bcc: fields.bcc,
    subject: fields.subject,
    text: fields.text,
    html: fields.html,
    date: fields.date,
    messageId: fields.messageId,
    attachments: (fields.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
    // Content comes from API callers; never let a string be read as a file path or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: 'win',
  });
  const node = composer.compile();
  node.keepBcc = true;
  return node.build();
}

// ---------------------------------------------------------------------------------------------------
// Entities: a header block, a blank line, a body. Offsets index into the one raw buffer so that large
// attachments are never copied before they are decoded.

interface Entity {
  headers: Header[];
  bodyStart: number;
  bodyEnd: number;
}

const NAME_COLON = /^([!-9;-~]+)[ \t]*:/;

/**
 * Splits [start, end) into headers and body. The top level must be a well-formed header block; a nested
 * part is read leniently (no headers at all, or headers without a body), as mail clients write both.
 */
function splitEntity(raw: Buffer, start: number, end: number, strict: boolean): Entity {
  const lines: string[] = [];
  let pos = start;
  let bodyStart = -1;
  let lineNumber = 0;
  while (pos < end) {
    const newline = raw.indexOf(0x0a, pos);
    const lineEnd = newline < 0 || newline >= end ? end : newline;
    let contentEnd = lineEnd;
    if (contentEnd > pos && raw[contentEnd - 1] === 0x0d) contentEnd--;
    const next = lineEnd < end ? lineEnd + 1 : end;
    lineNumber++;
    if (contentEnd === pos) {
      if (lineEnd === end) break; // the entity simply ends; no blank line was seen
      bodyStart = next;
      break;
    }
    const bytes = raw.subarray(pos, contentEnd);
    const line = hasControlBytes(bytes) ? undefined : decodeHeaderBytes(bytes);
    const isContinuation = line !== undefined && (line.startsWith(' ') || line.startsWith('\t'));
    if (strict && lineNumber === 1 && line?.startsWith('From ')) {
      // An mbox "From " envelope line is not part of the message.
      pos = next;
      continue;
    }
    if (line === undefined || (isContinuation ? lines.length === 0 : !NAME_COLON.test(line))) {
      if (strict) {
        throw new InvalidMimeMessage(
          line === undefined ? 'The header block contains binary data' : `Line ${lineNumber} of the header block is not a header field`,
        );
      }
      // A nested part without headers: the whole of it is body.
      return { headers: [], bodyStart: start, bodyEnd: end };
    }
    // Unfolding removes only the line break; the folding whitespace stays (RFC 5322 §2.2.3).
    if (isContinuation) lines[lines.length - 1] += line;
    else lines.push(line);
    pos = next;
  }
  if (strict) {
    if (lines.length === 0) throw new InvalidMimeMessage('The message has no header fields');
    if (bodyStart < 0) throw new InvalidMimeMessage('No blank line separates the headers from the body');
  }
  const headers = lines.map((line): Header => {
    const colon = line.indexOf(':');
    return { name: line.slice(0, colon).trim(), value: decodeHeaderValue(line.slice(colon + 1).trim()) };
  });
  return { headers, bodyStart: bodyStart < 0 ? end : bodyStart, bodyEnd: end };
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** NUL and other C0 controls never appear in a header line; finding them means this is not a header. */
function hasControlBytes(bytes: Buffer): boolean {
  for (const byte of bytes) if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f) return true;
  return false;
}

function decodeHeaderBytes(bytes: Buffer): string {
  // RFC 6532 allows raw UTF-8 in headers; other 8-bit bytes are read as windows-1252 rather than rejected.
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}

function decodeHeaderValue(value: string): string {
  if (!value.includes('=?')) return value;
  try {
    return decodeWords(value);
  } catch {
    return value;
  }
}

function headerValue(headers: Header[], name: string): string | undefined {
  return headers.find((h) => h.name.toLowerCase() === name)?.value;
}

/** All occurrences joined: a message may repeat To or Cc, and search must see every recipient. */
function addressHeader(headers: Header[], name: string): string {
  return headers
    .filter((h) => h.name.toLowerCase() === name)
    .map((h) => h.value)
    .join(', ');
}

function parseDateHeader(value: string): Date | undefined {
  // Drop RFC 5322 comments such as "(UTC)"; Date.parse reads the rest of the RFC 2822 form.
  const time = Date.parse(value.replace(/\([^)]*\)/g, ' ').trim());
  return Number.isNaN(time) ? undefined : new Date(time);
}

// ---------------------------------------------------------------------------------------------------
// Structured header values: Content-Type and Content-Disposition with RFC 2231 parameters.

interface StructuredValue {
  value: string;
  params: Map<string, string>;
}

function parseStructured(header: string | undefined): StructuredValue {
  const params = new Map<string, string>();
  if (header === undefined) return { value: '', params };
  const pieces = splitOutsideQuotes(header, ';');
  const value = (pieces.shift() ?? '').trim().toLowerCase();
  // RFC 2231: name*=charset'lang'pct-encoded, and name*0, name*1… continuations (each may be encoded).
  const continued = new Map<string, { index: number; text: string; encoded: boolean }[]>();
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const key = piece.slice(0, eq).trim().toLowerCase();
    let text = piece.slice(eq + 1).trim();
    if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) text = text.slice(1, -1).replace(/\\(.)/g, '$1');
    const section = /^([^*]+)\*(?:(\d+)\*?)?$/.exec(key);
    if (section === null) {
      params.set(key, text);
      continue;
    }
    const name = section[1]!;
    const list = continued.get(name) ?? [];
    list.push({ index: section[2] === undefined ? 0 : Number(section[2]), text, encoded: key.endsWith('*') });
    continued.set(name, list);
  }
  for (const [name, sections] of continued) {
    sections.sort((a, b) => a.index - b.index);
    params.set(name, decodeRfc2231(sections));
  }
  return { value, params };
}

function decodeRfc2231(sections: { text: string; encoded: boolean }[]): string {
  const first = sections[0];
  let charset = 'utf-8';
  const bytes: number[] = [];
  for (const section of sections) {
    let text = section.text;
    if (section === first && section.encoded) {
      const quote = /^([^']*)'[^']*'/.exec(text);
      if (quote !== null) {
        charset = quote[1] || 'utf-8';
        text = text.slice(quote[0].length);
      }
    }
    if (section.encoded) {
      for (let i = 0; i < text.length; i++) {
        const hex = text.slice(i + 1, i + 3);
        if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else {
          bytes.push(...Buffer.from(text[i]!, 'utf8'));
        }
      }
    } else {
      bytes.push(...Buffer.from(text, 'utf8'));
    }
  }
  return decodeCharset(Uint8Array.from(bytes), charset);
}

function splitOutsideQuotes(s: string, separator: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && quoted && i + 1 < s.length) {
      current += c + s[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === separator && !quoted) {
      pieces.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  pieces.push(current);
  return pieces;
}

/** Text of `bytes` in `charset`; an unknown label falls back to UTF-8, which replaces what it cannot read. */
function decodeCharset(bytes: Uint8Array, charset: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset.trim().toLowerCase());
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  // WHATWG maps iso-8859-1, us-ascii and their aliases to windows-1252, but Node 20's decoder for it
  // is plain Latin-1 and loses the 0x80-0x9F characters (curly quotes, €) that such mail often holds.
  return decoder.encoding === 'windows-1252' ? decodeWindows1252(bytes) : decoder.decode(bytes);
}

// windows-1252 0x80-0x9F; the five bytes it leaves undefined stay the C1 controls WHATWG maps them to.
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_HIGH.charAt(c.charCodeAt(0) - 0x80));
}

// ---------------------------------------------------------------------------------------------------
// The part tree

interface TextBodies {
  plain: string[];
  html: string[];
}

interface Collected {
  attachments: Map<string, Buffer>;
  texts: TextBodies;
  filenames: string[];
}

// Deeper nesting is an attack on the parser, not a message.
const MAX_DEPTH = 50;

function buildPart(raw: Buffer, entity: Entity, partId: string, defaultType: string, collected: Collected, depth: number): GmailMessagePart {
  if (depth > MAX_DEPTH) throw new InvalidMimeMessage(`MIME parts are nested more than ${MAX_DEPTH} deep`);
  const contentType = parseStructured(headerValue(entity.headers, 'content-type'));
  const mimeType = contentType.value.includes('/') ? contentType.value : defaultType;
  const disposition = parseStructured(headerValue(entity.headers, 'content-disposition'));
  const filename = decodeHeaderValue(disposition.params.get('filename') ?? contentType.params.get('name') ?? '');

  const boundary = contentType.params.get('boundary');
  if (mimeType.startsWith('multipart/') && boundary !== undefined && boundary !== '') {
    const ranges = splitMultipart(raw, entity.bodyStart, entity.bodyEnd, boundary);
    if (ranges !== undefined) {
      // A digest's parts are messages unless they say otherwise (RFC 2046 §5.1.5).
      const childDefault = mimeType === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
      const parts = ranges.map(([start, end], index) =>
        buildPart(raw, splitEntity(raw, start, end, false), partId === '' ? String(index) : `${partId}.${index}`, childDefault, collected, depth + 1),
      );
      return { partId, mimeType, filename, headers: entity.headers, body: { size: 0 }, parts };
    }
  }

  const content = decodeTransferEncoding(raw.subarray(entity.bodyStart, entity.bodyEnd), headerValue(entity.headers, 'content-transfer-encoding'));
  const isText = mimeType.startsWith('text/') || mimeType.startsWith('multipart/');
  if (filename === '' && isText) {
    const text = decodeCharset(content, contentType.params.get('charset') ?? 'utf-8');
    const utf8 = Buffer.from(text, 'utf8');
    const inline = !disposition.value.startsWith('attachment');
    if (inline && mimeType === 'text/plain') collected.texts.plain.push(text);
    if (inline && mimeType === 'text/html') collected.texts.html.push(text);
    return { partId, mimeType, filename, headers: entity.headers, body: { size: utf8.length, data: toBase64Url(utf8) } };
  }

  // Named parts, and unnamed non-text parts (inline images, message/rfc822), are served separately
  // like Gmail does; only named ones count as attachments for has:attachment and filename:.
  const attachmentId = attachmentIdFor(partId, content);
  collected.attachments.set(attachmentId, content);
  if (filename !== '') collected.filenames.push(filename);
  return { partId, mimeType, filename, headers: entity.headers, body: { size: content.length, attachmentId } };
}

/**
 * [start, end) ranges of the body parts between boundary delimiter lines, or undefined when no delimiter
 * occurs. The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1). A missing close
 * delimiter ends the last part at the end of the body, as every lenient reader does.
 */
function splitMultipart(raw: Buffer, start: number, end: number, boundary: string): [number, number][] | undefined {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const ranges: [number, number][] = [];
  let partStart = -1;
  let search = start;
  while (search < end) {
    const at = raw.indexOf(delimiter, search);
    if (at < 0 || at + delimiter.length > end) break;
    search = at + delimiter.length;
    if (at !== start && raw[at - 1] !== 0x0a) continue; // not at the start of a line
    const newline = raw.indexOf(0x0a, search);
    const lineEnd = newline < 0 || newline >= end ? end : newline;
    const rest = raw.subarray(search, lineEnd).toString('latin1');
    const closing = rest.startsWith('--');
    // Anything but transport padding after the boundary means a longer boundary that merely starts alike.
    if (!/^[ \t\r]*$/.test(closing ? rest.slice(2) : rest)) continue;
    if (partStart >= 0) {
      let partEnd = at === start ? at : at - 1;
      if (partEnd > partStart && raw[partEnd - 1] === 0x0d) partEnd--;
      ranges.push([partStart, Math.max(partStart, partEnd)]);
    }
    if (closing) {
      partStart = -1;
      break;
    }
    partStart = lineEnd < end ? lineEnd + 1 : end;
    search = partStart;
  }
  if (partStart >= 0) ranges.push([partStart, end]);
  return ranges.length > 0 ? ranges : undefined;
}

function decodeTransferEncoding(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case 'base64':
      // Buffer's decoder skips line breaks and stray characters, which is what mail needs.
      return Buffer.from(body.toString('latin1'), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length);
  let length = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (byte !== 0x3d) {
      out[length++] = byte;
      continue;
    }
    const high = hexValue(body[i + 1]);
    const low = hexValue(body[i + 2]);
    if (high >= 0 && low >= 0) {
      out[length++] = high * 16 + low;
      i += 2;
      continue;
    }
    // A soft line break is '=' followed (perhaps after trailing blanks) by the line end.
    let j = i + 1;
    while (body[j] === 0x20 || body[j] === 0x09) j++;
    if (body[j] === 0x0d && body[j + 1] === 0x0a) {
      i = j + 1;
    } else if (body[j] === 0x0a) {
      i = j;
    } else if (j >= body.length) {
      i = j;
    } else {
      out[length++] = byte; // a lone '=' that encodes nothing is kept, as RFC 2045 advises
    }
  }
  return out.subarray(0, length);
}

/** Gmail's body.data is base64url with its '=' padding kept. */
function toBase64Url(bytes: Buffer): string {
  const unpadded = bytes.toString('base64url');
  return unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4);
}

/** Stable for the same message (same part, same bytes), distinct for equal bytes in two parts. */
function attachmentIdFor(partId: string, content: Buffer): string {
  return createHash('sha256').update(`${partId}\0`).update(content).digest('base64url');
}

// ---------------------------------------------------------------------------------------------------
// Text for search and snippets

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', euro: '€', bull: '•',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Enough HTML-to-text for search and snippets: invisible elements dropped, block ends become line breaks. */
function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<(script|style|head|title)\b[\s\S]*?<\/\1\s*>/gi, '')
      .replace(/<br\s*\/?>|<\/(p|div|tr|li|h[1-6]|blockquote|table)\s*>/gi, '\n')
      .replace(/<[^>]*>/g, ''),
  );
}

/**
 * Gmail's snippet: the start of the body text with whitespace runs collapsed to one space, cut at
 * SNIPPET_LENGTH characters, then HTML-escaped the way Gmail escapes it (`'` becomes `&#39;`).
 */
function snippetOf(text: string): string {
  // Only the start can reach the snippet; bounding it keeps multi-megabyte bodies cheap.
  const collapsed = text.slice(0, SNIPPET_LENGTH * 20).replace(/\s+/g, ' ').trim();
  const cut = Array.from(collapsed).slice(0, SNIPPET_LENGTH).join('').trimEnd();
  return cut.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
