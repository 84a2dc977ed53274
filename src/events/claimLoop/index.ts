// The claim loop's public face: the one loop both workers (poll and delivery) run. It is its own small
// part rather than the store's lease API because it holds no SQL and no dialect — it is told how to claim
// and how to process, and owns only the in-process rhythm (batching, bounded concurrency, idle waits).

export { ClaimLoop, type ClaimLoopOptions } from './claimLoop.ts';
