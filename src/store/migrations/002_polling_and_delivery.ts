// Polling and delivery: the schedule per (instance, resource), fingerprints of listed objects, the
// events and notifications written together with the cursor (transactional outbox), and every
// delivery attempt.

import type { Kysely } from 'kysely';
import { idColumn, type StoreDialect } from './columns.ts';

export function migration002(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('instances').addColumn('event_sequence', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('instances').addColumn('polling_disabled', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('instances').addColumn('polling_disabled_reason', 'text').execute();
      await db.schema.alterTable('instances').addColumn('callback_gone', 'integer', (c) => c.notNull().defaultTo(0)).execute();

      await db.schema
        .createTable('poll_schedules')
        .addColumn('id', ...idColumn(dialect))
        .addColumn('instance_id', 'integer', (c) => c.notNull().references('instances.id').onDelete('cascade'))
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('next_run_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('cursor', 'text')
        .addColumn('baseline_at', 'bigint')
        .addColumn('config_fingerprint', 'text', (c) => c.notNull())
        .addColumn('last_poll_at', 'bigint')
        .addColumn('last_success_at', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('poll_schedules_instance_resource', ['instance_id', 'resource'])
        .execute();
      await db.schema.createIndex('poll_schedules_due').on('poll_schedules').columns(['next_run_at']).execute();

      await db.schema
        .createTable('object_fingerprints')
        .addColumn('schedule_id', 'integer', (c) => c.notNull().references('poll_schedules.id').onDelete('cascade'))
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('object_fingerprints_pk', ['schedule_id', 'object_id'])
        .execute();

      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('instance_id', 'integer', (c) => c.notNull().references('instances.id').onDelete('cascade'))
        .addColumn('organization_id', 'integer', (c) => c.notNull())
        .addColumn('object_type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempt_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema.createIndex('notifications_due').on('notifications').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('notifications_by_instance').on('notifications').columns(['instance_id', 'status']).execute();

      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('instance_id', 'integer', (c) => c.notNull().references('instances.id').onDelete('cascade'))
        .addColumn('organization_id', 'integer', (c) => c.notNull())
        .addColumn('object_type', 'text', (c) => c.notNull())
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('sequence', 'bigint', (c) => c.notNull())
        .addColumn('record', 'text', (c) => c.notNull())
        .addColumn('occurred_at', 'bigint', (c) => c.notNull())
        .addColumn('poll_at', 'bigint', (c) => c.notNull())
        .addColumn('notification_id', 'text', (c) => c.notNull().references('notifications.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_by_organization').on('events').columns(['organization_id', 'created_at']).execute();
      await db.schema.createIndex('events_by_instance').on('events').columns(['instance_id', 'sequence']).execute();
      await db.schema.createIndex('events_by_notification').on('events').columns(['notification_id']).execute();

      await db.schema
        .createTable('delivery_attempts')
        .addColumn('id', ...idColumn(dialect))
        .addColumn('notification_id', 'text', (c) => c.notNull().references('notifications.id').onDelete('cascade'))
        .addColumn('attempted_at', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('response_excerpt', 'text')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('delivery_attempts_by_notification').on('delivery_attempts').columns(['notification_id', 'attempted_at']).execute();
    },
  };
}
