// Organizations, users and element instances.

import type { Kysely } from 'kysely';
import { idColumn, type StoreDialect } from './columns.ts';

export function migration001(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('organizations')
        .addColumn('id', ...idColumn(dialect))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', ...idColumn(dialect))
        .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('instances')
        .addColumn('id', ...idColumn(dialect))
        .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('element_key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('token_encrypted', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('configuration', 'text', (c) => c.notNull())
        .addColumn('secret_configuration', 'text', (c) => c.notNull())
        .addColumn('access_token_encrypted', 'text')
        .addColumn('refresh_token_encrypted', 'text')
        .addColumn('access_token_expires_at', 'bigint')
        .addColumn('granted_scope', 'text')
        .addColumn('provider_account', 'text')
        .addColumn('valid', 'integer', (c) => c.notNull())
        .addColumn('invalid_reason', 'text')
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('events_enabled', 'integer', (c) => c.notNull())
        .addColumn('callback_url', 'text')
        .addColumn('refresh_interval_minutes', 'double precision')
        .addColumn('poller_configuration', 'text')
        .addColumn('webhook_secret_encrypted', 'text', (c) => c.notNull())
        .addColumn('refresh_lease_owner', 'text')
        .addColumn('refresh_lease_until', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('instances_by_organization').on('instances').columns(['organization_id', 'id']).execute();
    },
  };
}
