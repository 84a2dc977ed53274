// The opaque cursor of the change feed: per watched folder, the Graph delta link to call next (a
// deltaLink between rounds, a nextLink while a round is under way), kept as a path under the API base
// URL (graphApi.ts linkPath), with what the change feed needs to read that folder's round honestly:
//   since — when the previous round began: the time Graph served its first page, by Graph's clock
//           (its Date header, whole seconds). A message created before the second ahead of it was
//           there for that round (or an earlier one) to see: a change to it is UPDATED. One created
//           later may or may not have been in it:
//   edge  — the messages created from that second on that the previous rounds did see, [id,
//           createdDateTime in epoch seconds]. A message created then and not in the edge is new
//           to the feed (CREATED).
//   round — a digest of the deltaLink that opened the round, which versions the removals the round
//           reports, so that the same round read again reports them with the same version;
//   started, pending — while a round is under way: when it began, and the messages created from then
//           on that it has seen so far (the edge it will leave);
//   initial — the round is the folder's first enumeration (the baseline's), reported to nobody.
// base64url JSON, versioned.

import { createHash } from 'node:crypto';
import { BadRequest } from '../../../errors/index.ts';
import { checkedLinkPath } from './graphApi.ts';

/** Message id → createdDateTime, epoch seconds. */
export type EdgeMessages = ReadonlyMap<string, number>;

export interface FolderCursor {
  /** The delta link path to call next. */
  link: string;
  /** Epoch ms (whole seconds) at which the previous round began; 0 before the first. */
  since: number;
  /** The messages created from a second before `since` on that the rounds up to it saw. */
  edge: EdgeMessages;
  /** Digest of the deltaLink that opened the current round. */
  round: string;
  /** While a round is under way: when it began (epoch ms, whole seconds)… */
  started?: number;
  /** …and the messages created from a second before then that it has seen so far. */
  pending?: EdgeMessages;
  /** The round is the folder's first enumeration: nothing it returns is reported. */
  initial?: boolean;
}

/** Watched folder (its well-known name) → where its change tracking stands. */
export type DeltaCursor = Record<string, FolderCursor>;

const VERSION = 1;
const FOLDER_NAME = /^[a-z]{1,40}$/;

export function roundDigest(link: string): string {
  return createHash('sha256').update(link).digest('base64url').slice(0, 16);
}

type EncodedFolder = { l: string; s: number; r: string; e?: [string, number][]; t?: number; p?: [string, number][]; i?: 1 };

function pairs(edge: EdgeMessages | undefined): [string, number][] | undefined {
  return edge === undefined || edge.size === 0 ? undefined : [...edge.entries()];
}

export function encodeCursor(cursor: DeltaCursor): string {
  const folders: Record<string, EncodedFolder> = {};
  for (const [name, state] of Object.entries(cursor)) {
    const e = pairs(state.edge);
    const p = pairs(state.pending);
    folders[name] = {
      l: state.link,
      s: state.since,
      r: state.round,
      ...(e ? { e } : {}),
      ...(state.started !== undefined ? { t: state.started } : {}),
      ...(p ? { p } : {}),
      ...(state.initial ? { i: 1 } : {}),
    };
  }
  return Buffer.from(JSON.stringify({ v: VERSION, f: folders })).toString('base64url');
}

function refuse(): never {
  throw new BadRequest('cursor is not a cursor of this feed: pass the Elements-Next-Cursor header of the previous call, or omit it for a baseline');
}

function edgeOf(value: unknown): Map<string, number> {
  if (value === undefined) return new Map();
  if (!Array.isArray(value)) return refuse();
  const edge = new Map<string, number>();
  for (const pair of value) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'number' || !Number.isFinite(pair[1])) return refuse();
    edge.set(pair[0], pair[1]);
  }
  return edge;
}

export function decodeCursor(text: string): DeltaCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text.trim(), 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return refuse();
  const { v, f } = parsed as Record<string, unknown>;
  if (v !== VERSION || typeof f !== 'object' || f === null || Array.isArray(f)) return refuse();
  const cursor: DeltaCursor = {};
  for (const [name, entry] of Object.entries(f as Record<string, unknown>)) {
    if (!FOLDER_NAME.test(name) || typeof entry !== 'object' || entry === null) return refuse();
    const { l, s, r, e, t, p, i } = entry as Record<string, unknown>;
    if (typeof l !== 'string' || typeof s !== 'number' || !Number.isFinite(s) || typeof r !== 'string' || (i !== undefined && i !== 1)) return refuse();
    if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t))) return refuse();
    cursor[name] = {
      link: checkedLinkPath(l, 'delta'),
      since: s,
      edge: edgeOf(e),
      round: r,
      ...(typeof t === 'number' ? { started: t } : {}),
      ...(p !== undefined ? { pending: edgeOf(p) } : {}),
      ...(i === 1 ? { initial: true } : {}),
    };
  }
  if (Object.keys(cursor).length === 0) return refuse();
  return cursor;
}
