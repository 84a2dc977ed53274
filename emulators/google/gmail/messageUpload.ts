// Reads the message a client hands to insert/import/send and drafts.create/update/send, in the three
// forms Google accepts: JSON `{raw: base64url}` on the plain URL, and on `/upload/...` either
// `uploadType=media` (the body is the RFC 822 message) or `uploadType=multipart` (multipart/related:
// JSON metadata, then the message), which is what @googleapis/gmail sends when given `media`.

import { GoogleApiError } from '../googleErrors.ts';
import { boundaryOf, MalformedMultipart, splitMultipart } from '../multipart.ts';
import { jsonObjectBody, type GmailCall } from './apiRoute.ts';
import { InvalidMimeMessage, parseRawMessage, type ParsedMessage } from './mimeMessage.ts';

export interface UploadedMessage {
  raw: Buffer;
  parsed: ParsedMessage;
  /** The Message resource fields besides `raw` (threadId, labelIds). */
  fields: Record<string, unknown>;
  /** The whole resource sent (the Draft for drafts, else the Message). */
  resource: Record<string, unknown>;
}

const RAW_REQUIRED = "'raw' RFC822 payload message string or uploading message via /upload/* URL required";

/** `envelope: 'draft'` reads a Draft resource (`{message: {...}}`), `'message'` a Message resource. */
export function readUploadedMessage(call: GmailCall, envelope: 'message' | 'draft'): UploadedMessage {
  const { raw, resource } = call.upload ? readUpload(call) : readJson(call);
  const fields = envelope === 'draft' ? messageOf(resource) : resource;
  const rawBytes = raw ?? decodeRaw(fields.raw);
  if (rawBytes === undefined || rawBytes.length === 0) throw GoogleApiError.invalidArgument(RAW_REQUIRED);
  let parsed: ParsedMessage;
  try {
    parsed = parseRawMessage(rawBytes);
  } catch (error) {
    if (error instanceof InvalidMimeMessage) throw GoogleApiError.invalidArgument(`Invalid RFC822 message: ${error.message}`);
    throw error;
  }
  return { raw: rawBytes, parsed, fields, resource };
}

function readJson(call: GmailCall): { raw?: Buffer; resource: Record<string, unknown> } {
  return { resource: jsonObjectBody(call) };
}

function readUpload(call: GmailCall): { raw?: Buffer; resource: Record<string, unknown> } {
  const uploadType = call.query.string('uploadType');
  const body = call.body;
  if (uploadType === 'media') {
    if (!Buffer.isBuffer(body)) throw GoogleApiError.invalidArgument(RAW_REQUIRED);
    return { raw: body, resource: {} };
  }
  if (uploadType === 'multipart') {
    const boundary = boundaryOf(call.request.headers['content-type']);
    if (boundary === undefined || !Buffer.isBuffer(body)) throw GoogleApiError.invalidArgument('Invalid multipart request with 0 mime parts.');
    let parts: ReturnType<typeof splitMultipart>;
    try {
      parts = splitMultipart(body, boundary);
    } catch (error) {
      if (error instanceof MalformedMultipart) throw GoogleApiError.invalidArgument(`Invalid multipart request: ${error.message}`);
      throw error;
    }
    if (parts.length !== 2) throw GoogleApiError.invalidArgument(`Invalid multipart request with ${parts.length} mime parts.`);
    const [metadataPart, mediaPart] = parts as [(typeof parts)[0], (typeof parts)[0]];
    let resource: unknown = {};
    const metadataText = metadataPart.body.toString('utf8').trim();
    if (metadataText !== '') {
      try {
        resource = JSON.parse(metadataText) as unknown;
      } catch (error) {
        throw GoogleApiError.invalidJson(error instanceof Error ? error.message : 'Unexpected token.');
      }
    }
    if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) throw GoogleApiError.invalidJson('Expected an object.');
    return { raw: decodeTransfer(mediaPart.body, mediaPart.headers.get('content-transfer-encoding')), resource: resource as Record<string, unknown> };
  }
  if (uploadType === 'resumable') throw GoogleApiError.invalidArgument('The emulator does not support resumable uploads; use uploadType=multipart or media.');
  throw GoogleApiError.invalidArgument('Upload requests must include an uploadType URL parameter and a URL path beginning with /upload/');
}

function messageOf(draft: Record<string, unknown>): Record<string, unknown> {
  const message = draft.message;
  if (message === undefined || message === null) return {};
  if (typeof message !== 'object' || Array.isArray(message)) throw GoogleApiError.invalidJson("Invalid value at 'draft.message', expected an object");
  return message as Record<string, unknown>;
}

function decodeRaw(value: unknown): Buffer | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw GoogleApiError.invalidJson("Invalid value at 'message.raw' (TYPE_BYTES)");
  // Google reads raw as base64url but accepts the standard alphabet and missing padding too.
  if (!/^[A-Za-z0-9+/_=\s-]*$/.test(value)) throw GoogleApiError.invalidJson(`Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed for "${value.slice(0, 40)}"`);
  return Buffer.from(value.replace(/\s+/g, ''), 'base64');
}

function decodeTransfer(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding !== undefined && encoding.trim().toLowerCase() === 'base64') return Buffer.from(body.toString('latin1').replace(/\s+/g, ''), 'base64');
  return body;
}

/** `threadId` of a Message resource, when given. */
export function requestedThreadId(fields: Record<string, unknown>): string | undefined {
  const value = fields.threadId;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw GoogleApiError.invalidJson("Invalid value at 'message.thread_id' (TYPE_STRING)");
  return value.toLowerCase();
}
