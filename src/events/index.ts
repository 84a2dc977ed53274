// The events capability's public face for the rest of src/. Events are cut into parts, each with its own
// index.ts: poller/ (scheduling, claiming, change detection), outbox/ (committing a poll's events,
// notifications and cursor in one transaction), delivery/ (envelope, signing, dispatching, retries),
// retention/ (pruning), api/ (what the events API reads and does) and claimLoop/ (the loop both workers
// run). eventTypes.ts and deterministicId.ts are the vocabulary they share and import nothing of ours.
// Parts import one another only through those index files; nothing in events imports instances.
//
// A part's index.ts is its face for the rest of src/ too, re-exported whole here so each symbol is
// listed once; the outbox is the exception: only the poller commits, the rest of src/ sees its result.

export { EVENT_TYPES, type EventType, type ProviderRecord, type DetectedChange } from './eventTypes.ts';
export { eventIdFor, deterministicUuid, normalizeResourceKey } from './deterministicId.ts';
export * from './poller/index.ts';
export type { CommittedCapture } from './outbox/index.ts';
export * from './delivery/index.ts';
export * from './retention/index.ts';
export * from './api/index.ts';
