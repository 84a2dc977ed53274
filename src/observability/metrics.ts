// The process's Prometheus metrics: one prom-client Registry per Metrics object (never the global
// one, so a test can run several apps in one process), the hooks the workers and the provider client
// call, and the store gauges read at scrape time. Domain code sees only the narrow observer interfaces
// it declares itself; prom-client stays in this module.
//
// The hooks run on the hot path (an idle poll is a few milliseconds): every labelled child that can be
// known in advance is bound once here, so a poll costs a table lookup and the increment itself.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  EVENT_TYPES,
  type CommittedCapture,
  type DeliveryWorkerObserver,
  type DetectionKind,
  type EventPrunerObserver,
  type PollResult,
  type PollWorkerObserver,
} from '../events/index.ts';
import type { ProviderCallHook, ProviderCallReport } from '../hubs/index.ts';
import { INSTANCE_STATES, PENDING_NOTIFICATION_STATUSES, CachedReader, type StoreBacklog } from './storeBacklog.ts';

export interface MetricsOptions {
  /** Reads the store's backlog for the gauges; without it the store gauges are left out. */
  readBacklog?: () => Promise<StoreBacklog>;
  /** How long one backlog reading serves scrapes. Default 2 s. */
  backlogMaxAgeMs?: number;
  /** Process metrics (CPU, memory, event loop lag, GC). Default true. */
  processMetrics?: boolean;
  /** Told when the store could not be read for the gauges (they keep their last values). */
  onBacklogError?: (error: unknown) => void;
}

type Kind = DetectionKind | 'unknown';
type DeliveryStep = Parameters<DeliveryWorkerObserver['attempted']>[0];

const KINDS: readonly Kind[] = ['cursor', 'window', 'listing', 'unknown'];
const POLL_RESULTS: readonly PollResult[] = ['success', 'baseline', 'failure', 'skipped'];
const DELIVERY_STEPS: readonly DeliveryStep[] = ['done', 'retry', 'failed', 'gone'];
const PRUNED_KINDS = ['notifications', 'events', 'attempts'] as const;

// Idle polls and local deliveries take milliseconds; provider timeouts and slow receivers tens of seconds.
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
// From a poll interval of a second to the last retry a day later.
// A poll on time starts within a second of its due time; the target allows 5 s; after downtime, hours.
const LATENESS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 7200, 21600, 86400];

interface ProviderMethodChildren {
  units: Counter.Internal;
  byStatus: Map<number | 'error', Counter.Internal>;
}

export class Metrics {
  readonly registry = new Registry();
  /** `text/plain; version=0.0.4; charset=utf-8`: Prometheus' text format. */
  readonly contentType: string = this.registry.contentType;
  /** Hooks for PollWorker. */
  readonly pollWorker: PollWorkerObserver;
  /** Hooks for DeliveryWorker. */
  readonly deliveryWorker: DeliveryWorkerObserver;
  /** Hook for the retention pruner. */
  readonly eventPruner: EventPrunerObserver;
  /** Hook for the provider client (through HubService). */
  readonly onProviderCall: ProviderCallHook;

  private readonly providerCalls: Counter<'provider' | 'method' | 'status'>;
  private readonly providerUnits: Counter<'provider' | 'method'>;
  private readonly providerChildren = new Map<string, Map<string, ProviderMethodChildren>>();

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    const polls = new Counter({
      name: 'changehook_polls_total',
      help: 'Polls of one resource of one instance, by detection kind (cursor, window, listing) and outcome',
      labelNames: ['resource_kind', 'outcome'] as const,
      registers,
    });
    const pollDuration = new Histogram({
      name: 'changehook_poll_duration_seconds',
      help: 'Time from claiming a poll to knowing its outcome (provider calls and the commit), by detection kind and outcome',
      labelNames: ['resource_kind', 'outcome'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    });
    const pollLateness = new Histogram({
      name: 'changehook_poll_lateness_seconds',
      help: 'How long after its due time a poll started (schedule lateness): a worker that cannot keep up shows here first',
      buckets: LATENESS_BUCKETS,
      registers,
    });
    const changes = new Counter({
      name: 'changehook_changes_detected_total',
      help: 'Changes detected by polls, by event type; a poll repeated after a crash detects its changes again',
      labelNames: ['event_type'] as const,
      registers,
    });
    const events = new Counter({ name: 'changehook_events_written_total', help: 'Events written (each change once)', registers });
    const notifications = new Counter({ name: 'changehook_notifications_written_total', help: 'Notifications written (up to 10 events each)', registers });
    const leaseTakeovers = new Counter({
      name: 'changehook_lease_takeovers_total',
      help: "Claims of work whose lease had expired in another worker's hands (a worker died or stalled)",
      labelNames: ['kind'] as const,
      registers,
    });
    const deliveries = new Counter({
      name: 'changehook_deliveries_total',
      help: 'Delivery attempts by outcome: done (2xx), retry (scheduled again), failed (last retry spent), gone (410: callback disabled)',
      labelNames: ['outcome'] as const,
      registers,
    });
    const attemptDuration = new Histogram({
      name: 'changehook_delivery_attempt_duration_seconds',
      help: 'Duration of one delivery attempt (the callback POST)',
      buckets: DURATION_BUCKETS,
      registers,
    });
    const latency = new Histogram({
      name: 'changehook_delivery_latency_seconds',
      help: 'Time from writing a notification (with its events) to its delivery, retries included',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.providerCalls = new Counter({
      name: 'changehook_provider_calls_total',
      help: "Provider requests by the provider's method name and HTTP status ('error': no answer); batch parts count as calls, the batch request as method 'batch'",
      labelNames: ['provider', 'method', 'status'] as const,
      registers,
    });
    this.providerUnits = new Counter({
      name: 'changehook_provider_quota_units_total',
      help: "Provider quota units spent, by method, from the provider's published costs (calls it served: 2xx and 4xx other than 401, 403, 429)",
      labelNames: ['provider', 'method'] as const,
      registers,
    });

    // Bound once: [kind][result] → child. Series that occur in practice start at 0, so rate() works at once.
    const pollChildren = table(KINDS, (kind) => table(POLL_RESULTS, (result) => polls.labels(kind, result)));
    const durationChildren = table(KINDS, (kind) => table(POLL_RESULTS, (result) => pollDuration.labels(kind, result)));
    for (const kind of KINDS) {
      for (const result of POLL_RESULTS) {
        // Skipped polls never learn their kind; failures may not.
        const occurs = kind === 'unknown' ? result === 'skipped' || result === 'failure' : result !== 'skipped';
        if (occurs) pollChildren[kind][result].inc(0);
      }
    }
    const changeChildren = table(EVENT_TYPES, (type) => changes.labels(type));
    const deliveryChildren = table(DELIVERY_STEPS, (step) => deliveries.labels(step));
    const pollTakeovers = leaseTakeovers.labels('poll');
    const notificationTakeovers = leaseTakeovers.labels('notification');
    for (const child of [...Object.values(changeChildren), ...Object.values(deliveryChildren), pollTakeovers, notificationTakeovers]) child.inc(0);

    this.pollWorker = {
      polled(kind, result, seconds) {
        const k = kind ?? 'unknown';
        pollChildren[k][result].inc();
        if (result !== 'skipped') durationChildren[k][result].observe(seconds);
      },
      leaseTakenOver: () => pollTakeovers.inc(),
      started: (latenessSeconds) => pollLateness.observe(latenessSeconds),
      captured(capture: CommittedCapture) {
        let created = 0;
        let updated = 0;
        let deleted = 0;
        for (const change of capture.changes) {
          if (change.eventType === 'CREATED') created += 1;
          else if (change.eventType === 'UPDATED') updated += 1;
          else deleted += 1;
        }
        if (created > 0) changeChildren.CREATED.inc(created);
        if (updated > 0) changeChildren.UPDATED.inc(updated);
        if (deleted > 0) changeChildren.DELETED.inc(deleted);
        if (capture.eventIds.length > 0) events.inc(capture.eventIds.length);
        if (capture.notificationIds.length > 0) notifications.inc(capture.notificationIds.length);
      },
    };
    this.deliveryWorker = {
      attempted(step, attemptSeconds, latencySeconds) {
        deliveryChildren[step].inc();
        attemptDuration.observe(attemptSeconds);
        if (latencySeconds !== undefined) latency.observe(latencySeconds);
      },
      leaseTakenOver: () => notificationTakeovers.inc(),
    };
    const pruned = new Counter({
      name: 'changehook_pruned_total',
      help: 'Rows deleted by the retention pruner: settled notifications older than the retention, their events and delivery attempts',
      labelNames: ['kind'] as const,
      registers,
    });
    const prunedChildren = table(PRUNED_KINDS, (kind) => pruned.labels(kind));
    for (const child of Object.values(prunedChildren)) child.inc(0);
    this.eventPruner = {
      pruned(rows) {
        for (const kind of PRUNED_KINDS) if (rows[kind] > 0) prunedChildren[kind].inc(rows[kind]);
      },
    };
    this.onProviderCall = (call) => this.countProviderCall(call);

    if (options.readBacklog) this.registerStoreGauges(new CachedReader(options.readBacklog, options.backlogMaxAgeMs ?? 2000), options.onBacklogError);
  }

  /** The registry in Prometheus' text format. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  private countProviderCall(call: ProviderCallReport): void {
    let methods = this.providerChildren.get(call.provider);
    if (methods === undefined) {
      methods = new Map();
      this.providerChildren.set(call.provider, methods);
    }
    let children = methods.get(call.method);
    if (children === undefined) {
      children = { units: this.providerUnits.labels(providerLabel(call.provider), call.method), byStatus: new Map() };
      methods.set(call.method, children);
    }
    let byStatus = children.byStatus.get(call.status);
    if (byStatus === undefined) {
      byStatus = this.providerCalls.labels(providerLabel(call.provider), call.method, String(call.status));
      children.byStatus.set(call.status, byStatus);
    }
    byStatus.inc();
    if (call.units > 0) children.units.inc(call.units);
  }

  private registerStoreGauges(backlog: CachedReader<StoreBacklog>, onError: ((error: unknown) => void) | undefined): void {
    const registers = [this.registry];
    // Every gauge of a scrape asks; the reader answers them all from one reading. On failure the
    // gauges keep their last values and the failure is reported once per reading.
    let reported: Promise<StoreBacklog> | undefined;
    const read = async (): Promise<StoreBacklog | undefined> => {
      const reading = backlog.get();
      try {
        return await reading;
      } catch (error) {
        if (reported !== reading) {
          reported = reading;
          onError?.(error);
        }
        return undefined;
      }
    };
    const duePolls: Gauge = new Gauge({
      name: 'changehook_due_unclaimed_polls',
      help: 'Polls due now that no worker holds (the poll backlog)',
      registers,
      collect: async () => {
        const b = await read();
        if (b) duePolls.set(b.duePolls);
      },
    });
    const dueNotifications: Gauge = new Gauge({
      name: 'changehook_due_unclaimed_notifications',
      help: 'Notifications due for an attempt now that no worker holds (the delivery backlog)',
      registers,
      collect: async () => {
        const b = await read();
        if (b) dueNotifications.set(b.dueNotifications);
      },
    });
    const notifications: Gauge<'status'> = new Gauge({
      name: 'changehook_notifications',
      help: 'Notifications not delivered, by status (NEW, RETRYING, FAILED); delivered ones are counted by changehook_deliveries_total',
      labelNames: ['status'] as const,
      registers,
      collect: async () => {
        const b = await read();
        if (b) for (const status of PENDING_NOTIFICATION_STATUSES) notifications.labels(status).set(b.notifications[status]);
      },
    });
    const instances: Gauge<'state'> = new Gauge({
      name: 'changehook_instances',
      help: 'Element instances by state: active, invalid (needs re-authentication), polling_disabled (too many failed polls), disabled',
      labelNames: ['state'] as const,
      registers,
      collect: async () => {
        const b = await read();
        if (b) for (const state of INSTANCE_STATES) instances.labels(state).set(b.instances[state]);
      },
    });
  }
}

/** Gmail, not "Gmail": label values in lower case like the element keys. */
function providerLabel(providerName: string): string {
  return providerName.toLowerCase();
}

function table<K extends string, V>(keys: readonly K[], make: (key: K) => V): Record<K, V> {
  const out = {} as Record<K, V>;
  for (const key of keys) out[key] = make(key);
  return out;
}
