// The poll worker: claims due schedules with a lease, runs each poll, and books its outcome — the next
// run (last start + interval, with a small spread so instances sharing an interval do not fire
// together), health (last poll, last error, consecutive failures) and, after too many failures in a
// row, disabling the instance's polling. Leases are extended while a poll runs; a killed worker's
// leases expire and another worker takes the work over.

import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ElementRegistry } from '../../elements/index.ts';
import { isAppError } from '../../errors/index.ts';
import { claimDuePolls, type Database, type PollScheduleRow, type PollScheduleRowUpdate, type StoreDialect } from '../../store/index.ts';
import { LeaseLost } from '../changeCapture.ts';
import { ClaimLoop } from '../claimLoop.ts';
import { pollResource, type HubExecutor, type PollOutcome } from './resourcePoller.ts';
import { configuredResources, isPollingRunnable, resourceConfigFingerprint, syncPollSchedules, PAUSED_AT } from './scheduleSync.ts';

export interface PollWorkerOptions {
  db: Kysely<Database>;
  dialect: StoreDialect;
  hubs: HubExecutor;
  elements: ElementRegistry;
  logger: Logger;
  pollingFailureLimit: number;
  concurrency?: number;
  leaseMs?: number;
  idleWaitMs?: number;
  now?: () => number;
  random?: () => number;
  /** Called after a poll committed events, so an in-process dispatcher can send them at once. */
  onEvents?: () => void;
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

export class PollWorker {
  readonly owner = `poller-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  private readonly leaseMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly loop: ClaimLoop<PollScheduleRow>;

  constructor(private readonly options: PollWorkerOptions) {
    this.leaseMs = options.leaseMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.loop = new ClaimLoop({
      concurrency: options.concurrency ?? 8,
      idleWaitMs: options.idleWaitMs ?? 250,
      claim: (limit) => claimDuePolls(options.db, options.dialect, { owner: this.owner, now: this.now(), leaseMs: this.leaseMs, limit }),
      process: (schedule) => this.pollClaimed(schedule),
      onClaimError: (error) => options.logger.error({ err: error }, 'claiming due polls failed'),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and waits for polls in flight; their leases are released as they finish. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async pollClaimed(schedule: PollScheduleRow): Promise<void> {
    const { db, logger } = this.options;
    const startedAt = this.now();
    const log = logger.child({ instanceId: schedule.instance_id, resource: schedule.resource });
    const heartbeat = setInterval(() => {
      void db
        .updateTable('poll_schedules')
        .set({ lease_until: this.now() + this.leaseMs })
        .where('id', '=', schedule.id)
        .where('lease_owner', '=', this.owner)
        .execute()
        .catch((error: unknown) => log.warn({ err: error }, 'extending the poll lease failed'));
    }, Math.max(1000, this.leaseMs / 3));
    try {
      const found = await db
        .selectFrom('instances')
        .innerJoin('users', 'users.id', 'instances.user_id')
        .selectAll('instances')
        .select('users.email as owner_email')
        .where('instances.id', '=', schedule.instance_id)
        .executeTakeFirst();
      if (!found) return;
      const { owner_email: ownerEmail, ...instance } = found;
      const config = configuredResources(instance)[schedule.resource];
      if (!config || !isPollingRunnable(instance) || resourceConfigFingerprint(config) !== schedule.config_fingerprint) {
        // The instance changed since this row was scheduled: bring the schedule in line and move on.
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
        });
      } catch (error) {
        await this.recordFailure(schedule, instance.refresh_interval_minutes ?? 15, startedAt, error);
        return;
      }
      const now = this.now();
      await this.release(schedule, {
        ...outcome.scheduleUpdate,
        last_poll_at: startedAt,
        next_run_at: outcome.more ? now : nextRunAt(startedAt, instance.refresh_interval_minutes ?? 15, now, this.random),
      });
      if (outcome.events > 0) this.options.onEvents?.();
      if (outcome.events > 0 || outcome.baseline || outcome.resynchronized) {
        log.info({ kind: outcome.kind, events: outcome.events, baseline: outcome.baseline, resynchronized: outcome.resynchronized }, 'polled');
      }
    } catch (error) {
      log.error({ err: error }, 'poll bookkeeping failed');
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async release(schedule: PollScheduleRow, changes: PollScheduleRowUpdate): Promise<void> {
    await this.options.db
      .updateTable('poll_schedules')
      .set({ ...changes, lease_owner: null, lease_until: null })
      .where('id', '=', schedule.id)
      .where('lease_owner', '=', this.owner)
      .execute();
  }

  private async recordFailure(schedule: PollScheduleRow, intervalMinutes: number, startedAt: number, error: unknown): Promise<void> {
    const { db, logger } = this.options;
    if (error instanceof LeaseLost) return;
    const failures = schedule.consecutive_failures + 1;
    const message = error instanceof Error ? error.message : String(error);
    const retryAfter = isAppError(error) && error.headers['retry-after'] ? Number(error.headers['retry-after']) : undefined;
    logger.warn({ instanceId: schedule.instance_id, resource: schedule.resource, failures, err: isAppError(error) ? undefined : error }, `poll failed: ${message}`);
    await db
      .updateTable('poll_schedules')
      .set({
        lease_owner: null,
        lease_until: null,
        last_poll_at: startedAt,
        last_error: message.slice(0, 1000),
        consecutive_failures: failures,
        next_run_at: retryRunAt(startedAt, intervalMinutes, failures, this.now(), retryAfter),
      })
      .where('id', '=', schedule.id)
      .where('lease_owner', '=', this.owner)
      .execute();
    const instance = await db.selectFrom('instances').selectAll().where('id', '=', schedule.instance_id).executeTakeFirst();
    if (!instance) return;
    if (failures >= this.options.pollingFailureLimit && instance.polling_disabled === 0) {
      const disabled = await db
        .updateTable('instances')
        .set({ polling_disabled: 1, polling_disabled_reason: `${failures} consecutive failed polls of ${schedule.resource}; last error: ${message.slice(0, 500)}` })
        .where('id', '=', instance.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      logger.warn({ instanceId: instance.id, failures }, 'polling disabled after repeated failures');
      await syncPollSchedules(db, disabled, this.now());
    } else if (!isPollingRunnable(instance)) {
      // e.g. invalid_grant marked the instance invalid during this poll: pause its schedules.
      await syncPollSchedules(db, instance, this.now());
    }
  }
}
