// The poll worker's writes to the schedule rows it holds, amortized over many polls: one statement
// renews the leases of every poll the worker has in hand (instead of a timer and an UPDATE per poll in
// flight), and successful polls are released in batches — one statement per flush, however many polls
// it books. A row is in hand from its claim until its release was written or failed: a row whose
// release failed is no longer renewed, so its lease runs out and another poll repeats it.
// Statements run one at a time, so on PostgreSQL a renewal and a release never lock the same rows in
// opposite orders.
//
// Deferring a release is safe: the row stays leased (so no worker polls it again) until the flush, and
// if the process dies first the lease expires and the poll is repeated from the stored cursor — the
// same as a crash during the poll. A poll that wrote events committed them with its cursor already.

import type { Kysely } from 'kysely';
import { releaseSucceededPolls, renewPollLeases, type Database, type PollRelease } from '../../store/index.ts';

export interface PollLeaseBookOptions {
  db: Kysely<Database>;
  owner: string;
  leaseMs: number;
  now: () => number;
  /** Told when a renewal or a release failed (the leases then expire and the polls are repeated). */
  onError(error: unknown, what: 'renewing poll leases' | 'releasing polls'): void;
  /** How long a release waits for others to share its statement. Default 10 ms. */
  flushDelayMs?: number;
  /** A batch this large is flushed at once. Default 500. */
  maxBatch?: number;
}

export class PollLeaseBook {
  /** Schedules claimed and not yet released (or whose release failed): the leases to renew. */
  private readonly held = new Set<number>();
  private pending: PollRelease[] = [];
  private flushTimer?: NodeJS.Timeout;
  private renewTimer?: NodeJS.Timeout;
  private writes: Promise<void> = Promise.resolve();
  private readonly flushDelayMs: number;
  private readonly maxBatch: number;

  constructor(private readonly options: PollLeaseBookOptions) {
    this.flushDelayMs = options.flushDelayMs ?? 10;
    this.maxBatch = options.maxBatch ?? 500;
  }

  /** Renews every held lease a third of a lease before it would run out. */
  start(): void {
    this.renewTimer ??= setInterval(() => void this.renew(), Math.max(1000, this.options.leaseMs / 3));
  }

  /** Claimed schedules: their leases are renewed until they are released or let go. */
  hold(ids: readonly number[]): void {
    for (const id of ids) this.held.add(id);
  }

  /** A schedule released (or given up) another way: its lease is no longer renewed. */
  letGo(id: number): void {
    this.held.delete(id);
  }

  /** Books a successful poll and hands its lease back with the next flush. */
  release(release: PollRelease): void {
    this.pending.push(release);
    if (this.pending.length >= this.maxBatch) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.flushDelayMs);
  }

  /** Writes the pending releases now; resolves when they (and every earlier write) are done. */
  flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      this.serialized(async () => {
        try {
          await releaseSucceededPolls(this.options.db, this.options.owner, batch);
        } finally {
          for (const release of batch) this.held.delete(release.id);
        }
      }, 'releasing polls');
    }
    return this.writes;
  }

  /** Stops renewing and writes what is pending. */
  async stop(): Promise<void> {
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    await this.flush();
  }

  private renew(): Promise<void> {
    this.serialized(async () => {
      await renewPollLeases(this.options.db, this.options.owner, [...this.held], this.options.now() + this.options.leaseMs);
    }, 'renewing poll leases');
    return this.writes;
  }

  private serialized(write: () => Promise<void>, what: 'renewing poll leases' | 'releasing polls'): void {
    this.writes = this.writes.then(write).catch((error: unknown) => this.options.onError(error, what));
  }
}
