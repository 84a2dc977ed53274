// The `{id}` of instance routes: a positive integer, or a 400 naming it.

import { BadRequest } from '../../errors/index.ts';

export function instanceId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new BadRequest(`instance id must be a positive integer, got '${raw}'`);
  return Number(raw);
}
