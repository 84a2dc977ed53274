// Whether a worker keeps up with its schedules: a poll's lateness is how long after its due time it
// started. Each window (a minute by default) the worker's polls are counted against a threshold, and a
// worker whose polls start late more than now and then says so — once per window, never silently.

export interface LatenessReport {
  /** Polls started in the window, and how many of them started more than `thresholdMs` late. */
  polls: number;
  late: number;
  maxLatenessMs: number;
  thresholdMs: number;
  windowMs: number;
}

export interface PollLatenessOptions {
  now: () => number;
  /** A poll starting later than this after its due time is late. Default 5 s. */
  thresholdMs?: number;
  windowMs?: number;
  /** The share of late polls in a window that is reported. Default 1 %. */
  tolerance?: number;
  onFallingBehind(report: LatenessReport): void;
}

export class PollLateness {
  private windowStart: number;
  private polls = 0;
  private late = 0;
  private maxLatenessMs = 0;
  private readonly thresholdMs: number;
  private readonly windowMs: number;
  private readonly tolerance: number;

  constructor(private readonly options: PollLatenessOptions) {
    this.thresholdMs = options.thresholdMs ?? 5_000;
    this.windowMs = options.windowMs ?? 60_000;
    this.tolerance = options.tolerance ?? 0.01;
    this.windowStart = options.now();
  }

  /** A poll due at `dueAt` started at `startedAt`; returns its lateness in milliseconds. */
  started(dueAt: number, startedAt: number): number {
    if (startedAt - this.windowStart >= this.windowMs) this.closeWindow(startedAt);
    const lateness = Math.max(0, startedAt - dueAt);
    this.polls += 1;
    if (lateness > this.thresholdMs) this.late += 1;
    if (lateness > this.maxLatenessMs) this.maxLatenessMs = lateness;
    return lateness;
  }

  private closeWindow(now: number): void {
    if (this.late > this.polls * this.tolerance) {
      this.options.onFallingBehind({ polls: this.polls, late: this.late, maxLatenessMs: this.maxLatenessMs, thresholdMs: this.thresholdMs, windowMs: this.windowMs });
    }
    this.windowStart = now;
    this.polls = 0;
    this.late = 0;
    this.maxLatenessMs = 0;
  }
}
