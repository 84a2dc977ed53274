// Minimal multipart (RFC 2046) reading and HTTP-message parsing for the two places Google uses them:
// media uploads (multipart/related: JSON metadata + the message) and batch requests (multipart/mixed
// of application/http parts). Tolerates LF-only line ends, as clients built by hand often send them.

export interface MimePart {
  /** Header names lower-cased. */
  headers: Map<string, string>;
  body: Buffer;
}

export class MalformedMultipart extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedMultipart';
  }
}

/** The boundary parameter of a multipart Content-Type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

export function splitMultipart(body: Buffer, boundary: string): MimePart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  let position = body.indexOf(delimiter);
  if (position < 0) throw new MalformedMultipart('multipart body has no boundary delimiter');
  const parts: MimePart[] = [];
  for (;;) {
    let cursor = position + delimiter.length;
    if (body[cursor] === 0x2d && body[cursor + 1] === 0x2d) return parts; // closing `--boundary--`
    // Skip transport padding and the line end after the delimiter.
    const lineEnd = body.indexOf(0x0a, cursor);
    if (lineEnd < 0) throw new MalformedMultipart('multipart body ends inside a delimiter line');
    cursor = lineEnd + 1;
    const nextDelimiter = findDelimiter(body, delimiter, cursor);
    if (nextDelimiter < 0) throw new MalformedMultipart('multipart body has no closing boundary');
    let end = nextDelimiter;
    // The line break before a delimiter belongs to the delimiter.
    if (end > cursor && body[end - 1] === 0x0a) end--;
    if (end > cursor && body[end - 1] === 0x0d) end--;
    parts.push(parseEntity(body.subarray(cursor, end)));
    position = nextDelimiter;
  }
}

function findDelimiter(body: Buffer, delimiter: Buffer, from: number): number {
  let at = body.indexOf(delimiter, from);
  while (at >= 0) {
    // A delimiter must start a line.
    if (at === from || body[at - 1] === 0x0a) return at;
    at = body.indexOf(delimiter, at + 1);
  }
  return -1;
}

/** A header block, a blank line, a body. A part without a blank line is all headers. */
export function parseEntity(entity: Buffer): MimePart {
  const { headerEnd, bodyStart } = findBlankLine(entity);
  const headers = parseHeaderLines(entity.subarray(0, headerEnd).toString('latin1'));
  return { headers, body: entity.subarray(bodyStart) };
}

function findBlankLine(entity: Buffer): { headerEnd: number; bodyStart: number } {
  // A part may start straight with a blank line (no headers).
  if (entity[0] === 0x0a) return { headerEnd: 0, bodyStart: 1 };
  if (entity[0] === 0x0d && entity[1] === 0x0a) return { headerEnd: 0, bodyStart: 2 };
  for (let i = 0; i < entity.length; i++) {
    if (entity[i] !== 0x0a) continue;
    if (entity[i + 1] === 0x0a) return { headerEnd: i, bodyStart: i + 2 };
    if (entity[i + 1] === 0x0d && entity[i + 2] === 0x0a) return { headerEnd: i, bodyStart: i + 3 };
  }
  return { headerEnd: entity.length, bodyStart: entity.length };
}

export function parseHeaderLines(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  let lastName: string | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && lastName !== undefined) {
      headers.set(lastName, `${headers.get(lastName) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MalformedMultipart(`not a header line: ${line.slice(0, 80)}`);
    lastName = line.slice(0, colon).trim().toLowerCase();
    headers.set(lastName, line.slice(colon + 1).trim());
  }
  return headers;
}

export interface HttpRequestMessage {
  method: string;
  /** As written on the request line: a path or an absolute URL. */
  target: string;
  headers: Map<string, string>;
  body: Buffer;
}

/** An `application/http` batch part: `GET /path HTTP/1.1`, headers, blank line, body. */
export function parseHttpRequest(message: Buffer): HttpRequestMessage {
  let start = 0;
  // Skip blank lines before the request line.
  while (message[start] === 0x0d || message[start] === 0x0a) start++;
  const lineEnd = message.indexOf(0x0a, start);
  const requestLine = message
    .subarray(start, lineEnd < 0 ? message.length : lineEnd)
    .toString('latin1')
    .replace(/\r$/, '');
  const match = /^([A-Za-z]+)\s+(\S+)(?:\s+HTTP\/\d(?:\.\d)?)?\s*$/.exec(requestLine);
  if (match === null) throw new MalformedMultipart(`not an HTTP request line: ${requestLine.slice(0, 80)}`);
  const rest = lineEnd < 0 ? Buffer.alloc(0) : message.subarray(lineEnd + 1);
  const entity = rest.length === 0 ? { headers: new Map<string, string>(), body: Buffer.alloc(0) } : parseEntity(rest);
  return { method: (match[1] as string).toUpperCase(), target: match[2] as string, headers: entity.headers, body: entity.body };
}
