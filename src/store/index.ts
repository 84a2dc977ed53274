export { openStore, sqliteFile, type Store } from './database.ts';
export type { Database, InstanceRow, NewInstanceRow, InstanceRowUpdate, OrganizationRow, UserRow } from './schema.ts';
