// Redelivery through the events API: an event's notification, or every FAILED notification of an
// instance, is sent again now with a fresh retry schedule (attempt count back to 0, lease released).

import type { Kysely } from 'kysely';
import { notifications, type Database } from '../../store/index.ts';
import type { Caller } from '../../tenants/index.ts';
import type { EventQueries } from './eventQueries.ts';
import type { OwnedInstances } from './ownedInstances.ts';

export class Redelivery {
  constructor(private readonly deps: { db: Kysely<Database>; instances: OwnedInstances; queries: EventQueries }) {}

  /** Sends an event's notification again now, with a fresh retry schedule. */
  async redeliver(caller: Caller, instanceId: number, eventId: string): Promise<{ notificationId: string }> {
    const event = await this.deps.queries.get(caller, eventId, instanceId);
    await notifications.requeue(this.deps.db, instanceId, [event.notificationId], Date.now());
    return { notificationId: event.notificationId };
  }

  /** Sends every FAILED notification of an instance again. */
  async redeliverFailed(caller: Caller, instanceId: number): Promise<{ notifications: number }> {
    await this.deps.instances.row(caller, instanceId);
    const failed = await notifications.findFailedIds(this.deps.db, instanceId);
    await notifications.requeue(this.deps.db, instanceId, failed, Date.now());
    return { notifications: failed.length };
  }
}
