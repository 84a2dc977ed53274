// The poll worker's writes to the schedule rows it holds, amortized over many polls: one statement
// renews every lease the worker holds (instead of a timer and an UPDATE per poll in flight), and
// successful polls are released in batches — one statement per flush, however many polls it books.
// Statements run one at a time, so on PostgreSQL a renewal and a release never lock the same rows in
// opposite orders.
//
// Deferring a release is safe: the row stays leased (so no worker polls it again) until the flush, and
// if the process dies first the lease expires and the poll is repeated from the stored cursor — the
// same as a crash during the poll. A poll that wrote events committed them with its cursor already.

import type { Kysely } from 'kysely';
import { releaseSucceededPolls, renewLeases, type Database, type PollRelease, type StoreDialect } from '../../store/index.ts';

export interface PollLeaseBookOptions {
  db: Kysely<Database>;
  dialect: StoreDialect;
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
        await releaseSucceededPolls(this.options.db, this.options.dialect, this.options.owner, batch);
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
      await renewLeases(this.options.db, 'poll_schedules', this.options.owner, this.options.now() + this.options.leaseMs);
    }, 'renewing poll leases');
    return this.writes;
  }

  private serialized(write: () => Promise<void>, what: 'renewing poll leases' | 'releasing polls'): void {
    this.writes = this.writes.then(write).catch((error: unknown) => this.options.onError(error, what));
  }
}
