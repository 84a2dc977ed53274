// The retention pruner (CHANGEHOOK_EVENT_RETENTION_DAYS): keeps storage bounded by deleting settled
// notifications — DELIVERED or FAILED — created more than the retention ago, together with their
// events and delivery attempts. Undelivered work is never deleted, whatever its age: NEW and RETRYING
// notifications (including those waiting, untimed, on a callback that answered 410 Gone) stay until
// they settle, and are pruned a pass after that if they are old by then.
//
// Age is `created_at` for both statuses — when the events were captured — so "we keep 30 days of
// events" holds for the events API too, which lists by creation. A notification that settles late
// (a long 410 wait, a redelivery) may be pruned soon after it settles; its attempts are history.
//
// A pass deletes in batches (500 notifications, about 5 000 events, per transaction) and yields
// between them, so polls and deliveries sharing the database (and, on SQLite, the one connection)
// never wait long; it runs until nothing old is left, then sleeps (first pass shortly after start,
// then every 10 minutes). Several workers may prune one PostgreSQL at once: each batch is picked with
// FOR UPDATE SKIP LOCKED (see store/pruneQueries.ts), so they take different rows and never wait.

import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { dialectOf, pruneSettledNotifications, type Database, type PrunedRows } from '../../store/index.ts';

export interface EventPrunerOptions {
  db: Kysely<Database>;
  logger: Logger;
  /** Settled notifications older than this (ms) are deleted with their events and attempts. */
  retentionMs: number;
  /** Notifications per batch (one transaction). Default 500. */
  batchSize?: number;
  /** Pause between batches, letting polls and deliveries in. Default 10 ms; 0 = only yield to the event loop. */
  pauseMs?: number;
  /** Time from start() to the first pass. Default 30 s. */
  firstPassAfterMs?: number;
  /** Time from the end of one pass to the next. Default 10 minutes. */
  intervalMs?: number;
  now?: () => number;
  /** Told what each batch deleted (metrics). */
  observer?: EventPrunerObserver;
}

/** What the pruner reports, e.g. to metrics. Cheap, synchronous, never throws. */
export interface EventPrunerObserver {
  /** One batch committed these deletions. */
  pruned(rows: PrunedRows): void;
}

const DEFAULT_PRUNE_BATCH_SIZE = 500;
const DEFAULT_PAUSE_MS = 10;
const DEFAULT_FIRST_PASS_AFTER_MS = 30_000;
const DEFAULT_INTERVAL_MS = 10 * 60_000;

export class EventPruner {
  private readonly batchSize: number;
  private readonly pauseMs: number;
  private readonly now: () => number;
  private stopped = true;
  private timer?: NodeJS.Timeout;
  private pass?: Promise<unknown>;

  constructor(private readonly options: EventPrunerOptions) {
    this.batchSize = options.batchSize ?? DEFAULT_PRUNE_BATCH_SIZE;
    this.pauseMs = options.pauseMs ?? DEFAULT_PAUSE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Prunes periodically until stop(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.options.firstPassAfterMs ?? DEFAULT_FIRST_PASS_AFTER_MS);
  }

  /** Ends the periodic passes; a pass in progress stops after its current batch, and this waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
  }

  /**
   * One full pass: batches until no settled notification older than the retention is left (or, with
   * several pruners, left unlocked), or until stop(). Returns what this pass deleted.
   */
  pruneOnce(): Promise<PrunedRows> {
    return this.prune(() => false);
  }

  private async prune(stopRequested: () => boolean): Promise<PrunedRows> {
    const createdBefore = this.now() - this.options.retentionMs;
    const total: PrunedRows = { notifications: 0, events: 0, attempts: 0 };
    let batches = 0;
    for (;;) {
      const rows = await pruneSettledNotifications(this.options.db, dialectOf(this.options.db), { createdBefore, limit: this.batchSize });
      if (rows.notifications + rows.events + rows.attempts > 0) {
        batches += 1;
        total.notifications += rows.notifications;
        total.events += rows.events;
        total.attempts += rows.attempts;
        this.options.observer?.pruned(rows);
      }
      if (rows.notifications < this.batchSize || stopRequested()) break;
      if (this.pauseMs > 0) await sleep(this.pauseMs);
      else await yieldToEventLoop();
    }
    if (total.notifications > 0) {
      this.options.logger.info({ ...total, batches, retentionDays: this.options.retentionMs / 86_400_000 }, 'pruned settled notifications older than the retention');
    }
    return total;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pass = this.prune(() => this.stopped)
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'pruning old events failed'))
        .finally(() => this.schedule(this.options.intervalMs ?? DEFAULT_INTERVAL_MS));
    }, delayMs);
    // The pruner alone never keeps the process alive.
    this.timer.unref();
  }
}
