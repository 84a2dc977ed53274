// The ordered list of migrations, one set for both dialects, run by Kysely's Migrator.

import type { Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from './columns.ts';
import { migration001 } from './001_tenants_and_instances.ts';
import { migration002 } from './002_polling_and_delivery.ts';
import { migration003 } from './003_event_retention.ts';
import { migration004 } from './004_cursor_state.ts';

export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001_tenants_and_instances': migration001(dialect),
        '002_polling_and_delivery': migration002(dialect),
        '003_event_retention': migration003(),
        '004_cursor_state': migration004(),
      };
    },
  };
}
