// The dispatcher: claims due notifications with a lease (like polls), POSTs each to its instance's
// callback URL with the signature headers, records the attempt, and books the next step from the
// retry schedule — DELIVERED, RETRYING at a later time, FAILED after the last retry, or waiting on a
// callback that answered 410 Gone until the URL changes. Delivery is at-least-once. Each callback origin
// gets at most `perOriginConcurrency` requests at once, and none while its receiver has asked us to back
// off (originThrottle.ts): what comes due for a paused origin is handed back, unsent and uncounted.
// This module coordinates; sending and classifying is deliveryAttempt.ts, booking the outcome is
// deliveryBooking.ts (through the store's models), the secrets cache is signingSecrets.ts.

import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Agent } from 'undici';
import type { Keyring } from '../../crypto/index.ts';
import {
  claimDueNotifications,
  instances,
  releaseNotification,
  renewNotificationLease,
  wasTakenOver,
  type Claimed,
  type Database,
  type NotificationRow,
} from '../../store/index.ts';
import { KeyedConcurrencyLimiter } from '../../hubs/index.ts';
import { ClaimLoop } from '../claimLoop/index.ts';
import { createCallbackAgent } from './callbackAgent.ts';
import { sendAttempt } from './deliveryAttempt.ts';
import { bookAttempt } from './deliveryBooking.ts';
import { deliveryHeaders } from './deliveryHeaders.ts';
import { OriginThrottle, originSignal, type OriginPause } from './originThrottle.ts';
import { DELIVERY_TIMEOUT_MS, nextAttempt, type NextStep } from './retrySchedule.ts';
import { SigningSecretCache } from './signingSecrets.ts';

export interface DeliveryWorkerOptions {
  db: Kysely<Database>;
  keyring: Keyring;
  logger: Logger;
  allowPrivateCallbacks: boolean;
  /** Notifications this worker handles at once, over all origins (sending, or waiting for an origin's slot). */
  concurrency?: number;
  /** Requests in flight at once to one callback origin. */
  perOriginConcurrency?: number;
  leaseMs?: number;
  idleWaitMs?: number;
  timeoutMs?: number;
  now?: () => number;
  random?: () => number;
  /** Told how deliveries went (metrics). */
  observer?: DeliveryWorkerObserver;
}

/** What the dispatcher reports, e.g. to metrics. Called on the hot path: cheap, synchronous, never throws. */
export interface DeliveryWorkerObserver {
  /** One attempt booked; `latencySeconds` (notification created → delivered) only when it was delivered. */
  attempted(outcome: NextStep['kind'], attemptSeconds: number, latencySeconds: number | undefined): void;
  /** A claim took over another worker's expired lease. */
  leaseTakenOver(): void;
}

/** Defaults of the worker; `changehook serve` passes the configured values (src/config). */
const DEFAULT_DELIVERY_CONCURRENCY = 32;
export const DEFAULT_PER_ORIGIN_CONCURRENCY = 8;

export class DeliveryWorker {
  readonly owner = `dispatcher-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  private readonly agent: Agent;
  private readonly perOrigin: KeyedConcurrencyLimiter;
  private readonly throttle: OriginThrottle;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly loop: ClaimLoop<NotificationRow>;
  private stopping = false;
  private readonly secrets: SigningSecretCache;

  constructor(private readonly options: DeliveryWorkerOptions) {
    const perOrigin = options.perOriginConcurrency ?? DEFAULT_PER_ORIGIN_CONCURRENCY;
    // One connection per request an origin may have in flight: fewer would queue requests inside undici
    // while their timeout runs.
    this.agent = createCallbackAgent({ allowPrivate: options.allowPrivateCallbacks, connections: perOrigin });
    this.perOrigin = new KeyedConcurrencyLimiter(perOrigin);
    this.timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
    // A renewed lease must outlast the attempt it covers.
    this.leaseMs = Math.max(options.leaseMs ?? 60_000, this.timeoutMs * 2);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.throttle = new OriginThrottle(this.now);
    this.secrets = new SigningSecretCache(options.keyring);
    this.loop = new ClaimLoop({
      concurrency: options.concurrency ?? DEFAULT_DELIVERY_CONCURRENCY,
      idleWaitMs: options.idleWaitMs ?? 200,
      claim: async (limit) => this.notedTakeovers(await claimDueNotifications(options.db, { owner: this.owner, now: this.now(), leaseMs: this.leaseMs, limit })),
      process: (notification) =>
        this.deliver(notification).catch((error: unknown) =>
          options.logger.error({ err: error, instanceId: notification.instance_id, notificationId: notification.id }, 'delivery bookkeeping failed'),
        ),
      onClaimError: (error) => options.logger.error({ err: error }, 'claiming due notifications failed'),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Wakes the loop now (a poll just committed notifications). */
  nudge(): void {
    this.loop.nudge();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop.stop();
    await this.agent.close();
  }

  /** Counts and logs the claimed rows whose lease had expired in another worker's hands. */
  private notedTakeovers(rows: Claimed<NotificationRow>[]): Claimed<NotificationRow>[] {
    for (const row of rows) {
      if (!wasTakenOver(row, this.owner)) continue;
      this.options.observer?.leaseTakenOver();
      this.options.logger.warn({ instanceId: row.instance_id, notificationId: row.id, previousOwner: row.previous_lease_owner }, 'took over an expired delivery lease');
    }
    return rows;
  }

  private async deliver(notification: NotificationRow): Promise<void> {
    const { db } = this.options;
    const instance = await instances.findDeliveryTarget(db, notification.instance_id);
    if (!instance) return;
    if (instance.callback_gone === 1 || !instance.callback_url) {
      // Nowhere to send it: wait (untimed) until the callback URL is changed.
      await this.handBack(notification, null);
      return;
    }
    const { signatureKey, webhookSecret } = this.secrets.secretsFor(instance.secret_configuration, instance.webhook_secret_encrypted);
    const callbackUrl = instance.callback_url;
    const origin = new URL(callbackUrl).origin;
    if (await this.handedBackWhilePaused(notification, origin)) return;
    const result = await this.perOrigin.run(origin, async () => {
      // The origin may have been paused while this waited for a slot.
      if (await this.handedBackWhilePaused(notification, origin)) return undefined;
      // Waiting for a slot of a slow receiver can outlast the lease; send only while it is still ours.
      if (!(await this.renewLease(notification))) return undefined;
      const attempt = await sendAttempt({
        url: callbackUrl,
        headers: deliveryHeaders({
          notificationId: notification.id,
          payload: notification.payload,
          webhookSecret,
          signatureKey,
          timestamp: new Date(this.now()),
        }),
        payload: notification.payload,
        agent: this.agent,
        timeoutMs: this.timeoutMs,
        allowPrivateCallbacks: this.options.allowPrivateCallbacks,
        now: this.now,
      });
      // Recorded before the slot is released, so the next one waiting for it sees the pause.
      this.notePause(this.throttle.record(origin, originSignal(attempt.outcome, attempt.errorCode)));
      return attempt;
    });
    if (!result) return;
    const attemptNumber = notification.attempt_count + 1;
    const now = this.now();
    const step = nextAttempt({ attemptNumber, outcome: result.outcome, now: new Date(now), random: this.random });
    await bookAttempt(db, { notification, owner: this.owner, instanceId: instance.id, callbackUrl, result, step, now });
    this.options.observer?.attempted(step.kind, result.durationMs / 1000, step.kind === 'done' ? Math.max(0, now - notification.created_at) / 1000 : undefined);
    const { logger } = this.options;
    if (step.kind !== 'done') {
      logger.info(
        { instanceId: instance.id, resource: notification.object_type, notificationId: notification.id, attempt: attemptNumber, status: result.statusCode, error: result.error, next: step.kind },
        'delivery attempt failed',
      );
    } else if (logger.isLevelEnabled('debug')) {
      logger.debug({ instanceId: instance.id, resource: notification.object_type, notificationId: notification.id, attempt: attemptNumber, status: result.statusCode, durationMs: result.durationMs }, 'delivered');
    }
  }

  /**
   * Extends the lease for one attempt, or hands the notification back: when this worker is stopping
   * (SIGTERM must not wait for a queue of slow deliveries) or the lease has already passed to another
   * worker. Returns whether to send.
   */
  private async renewLease(notification: NotificationRow): Promise<boolean> {
    const now = this.now();
    if (this.stopping) {
      await this.handBack(notification, notification.next_attempt_at);
      return false;
    }
    return renewNotificationLease(this.options.db, notification.id, this.owner, now, now + this.leaseMs);
  }

  /**
   * Hands the notification back, unsent, when its origin is paused: due again when the pause ends, with
   * no attempt counted or recorded (it was never sent) and the lease released.
   */
  private async handedBackWhilePaused(notification: NotificationRow, origin: string): Promise<boolean> {
    const until = this.throttle.pausedUntil(origin);
    if (until === undefined) return false;
    await this.handBack(notification, until);
    return true;
  }

  private notePause(pause: OriginPause | undefined): void {
    if (!pause) return;
    // The origin only: a callback URL's path and query may carry the receiver's secrets.
    this.options.logger.warn(
      { origin: pause.origin, reason: pause.reason, pauseSeconds: pause.pauseMs / 1000, basis: pause.basis, until: new Date(pause.until).toISOString() },
      'callback origin paused: nothing is sent to it until the pause ends',
    );
  }

  /** Releases the lease, unsent and uncounted: due again at `nextAttemptAt` (null: untimed). */
  private async handBack(notification: NotificationRow, nextAttemptAt: number | null): Promise<void> {
    await releaseNotification(this.options.db, notification.id, this.owner, nextAttemptAt);
  }
}
