// Opaque page tokens. A token names the position to continue after (a message sort key, or a history
// record id), so pages stay consistent while mail keeps arriving; an HMAC tag makes tampered or
// made-up tokens fail with Google's 400 instead of silently listing something else.

import { createHmac, randomBytes } from 'node:crypto';
import { GoogleApiError } from '../googleErrors.ts';
import type { SortKey } from './messageIndex.ts';

const SECRET = randomBytes(16);

function tag(payload: string): string {
  return createHmac('sha256', SECRET).update(payload).digest('base64url').slice(0, 10);
}

function encode(payload: string): string {
  return Buffer.from(`${payload}|${tag(payload)}`).toString('base64url');
}

function decode(token: string, kind: string): string[] {
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  const cut = text.lastIndexOf('|');
  const payload = cut < 0 ? '' : text.slice(0, cut);
  if (cut < 0 || tag(payload) !== text.slice(cut + 1)) throw invalidPageToken();
  const fields = payload.split(':');
  if (fields[0] !== kind) throw invalidPageToken();
  return fields.slice(1);
}

function invalidPageToken(): GoogleApiError {
  return GoogleApiError.invalidArgument('Invalid pageToken');
}

/** `kind` keeps a messages.list token from being replayed on threads.list and vice versa. */
export function encodeListToken(kind: 'messages' | 'threads' | 'drafts', key: SortKey): string {
  return encode(`${kind}:${key.internalDate}:${key.id}`);
}

export function decodeListToken(kind: 'messages' | 'threads' | 'drafts', token: string): SortKey {
  const [date, id] = decode(token, kind);
  const internalDate = Number(date);
  if (!Number.isFinite(internalDate) || id === undefined) throw invalidPageToken();
  return { internalDate, id };
}

export function encodeHistoryToken(afterId: number): string {
  return encode(`history:${afterId}`);
}

export function decodeHistoryToken(token: string): number {
  const [id] = decode(token, 'history');
  const afterId = Number(id);
  if (!Number.isSafeInteger(afterId)) throw invalidPageToken();
  return afterId;
}
