// The one reading of a dot path (`message.id`, `payload.internalDate`) in a provider record, for the
// id field and the date fields of a poller configuration alike. (The hub's `fields` projection in
// hubs/queryParameters.ts walks paths its own way on purpose: own keys only, since the path is caller input.)

/**
 * The value at `path`, or undefined when a step is missing or not an object. An exact key containing
 * dots wins over the path, since some providers use such keys.
 */
export function readRecordPath(record: unknown, path: string): unknown {
  if (record === null || typeof record !== 'object') return undefined;
  const direct = (record as Record<string, unknown>)[path];
  if (direct !== undefined) return direct;
  let value: unknown = record;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
