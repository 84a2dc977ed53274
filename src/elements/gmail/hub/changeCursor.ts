// The opaque cursor of the change feed: the Gmail history id to read from and, in the middle of a
// multi-page read, Gmail's page token. Bare history ids are accepted too (the form a migrating poller
// or a person typing a cursor would use).

import { BadRequest } from '../../../errors/index.ts';

export interface ChangeCursor {
  historyId: string;
  pageToken?: string;
}

export function encodeCursor(cursor: ChangeCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, h: cursor.historyId, ...(cursor.pageToken ? { p: cursor.pageToken } : {}) })).toString('base64url');
}

export function decodeCursor(text: string): ChangeCursor {
  const trimmed = text.trim();
  if (/^\d{1,20}$/.test(trimmed)) return { historyId: trimmed };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(trimmed, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const { v, h, p } = parsed as Record<string, unknown>;
    if (v === 1 && typeof h === 'string' && /^\d{1,20}$/.test(h) && (p === undefined || (typeof p === 'string' && p !== ''))) {
      return { historyId: h, ...(typeof p === 'string' ? { pageToken: p } : {}) };
    }
  }
  throw new BadRequest('cursor is not a cursor of this feed: pass the Elements-Next-Cursor header of the previous call, or omit it for a baseline');
}
