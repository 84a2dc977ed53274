// Which SQL dialect a database handle speaks, known to the store alone, so workers never carry it.
// The handle's dialect adapter tells; transactions and `withPlugin` wrappers share their parent's
// executor, so every handle derived from the one openStore made answers the same.

import { PostgresAdapter, type Kysely } from 'kysely';
import type { StoreDialect } from './migrations/columns.ts';
import type { Database } from './schema.ts';

export function dialectOf(db: Kysely<Database>): StoreDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
