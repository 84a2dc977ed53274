// Deterministic, UUID-shaped ids for events and notifications: the same inputs always give the same id, so
// a poll repeated after a crash (before its transaction committed) produces events the store already knows
// instead of duplicates. Shared by the poller's configuration (resource keys), the outbox (event ids) and
// delivery (notification ids); it imports nothing of ours.

import { createHash } from 'node:crypto';

/** `/changed-messages` and `changed-messages` name the same resource, and so the same events. */
export function normalizeResourceKey(key: string): string {
  return key.trim().replace(/^\//, '');
}

/**
 * A version-5-shaped UUID from SHA-256 over the namespace and parts (UUIDv5 proper uses SHA-1; the shape
 * is what receivers and databases expect, the hash only needs to be stable and collision-free).
 */
export function deterministicUuid(namespace: string, parts: ReadonlyArray<string | number>): string {
  // JSON framing keeps ("a:b","c") and ("a","b:c") apart.
  const bytes = createHash('sha256').update(JSON.stringify([namespace, ...parts])).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of the event for one version of one object of one resource of one instance. */
export function eventIdFor(instanceId: number, resource: string, objectId: string, version: string): string {
  return deterministicUuid('changehook.event', [instanceId, normalizeResourceKey(resource), objectId, version]);
}
