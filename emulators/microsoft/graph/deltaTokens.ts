// The state a delta round carries between calls, as opaque `$skiptoken` / `$deltatoken` values:
// whose mailbox and folder, from which sequence (and, while paging, up to which one and after which
// item), when it was issued, and the query options of the first call (Graph encodes them in the
// token: later calls need not repeat $select, changeType or the page size).

import { GraphError } from '../microsoftErrors.ts';

export interface DeltaQuery {
  select?: string[];
  changeType?: 'created' | 'updated' | 'deleted';
  pageSize: number;
  /** Initial round only: `receivedDateTime ge|gt` bound (epoch ms) and whether inclusive. */
  receivedFrom?: { at: number; inclusive: boolean };
}

/** Initial round: every message of the folder, in (receivedAt desc, id) order after `after`. */
export interface InitialCursor {
  phase: 'initial';
  /** Sequence when the round started: the delta link it ends with reports what came after. */
  base: number;
  after?: { receivedAt: number; id: string };
}

/** Later round: changes in (since, upTo], by id, after `afterId`. */
export interface ChangesCursor {
  phase: 'changes';
  since: number;
  upTo: number;
  afterId?: string;
}

/** A delta link's state: the next round reports changes after `since`. */
export interface DeltaState {
  mailbox: string;
  folderId: string;
  issuedAt: number;
  query: DeltaQuery;
  cursor: InitialCursor | ChangesCursor | { phase: 'link'; since: number };
}

export function encodeDeltaToken(state: DeltaState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

/** The state in a token, or 400 when it is not one of ours (Graph: malformed token). */
export function decodeDeltaToken(token: string): DeltaState {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaState;
    if (typeof parsed.mailbox !== 'string' || typeof parsed.folderId !== 'string' || typeof parsed.issuedAt !== 'number' || typeof parsed.cursor !== 'object') {
      throw new Error('shape');
    }
    return parsed;
  } catch {
    throw GraphError.badRequest('The delta token is malformed.', 'ErrorInvalidSyncStateData');
  }
}

/** The sequence a token reads from: older than the mailbox's floor or the retention window means 410. */
export function baseSequence(state: DeltaState): number {
  const cursor = state.cursor;
  if (cursor.phase === 'initial') return cursor.base;
  return cursor.since;
}
