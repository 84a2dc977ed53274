// Parsing of an instance body's plain fields (name, tags): the rules POST, PUT and PATCH share.
// The grant and configuration are parsed by authenticationRequest.ts.

import { BadRequest } from '../errors/index.ts';

export function parseName(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.trim()) throw new BadRequest('name is required and must be a non-empty string');
  if (raw.length > 255) throw new BadRequest('name must be at most 255 characters');
  return raw.trim();
}

const MAX_TAGS = 50;

export function parseTags(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new BadRequest('tags must be an array of strings');
  if (raw.length > MAX_TAGS) throw new BadRequest(`tags must hold at most ${MAX_TAGS} tags, got ${raw.length}`);
  return raw.map((tag, index) => {
    if (typeof tag !== 'string' || !tag.trim()) throw new BadRequest(`tags[${index}] must be a non-empty string`);
    if (tag.length > 255) throw new BadRequest(`tags[${index}] must be at most 255 characters`);
    return tag.trim();
  });
}
