// The HTTP edge's input rules, applied to every API route before it runs: query, path parameters and
// JSON bodies obey the value rules of checkJsonValue (no NUL, bounded nesting), and platform routes take
// each query parameter once unless it is a list (Fastify turns `a=1&a=2` into an array, which a route
// reading `a` as a string would otherwise meet).

import { BadRequest, checkJsonValue } from '../errors/index.ts';

/** Throws a BadRequest naming the first query parameter given more than once (unless in `lists`). */
export function checkSingleValuedQuery(query: unknown, lists: ReadonlySet<string>): void {
  if (query === null || typeof query !== 'object') return;
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value) && !lists.has(key)) throw new BadRequest(`${key} must be given once, got ${value.length} values`);
  }
}

export { checkJsonValue };
