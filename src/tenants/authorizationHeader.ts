// Parses Cloud Elements' `Authorization: User <secret>, Organization <secret>[, Element <token>]`
// header: parts in any order, any case of the keywords, tolerant of extra whitespace.

import { Unauthorized } from '../errors/index.ts';

export interface Credentials {
  user?: string;
  organization?: string;
  element?: string;
}

const KEYWORDS: Record<string, keyof Credentials> = { user: 'user', organization: 'organization', element: 'element' };

export function parseAuthorizationHeader(header: string | undefined): Credentials {
  if (!header || !header.trim()) {
    throw new Unauthorized('Authorization header is required: "User <user secret>, Organization <organization secret>"');
  }
  const credentials: Credentials = {};
  for (const part of header.split(',')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const match = /^(\S+)\s+(\S+)$/.exec(trimmed);
    const keyword = match ? KEYWORDS[match[1]!.toLowerCase()] : undefined;
    if (!match || !keyword) {
      throw new Unauthorized(`Authorization header part "${trimmed.split(/\s+/)[0]}" is not one of User, Organization, Element`);
    }
    if (credentials[keyword] !== undefined) throw new Unauthorized(`Authorization header names ${match[1]} twice`);
    credentials[keyword] = match[2]!;
  }
  return credentials;
}
