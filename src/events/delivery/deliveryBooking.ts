// Booking one delivery attempt: the attempt's row and the notification's next state (delivered, a
// retry, failed, or waiting on a callback gone) in one transaction, written through the store's models
// and only while this worker holds the notification's lease. A 410 also marks the instance's callback
// gone, if its URL is still the one that answered.

import type { Kysely } from 'kysely';
import { deliveryAttempts, instances, notifications, type AttemptBooking, type Database, type NotificationRow } from '../../store/index.ts';
import type { AttemptResult } from './deliveryAttempt.ts';
import type { NextStep } from './retrySchedule.ts';

export interface AttemptToBook {
  notification: NotificationRow;
  owner: string;
  instanceId: number;
  callbackUrl: string;
  result: AttemptResult;
  step: NextStep;
  /** When the attempt ended (epoch ms). */
  now: number;
}

export async function bookAttempt(db: Kysely<Database>, { notification, owner, instanceId, callbackUrl, result, step, now }: AttemptToBook): Promise<void> {
  const attempt: AttemptBooking = {
    id: notification.id,
    owner,
    attemptCount: notification.attempt_count + 1,
    lastStatusCode: result.statusCode,
    lastError: result.error,
  };
  await db.transaction().execute(async (trx) => {
    await deliveryAttempts.recordDeliveryAttempt(trx, {
      notification_id: notification.id,
      attempted_at: now - result.durationMs,
      duration_ms: result.durationMs,
      status_code: result.statusCode,
      outcome: step.kind,
      response_excerpt: result.excerpt,
      error: result.error,
    });
    switch (step.kind) {
      case 'done':
        await notifications.markDelivered(trx, attempt, now);
        break;
      case 'retry':
        await notifications.scheduleRetry(trx, attempt, step.at.getTime());
        break;
      case 'failed':
        await notifications.markFailed(trx, attempt);
        break;
      case 'gone':
        await notifications.waitForNewCallback(trx, attempt);
        await instances.markCallbackGone(trx, instanceId, callbackUrl);
        break;
    }
  });
}
