// The store's side of the metrics, read at scrape time: work that is due but unclaimed, notifications
// not yet delivered, and instances by state. Each figure is one COUNT over an index (the instances
// count scans a table of one row per account); a short cache keeps frequent or parallel scrapes, and
// several processes scraped at once, from turning into a query load.

import type { Kysely } from 'kysely';
import type { Database, NotificationStatus } from '../store/index.ts';

/** Statuses of notifications still in play; delivered ones are history, counted by deliveries_total. */
export const PENDING_NOTIFICATION_STATUSES = ['NEW', 'RETRYING', 'FAILED'] as const satisfies readonly NotificationStatus[];
export type PendingNotificationStatus = (typeof PENDING_NOTIFICATION_STATUSES)[number];

/** An instance's state, first match wins: disabled, invalid (needs re-authentication), polling disabled, active. */
export const INSTANCE_STATES = ['active', 'invalid', 'polling_disabled', 'disabled'] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

export interface StoreBacklog {
  /** Poll schedules due now and not leased (or whose lease expired). */
  duePolls: number;
  /** Notifications due for an attempt now and not leased (or whose lease expired). */
  dueNotifications: number;
  notifications: Record<PendingNotificationStatus, number>;
  instances: Record<InstanceState, number>;
}

/**
 * The state a metric counts an instance under, first match wins. Not the live/pollable rule (store's
 * `isInstanceLive`/`isPollingRunnable`): a gauge labels every row by its one blocking flag, and events
 * being off is a choice, not a state, so such an instance counts as `active`.
 */
export function instanceState(row: { disabled: number; valid: number; polling_disabled: number }): InstanceState {
  if (Number(row.disabled) === 1) return 'disabled';
  if (Number(row.valid) === 0) return 'invalid';
  if (Number(row.polling_disabled) === 1) return 'polling_disabled';
  return 'active';
}

export async function readStoreBacklog(db: Kysely<Database>, now: number): Promise<StoreBacklog> {
  const duePolls = await db
    .selectFrom('poll_schedules')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('next_run_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirstOrThrow();
  const dueNotifications = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', 'in', ['NEW', 'RETRYING'])
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirstOrThrow();
  const byStatus = await db
    .selectFrom('notifications')
    .select((eb) => ['status', eb.fn.countAll().as('n')])
    .where('status', 'in', PENDING_NOTIFICATION_STATUSES)
    .groupBy('status')
    .execute();
  const byState = await db
    .selectFrom('instances')
    .select((eb) => ['disabled', 'valid', 'polling_disabled', eb.fn.countAll().as('n')])
    .groupBy(['disabled', 'valid', 'polling_disabled'])
    .execute();

  const notifications = { NEW: 0, RETRYING: 0, FAILED: 0 };
  for (const row of byStatus) if (row.status in notifications) notifications[row.status as PendingNotificationStatus] = Number(row.n);
  const instances = { active: 0, invalid: 0, polling_disabled: 0, disabled: 0 };
  for (const row of byState) instances[instanceState(row)] += Number(row.n);
  return { duePolls: Number(duePolls.n), dueNotifications: Number(dueNotifications.n), notifications, instances };
}

/**
 * Reads through to `read` at most once per `maxAgeMs`, and never twice at once: callers meanwhile (the
 * several gauges of one scrape, or the next scrape) share the same answer — or the same failure, so a
 * store that is down is not asked again at every scrape.
 */
export class CachedReader<T> {
  private last?: { at: number; settled: boolean; value: Promise<T> };

  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    const now = this.now();
    if (this.last && (!this.last.settled || now - this.last.at < this.maxAgeMs)) return this.last.value;
    const entry = { at: now, settled: false, value: this.read() };
    const settle = () => {
      entry.settled = true;
    };
    entry.value.then(settle, settle);
    this.last = entry;
    return entry.value;
  }
}
