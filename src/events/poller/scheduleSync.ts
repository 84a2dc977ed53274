// Keeps the durable schedule (one row per instance and configured resource) in step with the
// instance, in the same transaction as the instance change: enabling, disabling, re-configuring or
// deleting an instance takes effect on the next claim.
//
// - events disabled or a resource removed → its schedule row goes (re-enabling starts from a new baseline);
// - a resource's configuration changed → its cursor and fingerprints restart from a new baseline;
// - instance disabled, invalid or polling disabled → its rows stay (cursor kept) but are paused, so
//   re-authenticating or re-enabling resumes from where polling stopped, without a gap.

import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { isPollingRunnable, pollSchedules, type Database, type InstanceRow } from '../../store/index.ts';
import type { PollerConfiguration } from './pollerConfiguration.ts';

/** Rows written before the interval was stored poll at the configuration's default. */
export function refreshIntervalMinutes(instance: InstanceRow): number {
  return instance.refresh_interval_minutes ?? 15;
}

/** next_run_at of a paused schedule: never due (the poll_schedules model's). */
export const PAUSED_AT = pollSchedules.PAUSED_AT;

// Every poll checks its instance's configuration; instances mostly share a few configuration texts,
// so each text is parsed (and each resource's fingerprint hashed) once, not once per poll. The parsed
// objects are shared: read them, never change them.
const PARSED_CACHE_SIZE = 1000;
const parsedConfigurations = new Map<string, PollerConfiguration>();
const fingerprints = new WeakMap<object, string>();

export function resourceConfigFingerprint(config: unknown): string {
  const cacheable = typeof config === 'object' && config !== null;
  let fingerprint = cacheable ? fingerprints.get(config) : undefined;
  if (fingerprint === undefined) {
    fingerprint = crypto.createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 32);
    if (cacheable) fingerprints.set(config, fingerprint);
  }
  return fingerprint;
}

export function configuredResources(instance: InstanceRow): PollerConfiguration {
  if (instance.events_enabled !== 1 || !instance.poller_configuration) return {};
  let parsed = parsedConfigurations.get(instance.poller_configuration);
  if (parsed === undefined) {
    parsed = JSON.parse(instance.poller_configuration) as PollerConfiguration;
    if (parsedConfigurations.size >= PARSED_CACHE_SIZE) parsedConfigurations.clear();
    parsedConfigurations.set(instance.poller_configuration, parsed);
  }
  return parsed;
}

export interface SyncOptions {
  /** The refresh interval changed: a waiting poll moves to its last poll plus the new interval (or now). */
  intervalChanged?: boolean;
}

export async function syncPollSchedules(
  db: Kysely<Database> | Transaction<Database>,
  instance: InstanceRow,
  now = Date.now(),
  options: SyncOptions = {},
): Promise<void> {
  const wanted = configuredResources(instance);
  const runnable = isPollingRunnable(instance);
  const existing = await pollSchedules.findForInstance(db, instance.id);

  // Own keys only: a resource named "toString" or "constructor" must not match an inherited property.
  await pollSchedules.deleteSchedules(
    db,
    existing.filter((row) => !Object.hasOwn(wanted, row.resource)).map((row) => row.id),
  );

  for (const [resource, config] of Object.entries(wanted)) {
    const fingerprint = resourceConfigFingerprint(config);
    const row = existing.find((r) => r.resource === resource);
    if (!row) {
      // The first poll records the baseline; take it right away so changes from now on are seen.
      await pollSchedules.createSchedule(db, { instanceId: instance.id, resource, configFingerprint: fingerprint, nextRunAt: runnable ? now : PAUSED_AT }, now);
    } else if (row.config_fingerprint !== fingerprint) {
      await pollSchedules.restartFromNewBaseline(db, row.id, fingerprint, runnable ? now : PAUSED_AT);
    } else if (!runnable && row.next_run_at !== PAUSED_AT) {
      await pollSchedules.pause(db, row.id);
    } else if (runnable && row.next_run_at === PAUSED_AT) {
      await pollSchedules.resume(db, row.id, now);
    } else if (runnable && options.intervalChanged && row.last_poll_at !== null) {
      const intervalMs = refreshIntervalMinutes(instance) * 60_000;
      const next = Math.max(now, row.last_poll_at + intervalMs);
      // A poll in flight sets its own next run when it ends, from the interval it started with.
      if (next !== row.next_run_at) await pollSchedules.moveWaitingRun(db, row.id, row.next_run_at, next);
    }
  }
}
