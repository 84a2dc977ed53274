// One poll of one (instance, resource): reads the resource through the hub (in process), detects the
// changes with the strongest method the resource allows, and commits them through the outbox.
//   cursor   — the element's change feed, page by page, its records read as the element names their
//              fields, keeping the state of each object when the element says how to recover an
//              expired cursor;
//   window   — a URL with date placeholders, filled from the last poll minus pollDelay;
//   listing  — every page, diffed against the stored fingerprints.
// The first poll of a resource records the baseline and emits nothing.

import type { Kysely } from 'kysely';
import type { ElementDefinition, ElementResource } from '../../elements/index.ts';
import { ProviderError } from '../../errors/index.ts';
import { CursorExpired, HUB_HEADERS, SnapshotTooLarge, splitHubUrl, type HubRequest, type HubResponse } from '../../hubs/index.ts';
import type { Database, InstanceRow, PollScheduleRow } from '../../store/index.ts';
import type { DetectedChange, ProviderRecord } from '../eventTypes.ts';
import { commitPoll, loadFingerprints, type CaptureListener, type FingerprintWrite } from '../outbox/index.ts';
import { minimalRecord } from './changeDetection.ts';
import { eventsFromCursorRecords, type CursorOptions } from './cursorChanges.ts';
import { compareSnapshot, pageFingerprints } from './cursorState.ts';
import { detectListingChanges } from './listingChanges.ts';
import { resourceNameFromUrl, type ResourcePollerConfiguration } from './pollerConfiguration.ts';
import { expandPollUrl, placeholdersIn } from './urlPlaceholders.ts';
import { classifyWindowRecords, windowStart } from './windowChanges.ts';

export interface HubExecutor {
  execute(instance: InstanceRow, request: HubRequest): Promise<HubResponse>;
}

export type DetectionKind = 'cursor' | 'window' | 'listing';

export interface PollContext {
  db: Kysely<Database>;
  hubs: HubExecutor;
  element: ElementDefinition;
  instance: InstanceRow;
  ownerEmail: string;
  schedule: PollScheduleRow;
  config: ResourcePollerConfiguration;
  leaseOwner: string;
  startedAt: number;
  /** Told after each commit that carried changes (metrics, logs). */
  onCommitted?: CaptureListener;
}

export interface PollOutcome {
  kind: DetectionKind;
  events: number;
  baseline: boolean;
  /** More changes are waiting (a long cursor backlog): poll again right away. */
  more: boolean;
  resynchronized?: boolean;
  /** Why changes inside an expired cursor's gap could not be recovered (logged as a warning). */
  unrecoveredGap?: string;
  /**
   * The cursor still to write. An idle poll commits nothing itself: its new cursor is written by the
   * worker's release of the lease (still only while the lease is held), batched with other polls'.
   */
  idleCursor?: string;
}

/** A cursor backlog is drained over several polls so one instance cannot hold a worker forever. */
const MAX_CURSOR_PAGES_PER_POLL = 20;
const DEFAULT_LIST_PAGE_SIZE = 200;
const MAX_LISTING_PAGES = 1000;
/** Changed objects' records are read this many at a time during a recovery. */
const RECORD_READS_AT_ONCE = 8;

function elementResource(element: ElementDefinition, config: ResourcePollerConfiguration): ElementResource | undefined {
  const { resourceName } = resourceNameFromUrl(config.url);
  return element.resources.find((r) => r.name === resourceName);
}

/** How the cursor resource's records are read: the id field configured, the other fields as the element names them. */
function cursorOptions(ctx: PollContext): CursorOptions {
  const { resourceName } = resourceNameFromUrl(ctx.config.url);
  return { idField: ctx.config.idField, pollDate: new Date(ctx.startedAt), ...ctx.element.changeFeeds?.[resourceName] };
}

export function detectionKind(element: ElementDefinition, config: ResourcePollerConfiguration): DetectionKind {
  if (elementResource(element, config)?.polling === 'cursor') return 'cursor';
  return placeholdersIn(config.url).length > 0 ? 'window' : 'listing';
}

/** A GET of a poll URL (`/hubs/general/messages?x=1`), read as the hub engine reads every URL. */
function hubRequest(url: string, extraQuery: Record<string, string> = {}): HubRequest {
  return { method: 'GET', ...splitHubUrl(url, extraQuery) };
}

function records(response: HubResponse, resource: string): unknown[] {
  if (!Array.isArray(response.body)) {
    throw new ProviderError(`the hub answered ${resource} with something other than a list`, { statusCode: 502 });
  }
  return response.body;
}

async function listAll(ctx: PollContext, url: string): Promise<unknown[]> {
  const all: unknown[] = [];
  let nextPage: string | undefined;
  for (let page = 0; page < MAX_LISTING_PAGES; page += 1) {
    const query: Record<string, string> = { pageSize: String(ctx.config.pageSize ?? DEFAULT_LIST_PAGE_SIZE) };
    if (nextPage) query.nextPage = nextPage;
    const response = await ctx.hubs.execute(ctx.instance, hubRequest(url, query));
    all.push(...records(response, ctx.schedule.resource));
    nextPage = response.headers[HUB_HEADERS.nextPageToken];
    if (!nextPage) return all;
  }
  throw new ProviderError(`${ctx.schedule.resource} has more than ${MAX_LISTING_PAGES} pages; raise pageSize or use a date window`, { statusCode: 502 });
}

function commitBase(ctx: PollContext) {
  return {
    instance: ctx.instance,
    ownerEmail: ctx.ownerEmail,
    hubKey: ctx.element.hub,
    scheduleId: ctx.schedule.id,
    leaseOwner: ctx.leaseOwner,
    resource: ctx.schedule.resource,
    pollDate: new Date(ctx.startedAt),
    onCommitted: ctx.onCommitted,
  };
}

function success(ctx: PollContext, extra: { cursor?: string | null; baseline_at?: number | null; state_snapshot_at?: number | null } = {}) {
  return { ...extra, last_success_at: ctx.startedAt, last_error: null, consecutive_failures: 0 };
}

/**
 * The configuration to poll with. Cloud Elements' own product page pairs the key `/changed-messages`
 * with the url `/hubs/general/changed-message` (no such resource); when a url names no resource of the
 * element's hub but the key does, the key's resource is polled, so that body works as written.
 */
export function effectiveResourceConfiguration(element: ElementDefinition, resourceKey: string, config: ResourcePollerConfiguration): ResourcePollerConfiguration {
  const { resourceName } = resourceNameFromUrl(config.url);
  const known = (name: string) => element.resources.some((r) => r.name === name);
  if (known(resourceName) || !known(resourceKey)) return config;
  const url = new URL(config.url, 'http://hub.invalid');
  url.pathname = url.pathname.replace(/[^/]+$/, resourceKey);
  return { ...config, url: decodeURI(url.pathname) + config.url.slice(config.url.indexOf('?') === -1 ? config.url.length : config.url.indexOf('?')) };
}

export async function pollResource(ctx: PollContext): Promise<PollOutcome> {
  ctx = { ...ctx, config: effectiveResourceConfiguration(ctx.element, ctx.schedule.resource, ctx.config) };
  const kind = detectionKind(ctx.element, ctx.config);
  if (kind === 'cursor') return pollCursor(ctx);
  if (kind === 'window') return pollWindow(ctx);
  return pollListing(ctx);
}

async function pollCursor(ctx: PollContext): Promise<PollOutcome> {
  const { schedule, config } = ctx;
  const recovery = elementResource(ctx.element, config)?.recovery;
  if (schedule.baseline_at === null || !schedule.cursor) {
    // The cursor first, then the state: changes in between are reported again by the next poll, never lost.
    const cursor = await freshCursor(ctx);
    const state = recovery ? await snapshotState(ctx, recovery) : undefined;
    await commitPoll(ctx.db, {
      ...commitBase(ctx),
      changes: [],
      ...(state?.fingerprints ? { fingerprints: { kind: 'replace', fingerprints: state.fingerprints } } : {}),
      schedule: success(ctx, { cursor, baseline_at: ctx.startedAt, ...(state ? { state_snapshot_at: state.at } : {}) }),
    });
    return { kind: 'cursor', events: 0, baseline: true, more: false };
  }
  if (recovery && schedule.state_snapshot_at === null) {
    // Baselined before the state was kept: take it now, while the cursor is valid. The pages read next
    // from the cursor replay changes the snapshot already holds; applying them again changes nothing.
    const state = await snapshotState(ctx, recovery);
    await commitPoll(ctx.db, {
      ...commitBase(ctx),
      changes: [],
      ...(state.fingerprints ? { fingerprints: { kind: 'replace', fingerprints: state.fingerprints } } : {}),
      schedule: { state_snapshot_at: state.at },
    });
  }
  const keepsState = recovery !== undefined && schedule.state_snapshot_at !== STATE_NOT_KEPT;
  let cursor = schedule.cursor;
  let events = 0;
  for (let page = 0; page < MAX_CURSOR_PAGES_PER_POLL; page += 1) {
    let response: HubResponse;
    try {
      const extra: Record<string, string> = { cursor };
      if (config.pageSize) extra.pageSize = String(config.pageSize);
      response = await ctx.hubs.execute(ctx.instance, hubRequest(config.url, extra));
    } catch (error) {
      if (error instanceof CursorExpired) return resynchronize(ctx, events);
      throw error;
    }
    const detection = eventsFromCursorRecords(records(response, schedule.resource), cursorOptions(ctx));
    const next = response.headers[HUB_HEADERS.nextCursor];
    if (!next) throw new ProviderError(`the hub gave no next cursor for ${schedule.resource}`, { statusCode: 502 });
    const hasMore = response.headers[HUB_HEADERS.hasMore] === 'true';
    if (detection.changes.length === 0 && !hasMore) {
      return { kind: 'cursor', events, baseline: false, more: false, idleCursor: next };
    }
    // The page's events, the state they leave and the cursor past them commit together: a crash repeats
    // the page, never skips it.
    const state = keepsState ? { fingerprints: { kind: 'apply', changes: detection.changes, fingerprints: pageFingerprints(detection.changes, recovery.stateFields) } as const } : {};
    const written = await commitPoll(ctx.db, { ...commitBase(ctx), changes: detection.changes, ...state, schedule: success(ctx, { cursor: next }) });
    events += written.events;
    cursor = next;
    if (!hasMore) return { kind: 'cursor', events, baseline: false, more: false };
  }
  return { kind: 'cursor', events, baseline: false, more: true };
}

async function freshCursor(ctx: PollContext): Promise<string> {
  const response = await ctx.hubs.execute(ctx.instance, hubRequest(ctx.config.url));
  const cursor = response.headers[HUB_HEADERS.nextCursor];
  if (!cursor) throw new ProviderError(`the hub gave no cursor for ${ctx.schedule.resource}`, { statusCode: 502 });
  return cursor;
}

type Recovery = NonNullable<ElementResource['recovery']>;

/**
 * Every object of the resource with its state fields, in one hub call, under the poll URL's query: a
 * feed its configuration narrows (to some folders, say) is snapshotted the same way.
 */
async function snapshot(ctx: PollContext, recovery: Recovery): Promise<unknown[]> {
  const request: HubRequest = { method: 'GET', ...splitHubUrl(hubUrl(ctx, recovery.snapshotPath), splitHubUrl(ctx.config.url).query) };
  return records(await ctx.hubs.execute(ctx.instance, request), ctx.schedule.resource);
}

/** `state_snapshot_at` of a schedule whose provider refused the snapshot (too large): no state is kept. */
export const STATE_NOT_KEPT = -1;

/** The snapshot, or undefined when the provider refuses it as too large. */
async function snapshotOrRefusal(ctx: PollContext, recovery: Recovery): Promise<unknown[] | undefined> {
  try {
    return await snapshot(ctx, recovery);
  } catch (error) {
    if (error instanceof SnapshotTooLarge) return undefined;
    throw error;
  }
}

/** The state to keep from now on, or none (STATE_NOT_KEPT) when the provider refuses the snapshot. */
async function snapshotState(ctx: PollContext, recovery: Recovery): Promise<{ at: number; fingerprints?: ReadonlyMap<string, string> }> {
  const current = await snapshotOrRefusal(ctx, recovery);
  if (current === undefined) return { at: STATE_NOT_KEPT };
  return { at: ctx.startedAt, fingerprints: compareSnapshot(new Map(), current, ctx.config.idField, recovery.stateFields).fingerprints };
}

/** A path of the element's hub (`/message-states`, `/messages/:id` filled in) as a poll URL. */
function hubUrl(ctx: PollContext, path: string, id?: string): string {
  return `/hubs/${ctx.element.hub}${id === undefined ? path : path.replace(':id', encodeURIComponent(id))}`;
}

/**
 * The provider no longer has changes from our cursor (providers keep change history for a while, a
 * week or only hours). A fresh cursor first, so nothing from now on is lost; then the element's snapshot of every
 * object, compared with the state the receiver was told about, gives the gap's changes: DELETED for
 * objects gone, UPDATED for objects whose state differs, CREATED for new ones (their records read one by
 * one). Events, the new state and the fresh cursor commit together; a crash before that repeats the
 * whole recovery. Without a recovery (or without kept state) the gap cannot be known: the poll moves on
 * from the fresh cursor and the worker logs a warning.
 */
async function resynchronize(ctx: PollContext, eventsSoFar: number): Promise<PollOutcome> {
  const { schedule, config } = ctx;
  const recovery = elementResource(ctx.element, config)?.recovery;
  const cursor = await freshCursor(ctx);
  const current = recovery && schedule.state_snapshot_at !== STATE_NOT_KEPT ? await snapshotOrRefusal(ctx, recovery) : undefined;
  if (!recovery || current === undefined) {
    await commitPoll(ctx.db, { ...commitBase(ctx), changes: [], schedule: success(ctx, { cursor, ...(recovery ? { state_snapshot_at: STATE_NOT_KEPT } : {}) }) });
    const unrecoveredGap = recovery ? 'the mailbox is too large to keep its state' : 'the element keeps no state to recover an expired cursor';
    return { kind: 'cursor', events: eventsSoFar, baseline: false, more: false, resynchronized: true, unrecoveredGap };
  }
  const known = schedule.state_snapshot_at === null ? new Map<string, string>() : await loadFingerprints(ctx.db, schedule.id);
  const difference = compareSnapshot(known, current, config.idField, recovery.stateFields);
  const records: ProviderRecord[] = [];
  const vanished: string[] = [];
  if (schedule.state_snapshot_at !== null) {
    const changed = [...difference.created.map((id) => ({ id, eventType: 'CREATED' })), ...difference.updated.map((id) => ({ id, eventType: 'UPDATED' }))];
    for (let at = 0; at < changed.length; at += RECORD_READS_AT_ONCE) {
      await Promise.all(
        changed.slice(at, at + RECORD_READS_AT_ONCE).map(async ({ id, eventType }) => {
          const record = await readRecord(ctx, hubUrl(ctx, recovery.recordPath, id));
          if (record) records.push({ ...record, eventType });
          else if (known.has(id)) vanished.push(id);
        }),
      );
    }
    for (const id of [...difference.deleted, ...vanished]) records.push({ ...minimalRecord(config.idField, id), eventType: 'DELETED' });
  }
  const fingerprints = new Map(difference.fingerprints);
  for (const id of vanished) fingerprints.delete(id);
  const changes: DetectedChange[] = eventsFromCursorRecords(records, cursorOptions(ctx)).changes;
  const written = await commitPoll(ctx.db, {
    ...commitBase(ctx),
    changes,
    fingerprints: { kind: 'replace', fingerprints },
    schedule: success(ctx, { cursor, state_snapshot_at: ctx.startedAt }),
  });
  const unrecoveredGap = schedule.state_snapshot_at === null ? 'the cursor expired before the state was kept' : undefined;
  return { kind: 'cursor', events: eventsSoFar + written.events, baseline: false, more: false, resynchronized: true, ...(unrecoveredGap ? { unrecoveredGap } : {}) };
}

/** One object's record through the hub; undefined when the provider no longer has it. */
async function readRecord(ctx: PollContext, url: string): Promise<ProviderRecord | undefined> {
  try {
    const response = await ctx.hubs.execute(ctx.instance, hubRequest(url));
    return response.body as ProviderRecord;
  } catch (error) {
    if (error instanceof ProviderError && error.details.providerStatus === 404) return undefined;
    throw error;
  }
}

async function pollWindow(ctx: PollContext): Promise<PollOutcome> {
  const { schedule, config } = ctx;
  if (schedule.baseline_at === null || !schedule.cursor) {
    await commitPoll(ctx.db, { ...commitBase(ctx), changes: [], schedule: success(ctx, { cursor: String(ctx.startedAt), baseline_at: ctx.startedAt }) });
    return { kind: 'window', events: 0, baseline: true, more: false };
  }
  const from = windowStart(new Date(Number(schedule.cursor)), config.pollDelay ?? 0);
  const url = expandPollUrl(config.url, { windowStart: from, timeZone: config.datesConfiguration?.updatedDateTimezone });
  const listed = await listAll(ctx, url);
  const detection = classifyWindowRecords(listed, config, { from, to: new Date(ctx.startedAt) });
  const written = await commitPoll(ctx.db, { ...commitBase(ctx), changes: detection.changes, schedule: success(ctx, { cursor: String(ctx.startedAt) }) });
  return { kind: 'window', events: written.events, baseline: false, more: false };
}

async function pollListing(ctx: PollContext): Promise<PollOutcome> {
  const { schedule, config } = ctx;
  const listed = await listAll(ctx, config.url);
  const baseline = schedule.baseline_at === null;
  const previous = baseline ? null : await loadFingerprints(ctx.db, schedule.id);
  const detection = detectListingChanges(listed, config.idField, previous, {
    pollDate: new Date(ctx.startedAt),
    // Grows with every committed poll, so an object returning to an earlier state is a new change.
    generation: schedule.last_success_at ?? 0,
  });
  const fingerprints: FingerprintWrite = baseline
    ? { kind: 'replace', fingerprints: detection.fingerprints }
    : { kind: 'apply', changes: detection.changes, fingerprints: detection.fingerprints };
  const written = await commitPoll(ctx.db, {
    ...commitBase(ctx),
    changes: detection.changes,
    fingerprints,
    schedule: success(ctx, baseline ? { baseline_at: ctx.startedAt } : {}),
  });
  return { kind: 'listing', events: written.events, baseline, more: false };
}
