// GET /metrics end to end: the app polls a mailbox through the emulator and delivers to a local
// receiver; the scrape is valid Prometheus text and its counters moved as the pipeline did. The Metrics
// object on its own: one registry each (two in a process do not collide), provider calls by method.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Metrics } from '../../src/observability/index.ts';
import { createInstance, startTestApp, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
// Values as Prometheus reads them (Go's ParseFloat): NaN and Inf in any case — prom-client writes `Nan`.
const VALUE = '[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|[nN][aA][nN]|[-+]?[iI][nN][fF]';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(${LABEL}(?:,${LABEL})*)?,?\\})? (${VALUE})(?: -?\\d+)?$`);
const HELP_LINE = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/** Parses Prometheus' text format (0.0.4), failing on any line that is not a comment, a sample or blank. */
function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const type = TYPE_LINE.exec(line);
    if (type) {
      assert.ok(!types.has(type[1] as string), `line ${index + 1}: a second TYPE for ${type[1]}`);
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    if (HELP_LINE.test(line)) continue;
    const sample = SAMPLE_LINE.exec(line);
    assert.ok(sample, `line ${index + 1} is not Prometheus text: ${JSON.stringify(line)}`);
    const name = sample[1] as string;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(family), `line ${index + 1}: ${name} has no TYPE line before it`);
    const labels: Record<string, string> = {};
    for (const match of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[match[1] as string] = match[2] as string;
    samples.push({ name, labels, value: Number(sample[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}

function has(samples: Sample[], name: string, labels: Record<string, string> = {}): boolean {
  return samples.some((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value));
}

describe('GET /metrics', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  let instanceId: number;
  const mailbox = 'metrics@example.com';

  async function scrape(): Promise<{ contentType: string | null; samples: Sample[] }> {
    const response = await fetch(`${app.url}/metrics`);
    assert.equal(response.status, 200);
    return { contentType: response.headers.get('content-type'), samples: parsePrometheusText(await response.text()) };
  }

  before(async () => {
    app = await startTestApp('sqlite', { CHANGEHOOK_SANDBOX: '1' });
    receiver = await new WebhookReceiver().start();
    const instance = await createInstance(app, mailbox, {
      configuration: { 'event.notification.callback.url': receiver.url, 'event.poller.refresh_interval': '0.0167' },
    });
    instanceId = instance.id;
  });
  after(async () => {
    await app.close();
    await receiver.close();
  });

  test('a change polled and delivered moves the counters', async () => {
    // The first poll records the baseline; a message delivered after it becomes an event.
    await waitFor(async () => total((await scrape()).samples, 'changehook_polls_total', { resource_kind: 'cursor', outcome: 'baseline' }) >= 1, 'the baseline poll');
    const message = await app.emulator.control.deliverMessage(mailbox, { from: 'alice@example.com', subject: 'Metrics', text: 'count me' });
    await waitFor(() => receiver.events().some((e) => e.objectId === message.id), 'the delivery of the new message');
    const { contentType, samples } = await waitFor(async () => {
      const scraped = await scrape();
      return total(scraped.samples, 'changehook_deliveries_total', { outcome: 'done' }) >= 1 ? scraped : undefined;
    }, 'the delivery counted');

    assert.match(contentType ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(total(samples, 'changehook_polls_total', { resource_kind: 'cursor', outcome: 'baseline' }), 1);
    assert.ok(total(samples, 'changehook_polls_total', { resource_kind: 'cursor', outcome: 'success' }) > 0);
    assert.equal(total(samples, 'changehook_polls_total', { outcome: 'failure' }), 0);
    assert.ok(total(samples, 'changehook_poll_duration_seconds_count', { resource_kind: 'cursor', outcome: 'success' }) > 0);
    assert.ok(total(samples, 'changehook_changes_detected_total', { event_type: 'CREATED' }) >= 1);
    assert.ok(total(samples, 'changehook_events_written_total') >= 1);
    assert.ok(total(samples, 'changehook_notifications_written_total') >= 1);
    assert.equal(total(samples, 'changehook_deliveries_total', { outcome: 'failed' }), 0);
    assert.ok(total(samples, 'changehook_delivery_attempt_duration_seconds_count') >= 1);
    assert.ok(total(samples, 'changehook_delivery_latency_seconds_count') >= 1);
    assert.equal(total(samples, 'changehook_lease_takeovers_total'), 0);
    assert.ok(has(samples, 'changehook_lease_takeovers_total', { kind: 'poll' }));

    // Quota: each history.list costs 2 units, each message read 5 (through the batch endpoint).
    const historyUnits = total(samples, 'changehook_provider_quota_units_total', { provider: 'gmail', method: 'users.history.list' });
    const historyCalls = total(samples, 'changehook_provider_calls_total', { provider: 'gmail', method: 'users.history.list', status: '200' });
    assert.ok(historyUnits > 0 && historyUnits % 2 === 0, `history.list units: ${historyUnits}`);
    assert.equal(historyUnits, 2 * historyCalls);
    const readUnits = total(samples, 'changehook_provider_quota_units_total', { provider: 'gmail', method: 'users.messages.get' });
    assert.ok(readUnits >= 5 && readUnits % 5 === 0, `messages.get units: ${readUnits}`);
    assert.ok(total(samples, 'changehook_provider_calls_total', { provider: 'gmail', method: 'batch' }) >= 1);
    assert.equal(total(samples, 'changehook_provider_quota_units_total', { method: 'batch' }), 0);

    // The store gauges, read at scrape time.
    assert.ok(has(samples, 'changehook_due_unclaimed_polls'));
    assert.ok(has(samples, 'changehook_due_unclaimed_notifications'));
    for (const status of ['NEW', 'RETRYING', 'FAILED']) assert.ok(has(samples, 'changehook_notifications', { status }), status);
    assert.equal(total(samples, 'changehook_instances', { state: 'active' }), 1);
    assert.equal(total(samples, 'changehook_instances', { state: 'invalid' }), 0);

    // And the process itself.
    assert.ok(has(samples, 'process_cpu_user_seconds_total'));
    assert.ok(has(samples, 'nodejs_eventloop_lag_seconds'));
  });

  test('the counters agree with the emulator on the quota spent', async () => {
    // Both sides count continuously while the poller runs: compare within one poll's difference.
    const charged = app.emulator.control.quota(mailbox).units['gmail.users.history.list'] ?? 0;
    const counted = total((await scrape()).samples, 'changehook_provider_quota_units_total', { method: 'users.history.list' });
    assert.ok(Math.abs(charged - counted) <= 2 * 4, `emulator charged ${charged}, metrics counted ${counted}`);
  });

  test('the backlog gauges follow the store', async () => {
    await apiPatchDisable(app, instanceId);
    await waitFor(async () => total((await scrape()).samples, 'changehook_instances', { state: 'disabled' }) === 1, 'the disabled instance counted');
  });

  test('/metrics is not the console and needs no credentials', async () => {
    const response = await fetch(`${app.url}/metrics`, { headers: { accept: 'text/html' } });
    assert.equal(response.status, 200);
    assert.doesNotMatch(await response.text(), /<html/i);
  });
});

async function apiPatchDisable(app: TestApp, instanceId: number): Promise<void> {
  const response = await fetch(`${app.api}/instances/${instanceId}`, {
    method: 'PATCH',
    headers: { authorization: app.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ disabled: true }),
  });
  assert.equal(response.status, 200, await response.text());
}

describe('Metrics', () => {
  test('each has its own registry: two in one process do not collide', async () => {
    const one = new Metrics({ processMetrics: false });
    const two = new Metrics({ processMetrics: false });
    one.pollWorker.polled('cursor', 'success', 0.002);
    const first = parsePrometheusText(await one.scrape());
    const second = parsePrometheusText(await two.scrape());
    assert.equal(total(first, 'changehook_polls_total', { resource_kind: 'cursor', outcome: 'success' }), 1);
    assert.equal(total(second, 'changehook_polls_total', { resource_kind: 'cursor', outcome: 'success' }), 0);
    assert.equal(total(first, 'changehook_poll_duration_seconds_bucket', { resource_kind: 'cursor', outcome: 'success', le: '0.0025' }), 1);
  });

  test('provider calls are counted by method and status; quota only when charged', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.onProviderCall({ provider: 'Gmail', method: 'users.history.list', status: 200, units: 2 });
    metrics.onProviderCall({ provider: 'Gmail', method: 'users.history.list', status: 200, units: 2 });
    metrics.onProviderCall({ provider: 'Gmail', method: 'users.history.list', status: 429, units: 0 });
    metrics.onProviderCall({ provider: 'Gmail', method: 'users.history.list', status: 'error', units: 0 });
    const samples = parsePrometheusText(await metrics.scrape());
    assert.equal(total(samples, 'changehook_provider_calls_total', { provider: 'gmail', method: 'users.history.list', status: '200' }), 2);
    assert.equal(total(samples, 'changehook_provider_calls_total', { status: '429' }), 1);
    assert.equal(total(samples, 'changehook_provider_calls_total', { status: 'error' }), 1);
    assert.equal(total(samples, 'changehook_provider_quota_units_total', { provider: 'gmail', method: 'users.history.list' }), 4);
  });

  test('changes, events and notifications of a capture', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const change = (eventType: 'CREATED' | 'UPDATED' | 'DELETED') => ({ eventType, objectId: 'x', version: '1', date: new Date(), record: {} });
    metrics.pollWorker.captured({
      instanceId: 1,
      resource: 'changed-messages',
      changes: [change('CREATED'), change('UPDATED'), change('UPDATED'), change('DELETED')],
      // One UPDATED had been written before (a repeated poll): three new events.
      eventIds: ['a', 'b', 'c'],
      notificationIds: ['n'],
    });
    const samples = parsePrometheusText(await metrics.scrape());
    assert.equal(total(samples, 'changehook_changes_detected_total', { event_type: 'UPDATED' }), 2);
    assert.equal(total(samples, 'changehook_changes_detected_total'), 4);
    assert.equal(total(samples, 'changehook_events_written_total'), 3);
    assert.equal(total(samples, 'changehook_notifications_written_total'), 1);
  });

  test('a store that cannot be read leaves the gauges as they were and is reported once per reading', async () => {
    let fail = false;
    let reads = 0;
    const errors: unknown[] = [];
    const metrics = new Metrics({
      processMetrics: false,
      backlogMaxAgeMs: 0,
      readBacklog: async () => {
        reads += 1;
        if (fail) throw new Error('store down');
        return {
          duePolls: 3,
          dueNotifications: 1,
          notifications: { NEW: 1, RETRYING: 2, FAILED: 0 },
          instances: { active: 5, invalid: 1, polling_disabled: 0, disabled: 0 },
        };
      },
      onBacklogError: (error) => errors.push(error),
    });
    const before = parsePrometheusText(await metrics.scrape());
    assert.equal(reads, 1, 'one reading serves all the gauges of a scrape');
    assert.equal(total(before, 'changehook_due_unclaimed_polls'), 3);
    assert.equal(total(before, 'changehook_instances', { state: 'active' }), 5);
    fail = true;
    const during = parsePrometheusText(await metrics.scrape());
    assert.equal(total(during, 'changehook_due_unclaimed_polls'), 3);
    assert.equal(errors.length, 1);
  });
});
