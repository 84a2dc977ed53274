// The poll worker: claims due schedules with a lease, runs each poll, and books its outcome — the next
// run (last start + interval, with a small spread so instances sharing an interval do not fire
// together), health (last poll, last error, consecutive failures) and, after too many failures in a
// row, disabling the instance's polling. A killed worker's leases expire and another worker takes the
// work over.
//
// The database work of an idle poll is amortized over the batch it was claimed with: one claim, one
// read of the batch's instances, one renewal of the leases of every poll in hand, and releases booked
// many to a statement (PollLeaseBook). What a poll costs on its own is its provider call.

import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ElementRegistry } from '../../elements/index.ts';
import { errorRetryAfterSeconds, isAppError } from '../../errors/index.ts';
import {
  claimDuePolls,
  instances,
  isPollingRunnable,
  pollSchedules,
  releasePoll,
  wasTakenOver,
  type Claimed,
  type Database,
  type InstanceRow,
  type PollScheduleRow,
  type PollScheduleRowUpdate,
} from '../../store/index.ts';
import { ClaimLoop } from '../claimLoop/index.ts';
import { LeaseLost, type CommittedCapture } from '../outbox/index.ts';
import type { ResourcePollerConfiguration } from './pollerConfiguration.ts';
import { PollLateness, type LatenessReport } from './pollLateness.ts';
import { PollLeaseBook } from './pollLeases.ts';
import { detectionKind, effectiveResourceConfiguration, pollResource, type DetectionKind, type HubExecutor, type PollOutcome } from './resourcePoller.ts';
import { configuredResources, refreshIntervalMinutes, resourceConfigFingerprint, syncPollSchedules, PAUSED_AT } from './scheduleSync.ts';

export interface PollWorkerOptions {
  db: Kysely<Database>;
  hubs: HubExecutor;
  elements: ElementRegistry;
  logger: Logger;
  pollingFailureLimit: number;
  /** Polls in flight at once. Default 512: at ~100 ms per provider call that is ~5 000 polls/s. */
  concurrency?: number;
  leaseMs?: number;
  idleWaitMs?: number;
  now?: () => number;
  random?: () => number;
  /** Called after a poll committed events, so an in-process dispatcher can send them at once. */
  onEvents?: () => void;
  /** Told how polls went (metrics). */
  observer?: PollWorkerObserver;
}

/** How a claimed poll ended: `baseline` is a successful first poll; `skipped` did not poll (instance changed). */
export type PollResult = 'success' | 'baseline' | 'failure' | 'skipped';

/** What the poll worker reports, e.g. to metrics. Called on the hot path: cheap, synchronous, never throws. */
export interface PollWorkerObserver {
  /** A claimed schedule is done; `kind` is undefined when the poll did not get far enough to know it. */
  polled(kind: DetectionKind | undefined, result: PollResult, seconds: number): void;
  /** A claim took over another worker's expired lease. */
  leaseTakenOver(): void;
  /** A claimed poll starts, `latenessSeconds` after it was due. */
  started(latenessSeconds: number): void;
  /** A poll committed changes. */
  captured(capture: CommittedCapture): void;
}

const SPREAD = 0.05;
const MAX_SPREAD_MS = 30_000;

/** Last start + interval, spread by ±5 % (at most ±30 s); never in the past. */
export function nextRunAt(startedAt: number, intervalMinutes: number, now: number, random: () => number): number {
  const intervalMs = intervalMinutes * 60_000;
  const spread = Math.min(intervalMs * SPREAD, MAX_SPREAD_MS) * (random() * 2 - 1);
  return Math.max(now, Math.round(startedAt + intervalMs + spread));
}

/** After a failure: back off 5 s, 10 s, 20 s… but never later than the normal interval. */
export function retryRunAt(startedAt: number, intervalMinutes: number, failures: number, now: number, retryAfterSeconds?: number): number {
  const backoff = Math.min(5_000 * 2 ** Math.min(failures - 1, 16), intervalMinutes * 60_000);
  return Math.max(now, startedAt + backoff, retryAfterSeconds ? now + retryAfterSeconds * 1000 : 0);
}

/** A claimed schedule with its instance as read at claim time (undefined: the instance is gone). */
interface ClaimedPoll {
  schedule: Claimed<PollScheduleRow>;
  instance: (InstanceRow & { owner_email: string }) | undefined;
}

const DEFAULT_POLL_CONCURRENCY = 512;

export class PollWorker {
  readonly owner = `poller-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  private readonly leaseMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly loop: ClaimLoop<ClaimedPoll>;
  private readonly leases: PollLeaseBook;
  private readonly lateness: PollLateness;

  constructor(private readonly options: PollWorkerOptions) {
    this.leaseMs = options.leaseMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.leases = new PollLeaseBook({
      db: options.db,
      owner: this.owner,
      leaseMs: this.leaseMs,
      now: this.now,
      onError: (error, what) => options.logger.error({ err: error }, `${what} failed`),
    });
    this.lateness = new PollLateness({ now: this.now, onFallingBehind: (report) => this.fallingBehind(report) });
    this.loop = new ClaimLoop({
      concurrency: options.concurrency ?? DEFAULT_POLL_CONCURRENCY,
      idleWaitMs: options.idleWaitMs ?? 250,
      claim: (limit) => this.claim(limit),
      process: (claimed) => this.pollClaimed(claimed),
      onClaimError: (error) => options.logger.error({ err: error }, 'claiming due polls failed'),
    });
  }

  start(): void {
    this.leases.start();
    this.loop.start();
  }

  /** Stops claiming, waits for polls in flight and writes their outcomes; their leases are released. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.leases.stop();
  }

  /** Claims due schedules and reads their instances, one statement each for the whole batch. */
  private async claim(limit: number): Promise<ClaimedPoll[]> {
    const { db } = this.options;
    const now = this.now();
    const schedules = this.notedTakeovers(await claimDuePolls(db, { owner: this.owner, now, leaseMs: this.leaseMs, limit }));
    if (schedules.length === 0) return [];
    this.leases.hold(schedules.map((schedule) => schedule.id));
    const ids = [...new Set(schedules.map((schedule) => schedule.instance_id))];
    const found = await instances.findInstancesWithOwnerEmail(db, ids);
    const byId = new Map(found.map((instance) => [instance.id, instance]));
    return schedules.map((schedule) => {
      this.options.observer?.started(this.lateness.started(schedule.next_run_at, now) / 1000);
      return { schedule, instance: byId.get(schedule.instance_id) };
    });
  }

  private fallingBehind(report: LatenessReport): void {
    this.options.logger.warn(
      { polls: report.polls, late: report.late, maxLatenessSeconds: Math.round(report.maxLatenessMs / 100) / 10 },
      `falling behind: ${report.late} of ${report.polls} polls in the last ${report.windowMs / 1000} s started more than ${report.thresholdMs / 1000} s after they were due; ` +
        'add worker processes or raise CHANGEHOOK_POLL_CONCURRENCY (see the sizing table in the README)',
    );
  }

  /** Counts and logs the claimed rows whose lease had expired in another worker's hands. */
  private notedTakeovers(rows: Claimed<PollScheduleRow>[]): Claimed<PollScheduleRow>[] {
    for (const row of rows) {
      if (!wasTakenOver(row, this.owner)) continue;
      this.options.observer?.leaseTakenOver();
      this.options.logger.warn({ instanceId: row.instance_id, resource: row.resource, previousOwner: row.previous_lease_owner }, 'took over an expired poll lease');
    }
    return rows;
  }

  /** After each commit that carried changes: metrics, and the log line naming the new events. */
  private readonly committed = (capture: CommittedCapture): void => {
    this.options.observer?.captured(capture);
    if (capture.eventIds.length > 0) {
      this.options.logger.info(
        { instanceId: capture.instanceId, resource: capture.resource, eventIds: capture.eventIds, notificationIds: capture.notificationIds },
        'events captured',
      );
    }
  };

  private report(kind: DetectionKind | undefined, result: PollResult, started: number): void {
    this.options.observer?.polled(kind, result, (performance.now() - started) / 1000);
  }

  /** The detection kind of a poll that failed (known on success from its outcome). */
  private kindOf(instance: InstanceRow, resource: string, config: ResourcePollerConfiguration): DetectionKind | undefined {
    try {
      const element = this.options.elements.get(instance.element_key);
      return detectionKind(element, effectiveResourceConfiguration(element, resource, config));
    } catch {
      return undefined;
    }
  }

  private async pollClaimed({ schedule, instance: found }: ClaimedPoll): Promise<void> {
    const { db, logger } = this.options;
    const started = performance.now();
    const startedAt = this.now();
    // Released in a batch by the lease book; any other ending lets the lease go here.
    let batched = false;
    try {
      if (!found) {
        this.report(undefined, 'skipped', started);
        return;
      }
      const { owner_email: ownerEmail, ...instance } = found;
      const resources = configuredResources(instance);
      const config = Object.hasOwn(resources, schedule.resource) ? resources[schedule.resource] : undefined;
      if (!config || !isPollingRunnable(instance) || resourceConfigFingerprint(config) !== schedule.config_fingerprint) {
        // The instance changed since this row was scheduled: bring the schedule in line and move on.
        this.report(undefined, 'skipped', started);
        await this.release(schedule, { next_run_at: PAUSED_AT });
        await syncPollSchedules(db, instance, this.now());
        return;
      }
      let outcome: PollOutcome;
      try {
        outcome = await pollResource({
          db,
          hubs: this.options.hubs,
          element: this.options.elements.get(instance.element_key),
          instance,
          ownerEmail,
          schedule,
          config,
          leaseOwner: this.owner,
          startedAt,
          onCommitted: this.committed,
        });
      } catch (error) {
        this.report(this.kindOf(instance, schedule.resource, config), 'failure', started);
        await this.recordFailure(schedule, refreshIntervalMinutes(instance), startedAt, error);
        return;
      }
      this.report(outcome.kind, outcome.baseline ? 'baseline' : 'success', started);
      const now = this.now();
      batched = true;
      this.leases.release({
        id: schedule.id,
        cursor: outcome.idleCursor ?? null,
        last_poll_at: startedAt,
        last_success_at: startedAt,
        next_run_at: outcome.more ? now : nextRunAt(startedAt, refreshIntervalMinutes(instance), now, this.random),
      });
      if (outcome.events > 0) this.options.onEvents?.();
      if (outcome.unrecoveredGap) {
        logger.warn({ instanceId: schedule.instance_id, resource: schedule.resource }, `the cursor expired; changes in the gap were not recovered: ${outcome.unrecoveredGap}`);
      }
      if (outcome.events > 0 || outcome.baseline || outcome.resynchronized) {
        logger.info(
          { instanceId: schedule.instance_id, resource: schedule.resource, kind: outcome.kind, events: outcome.events, baseline: outcome.baseline, resynchronized: outcome.resynchronized },
          'polled',
        );
      }
    } catch (error) {
      logger.error({ err: error, instanceId: schedule.instance_id, resource: schedule.resource }, 'poll bookkeeping failed');
    } finally {
      if (!batched) this.leases.letGo(schedule.id);
    }
  }

  private async release(schedule: PollScheduleRow, changes: PollScheduleRowUpdate): Promise<void> {
    await releasePoll(this.options.db, schedule.id, this.owner, changes);
  }

  private async recordFailure(schedule: PollScheduleRow, intervalMinutes: number, startedAt: number, error: unknown): Promise<void> {
    const { db, logger } = this.options;
    if (error instanceof LeaseLost) return;
    const failures = schedule.consecutive_failures + 1;
    const message = error instanceof Error ? error.message : String(error);
    const retryAfter = errorRetryAfterSeconds(error, this.now());
    logger.warn({ instanceId: schedule.instance_id, resource: schedule.resource, failures, err: isAppError(error) ? undefined : error }, `poll failed: ${message}`);
    await pollSchedules.recordPollFailure(db, {
      id: schedule.id,
      owner: this.owner,
      startedAt,
      message,
      consecutiveFailures: failures,
      nextRunAt: retryRunAt(startedAt, intervalMinutes, failures, this.now(), retryAfter),
    });
    const instance = await instances.findInstance(db, schedule.instance_id);
    if (!instance) return;
    if (failures >= this.options.pollingFailureLimit && instance.polling_disabled === 0) {
      const disabled = await instances.disablePolling(db, instance.id, `${failures} consecutive failed polls of ${schedule.resource}; last error: ${message.slice(0, 500)}`);
      logger.warn({ instanceId: instance.id, failures }, 'polling disabled after repeated failures');
      await syncPollSchedules(db, disabled, this.now());
    } else if (!isPollingRunnable(instance)) {
      // e.g. invalid_grant marked the instance invalid during this poll: pause its schedules.
      await syncPollSchedules(db, instance, this.now());
    }
  }
}
