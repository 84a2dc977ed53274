// Redelivery through the events API: an event's notification, or every FAILED notification of an
// instance, is sent again now with a fresh retry schedule (attempt count back to 0, lease released).

import type { Kysely } from 'kysely';
import type { Database } from '../../store/index.ts';
import type { Caller } from '../../tenants/index.ts';
import type { EventQueries } from './eventQueries.ts';
import type { OwnedInstances } from './ownedInstances.ts';

export class Redelivery {
  constructor(private readonly deps: { db: Kysely<Database>; instances: OwnedInstances; queries: EventQueries }) {}

  /** Sends an event's notification again now, with a fresh retry schedule. */
  async redeliver(caller: Caller, instanceId: number, eventId: string): Promise<{ notificationId: string }> {
    const event = await this.deps.queries.get(caller, eventId, instanceId);
    await this.requeue(instanceId, [event.notificationId]);
    return { notificationId: event.notificationId };
  }

  /** Sends every FAILED notification of an instance again. */
  async redeliverFailed(caller: Caller, instanceId: number): Promise<{ notifications: number }> {
    await this.deps.instances.row(caller, instanceId);
    const failed = await this.deps.db.selectFrom('notifications').select('id').where('instance_id', '=', instanceId).where('status', '=', 'FAILED').execute();
    await this.requeue(instanceId, failed.map((n) => n.id));
    return { notifications: failed.length };
  }

  private async requeue(instanceId: number, notificationIds: string[]): Promise<void> {
    if (notificationIds.length === 0) return;
    await this.deps.db
      .updateTable('notifications')
      .set({ status: 'RETRYING', attempt_count: 0, next_attempt_at: Date.now(), lease_owner: null, lease_until: null })
      .where('instance_id', '=', instanceId)
      .where('id', 'in', notificationIds)
      .execute();
  }
}
