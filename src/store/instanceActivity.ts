// The one rule for which instances are live, as a predicate over rows and as the same condition for
// queries: the poller runs an instance's schedules only while it holds, and the token refresher keeps
// tokens fresh for the wider set below.

import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Database, InstanceRow } from './schema.ts';

type ActivityColumns = Pick<InstanceRow, 'disabled' | 'valid' | 'events_enabled'>;

/**
 * Live: the user has not disabled the instance, its grant still works, and it asked for events. The
 * token refresher keeps exactly these fresh — including instances whose polling was disabled after
 * repeated failures, because any PUT/PATCH re-enables their polling at once, and a refresh is how a
 * revoked grant behind those failures gets noticed and shown (the instance is marked invalid).
 */
export function isInstanceLive(instance: ActivityColumns): boolean {
  return instance.disabled === 0 && instance.valid === 1 && instance.events_enabled === 1;
}

/** `isInstanceLive` as a query condition: `.where(instanceIsLive)`. */
export function instanceIsLive(eb: ExpressionBuilder<Database, 'instances'>): Expression<SqlBool> {
  return eb.and([eb('valid', '=', 1), eb('disabled', '=', 0), eb('events_enabled', '=', 1)]);
}

/** Pollable: live, and polling not disabled after repeated failures. */
export function isPollingRunnable(instance: ActivityColumns & Pick<InstanceRow, 'polling_disabled'>): boolean {
  return isInstanceLive(instance) && instance.polling_disabled === 0;
}
