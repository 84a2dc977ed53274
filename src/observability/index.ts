// The observability capability: Prometheus metrics (one registry per process) and the store gauges
// read at scrape time. Workers and the provider client report through their own narrow hooks.

export { Metrics, type MetricsOptions } from './metrics.ts';
export { readStoreBacklog, instanceState, CachedReader, INSTANCE_STATES, PENDING_NOTIFICATION_STATUSES, type StoreBacklog, type InstanceState } from './storeBacklog.ts';
export { logRedaction, redactQuery, REDACTED } from './logRedaction.ts';
