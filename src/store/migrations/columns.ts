// The one column whose DDL differs between SQLite and PostgreSQL: the auto-increment primary key.

import type { ColumnDataType, ColumnDefinitionBuilder } from 'kysely';

export type StoreDialect = 'sqlite' | 'postgres';

export function idColumn(
  dialect: StoreDialect,
): [ColumnDataType, (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder] {
  return dialect === 'postgres'
    ? ['serial', (c) => c.primaryKey()]
    : ['integer', (c) => c.primaryKey().autoIncrement()];
}
