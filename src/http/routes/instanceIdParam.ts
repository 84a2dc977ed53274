// The `{id}` of instance routes: a positive integer, or a 400 naming it. Ids are 32-bit in the store
// (PostgreSQL `serial`), so a larger number names no instance: a 404, as on any store.

import { BadRequest, NotFound } from '../../errors/index.ts';

const MAX_INSTANCE_ID = 2_147_483_647;

export function instanceId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new BadRequest(`instance id must be a positive integer, got '${raw}'`);
  const id = Number(raw);
  if (id < 1 || id > MAX_INSTANCE_ID) throw new NotFound(`No instance with id ${raw}`);
  return id;
}
