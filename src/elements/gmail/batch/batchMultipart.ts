// Google's batch wire format: many HTTP requests in one multipart/mixed body, answered by a
// multipart/mixed body of HTTP responses matched by Content-ID
// (https://developers.google.com/gmail/api/guides/batch). Pure encode/decode, no I/O.

import crypto from 'node:crypto';

export interface BatchPartRequest {
  /** Our id of the part; answered as `response-<id>`. */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query on the provider's origin, e.g. `/gmail/v1/users/me/messages/abc?format=metadata`. */
  path: string;
}

export interface BatchPartResponse {
  /** Our part id, when the answer named it. */
  id?: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class BatchFormatError extends Error {
  override readonly name = 'BatchFormatError';
}

export function encodeBatchRequest(parts: readonly BatchPartRequest[], boundary = `batch_${crypto.randomBytes(12).toString('hex')}`): { contentType: string; body: string } {
  const chunks: string[] = [];
  for (const part of parts) {
    chunks.push(`--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <${part.id}>\r\n\r\n${part.method} ${part.path}\r\n\r\n`);
  }
  chunks.push(`--${boundary}--\r\n`);
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: chunks.join('') };
}

export function decodeBatchResponse(contentType: string | undefined, body: Buffer): BatchPartResponse[] {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) throw new BatchFormatError(`batch answer is not multipart (Content-Type: ${contentType ?? 'none'})`);
  const text = body.toString('utf8');
  const delimiter = `--${boundary}`;
  const segments = text.split(delimiter);
  const parts: BatchPartResponse[] = [];
  // segments[0] is the preamble; a segment starting with "--" follows the closing delimiter.
  for (const segment of segments.slice(1)) {
    if (segment.startsWith('--')) break;
    parts.push(decodePart(segment));
  }
  return parts;
}

function decodePart(segment: string): BatchPartResponse {
  const [partHeaderText, afterPartHeaders] = splitHead(segment.replace(/^\r?\n/, ''));
  const partHeaders = parseHeaders(partHeaderText);
  const [httpHead, httpBody] = splitHead(afterPartHeaders);
  const [statusLine = '', ...headerLines] = httpHead.split(/\r?\n/);
  const match = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(statusLine.trim());
  if (!match) throw new BatchFormatError(`batch part has no HTTP status line: '${statusLine.slice(0, 80)}'`);
  const contentId = partHeaders['content-id']?.replace(/^<|>$/g, '');
  const id = contentId?.startsWith('response-') ? contentId.slice('response-'.length) : contentId;
  return {
    ...(id !== undefined ? { id } : {}),
    status: Number(match[1]),
    headers: parseHeaders(headerLines.join('\n')),
    // The delimiter's own line break belongs to the delimiter, not to the body.
    body: httpBody.replace(/\r?\n$/, ''),
  };
}

function splitHead(text: string): [string, string] {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) return [text, ''];
  return [text.slice(0, match.index), text.slice(match.index + match[0].length)];
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^multipart\//i.test(contentType.trim())) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}
