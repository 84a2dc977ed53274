// The loop both workers run: claim due rows with a lease, process each with bounded concurrency, and
// sleep when there is nothing to do. Claims are batched — the loop claims again once a quarter of the
// slots are free (or all work is done), not after every single completion — so a busy worker spends
// one claim statement per several items. A claim that got fewer rows than it asked for drained what
// was due: the loop then sleeps its idle wait (or until nudged) before asking again, instead of
// claiming the one or two rows that fall due each millisecond with a statement each. The wait is
// jittered (half to one and a half times idleWaitMs), so workers sharing a database take turns at
// what falls due instead of the one whose timer happens to fire first taking every batch.

export interface ClaimLoopOptions<Row> {
  concurrency: number;
  idleWaitMs: number;
  claim(limit: number): Promise<Row[]>;
  /** For the wait's jitter; Math.random by default. */
  random?: () => number;
  process(row: Row): Promise<void>;
  onClaimError(error: unknown): void;
}

export class ClaimLoop<Row> {
  private readonly running = new Set<Promise<void>>();
  private readonly batch: number;
  private stopped = false;
  /** The last claim filled every slot it asked for: more work is probably due. */
  private backlog = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(private readonly options: ClaimLoopOptions<Row>) {
    this.batch = Math.max(1, Math.floor(options.concurrency / 4));
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends an idle wait now (new work was just committed). */
  nudge(): void {
    this.wake?.();
  }

  /** Stops claiming and waits for the items in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.running]);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const free = this.options.concurrency - this.running.size;
      let claimed: Row[] = [];
      if (free >= this.batch || this.running.size === 0) {
        try {
          claimed = await this.options.claim(free);
        } catch (error) {
          this.options.onClaimError(error);
        }
        this.backlog = claimed.length === free;
      }
      for (const row of claimed) {
        const task = this.options
          .process(row)
          // process() reports its own errors; this only keeps one failure from ending the loop.
          .catch(() => undefined)
          .finally(() => {
            this.running.delete(task);
            if (this.backlog && this.options.concurrency - this.running.size >= this.batch) this.wake?.();
          });
        this.running.add(task);
      }
      if (!this.backlog || this.options.concurrency - this.running.size < this.batch) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.idleWaitMs * (0.5 + (this.options.random ?? Math.random)()));
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}
