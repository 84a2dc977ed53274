// Which Gmail format a message read asks for. Gmail's own `format` parameter passes through; without
// it a single message, thread or draft is read as Gmail reads it by default (full: the whole part
// tree with attachment ids), and listings read each item as metadata (headers only), which is cheaper
// to carry. includeBody=true adds the flat body and attachments, which only the full format has.

import { BadRequest } from '../../../errors/index.ts';
import type { QueryParameters } from '../../../hubs/index.ts';
import type { GmailMessageFormat } from './gmailTypes.ts';

export interface MessageRead {
  format: GmailMessageFormat;
  includeBody: boolean;
}

export const MESSAGE_FORMATS: readonly GmailMessageFormat[] = ['full', 'metadata', 'minimal', 'raw'];
/** threads.get has no raw format. */
export const THREAD_FORMATS: readonly GmailMessageFormat[] = ['full', 'metadata', 'minimal'];

export function messageRead(query: QueryParameters, options: { fallback: GmailMessageFormat; allowed?: readonly GmailMessageFormat[] }): MessageRead {
  const includeBody = query.boolean('includeBody', false);
  const allowed = options.allowed ?? MESSAGE_FORMATS;
  const given = query.nonEmpty('format');
  if (given === undefined) return { format: includeBody ? 'full' : options.fallback, includeBody };
  const format = allowed.find((candidate) => candidate === given.trim().toLowerCase());
  if (format === undefined) throw new BadRequest(`format must be one of ${allowed.join(', ')}, got '${given}'`);
  if (includeBody && format !== 'full') throw new BadRequest(`includeBody=true needs format=full (the body is read from it), got format '${given}'`);
  return { format, includeBody };
}
