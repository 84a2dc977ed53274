// Scale-out on PostgreSQL: one `changehook api` and three `changehook worker` processes share a fresh
// database while 15 mailboxes change at 1-second poll intervals. Three claims, each checked by outcome:
//   - no double processing: every change is one event row, every notification reaches the receiver
//     once with one attempt, no mailbox ever sees two Gmail calls at once (the emulator allows one per
//     user, so two overlapping polls of one resource would be refused), and every worker took work;
//   - graceful shutdown: SIGTERM while polls are in flight → the worker finishes them, releases every
//     lease it held and exits 0, and the others poll those resources as free work, not as takeovers of
//     leases that had to expire first (each worker logs every takeover, naming the previous owner);
//   - takeover: SIGKILL while polls are in flight → the dead worker's leases hold while they are valid (no
//     one polls its mailboxes although the survivors poll every other one), then, once they have run out,
//     the survivors take them over (logged, naming the dead worker) and every change is delivered.
// Nothing is judged by the clock: the takeover test plays the dead worker's clock by writing its leases'
// expiry — an hour away, then past — the one thing that time passing would change for the survivors.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGoogleEmulator, type GoogleEmulator } from '../../emulators/google/index.ts';
import { Cluster, leaseOwnerPid, type ChangehookProcess, type ConnectedInstance, type LeaseRow } from '../../bench/support/chaosCluster.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const SKIP = process.env.CHANGEHOOK_TEST_SKIP_POSTGRES === '1' ? 'needs PostgreSQL (CHANGEHOOK_TEST_SKIP_POSTGRES=1 is set)' : false;
const MAILBOXES = 15;
const WORKERS = 3;
/** The workers' poll and delivery lease (CHANGEHOOK_LEASE_SECONDS). */
const LEASE_MS = 15_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('changehook worker ×3 on PostgreSQL', { skip: SKIP }, () => {
  let database: TestDatabase;
  let emulator: GoogleEmulator;
  let receiver: WebhookReceiver;
  let cluster: Cluster;
  let instances: ConnectedInstance[];
  /** Every message delivered to a mailbox, by id → instance. */
  const sent = new Map<string, number>();

  before(async () => {
    database = await createTestDatabase('postgres');
    emulator = await startGoogleEmulator({ port: 0 });
    // One Gmail call in flight per mailbox: a second, overlapping poll of the same resource would be refused.
    emulator.control.setQuotaLimits({ maxConcurrentRequests: 1 });
    receiver = await new WebhookReceiver().start();
    cluster = new Cluster({ databaseUrl: database.databaseUrl!, dataDir: database.dataDir, googleBaseUrl: emulator.baseUrl, workerEnv: { CHANGEHOOK_LEASE_SECONDS: String(LEASE_MS / 1000) } });
    await cluster.start(WORKERS);
    const emails = Array.from({ length: MAILBOXES }, (_, i) => `scale-${i}@example.com`);
    for (const email of emails) emulator.control.createMailbox(email);
    instances = [];
    for (const email of emails) instances.push(await cluster.connectMailbox(email, receiver.url));
    await waitFor(async () => (await cluster.baselines()) === MAILBOXES, 'the baseline poll of every mailbox', 30_000);
  });

  after(async () => {
    await cluster?.close();
    await receiver?.close();
    await emulator?.close();
    await database?.drop();
  });

  async function deliverTo(instance: ConnectedInstance, subject: string): Promise<string> {
    const { id } = await emulator.control.deliverMessage(instance.email, { subject });
    sent.set(id, instance.id);
    return id;
  }

  function deliveredObjectIds(): Set<string> {
    return new Set(receiver.events().map((e) => e.objectId));
  }

  async function waitDelivered(ids: readonly string[], what: string, timeoutMs: number): Promise<void> {
    await waitFor(() => {
      const delivered = deliveredObjectIds();
      return ids.every((id) => delivered.has(id));
    }, what, timeoutMs);
  }

  async function schedules(ids: readonly string[]): Promise<Map<string, { owner: string | null; until: number | null; lastPollAt: number; instanceId: number }>> {
    const { rows } = await cluster.pool.query<{ id: number; lease_owner: string | null; lease_until: string | null; last_poll_at: string | null; instance_id: number }>(
      'SELECT id, lease_owner, lease_until, last_poll_at, instance_id FROM poll_schedules WHERE id = ANY($1::int[])',
      [ids.map(Number)],
    );
    return new Map(rows.map((r) => [String(r.id), { owner: r.lease_owner, until: r.lease_until === null ? null : Number(r.lease_until), lastPollAt: Number(r.last_poll_at ?? 0), instanceId: r.instance_id }]));
  }

  /** Takeovers the live workers logged of leases held by the process `pid`: 'poll' or 'delivery' leases. */
  function takeoversOf(pid: number, kind: 'poll' | 'delivery'): Record<string, unknown>[] {
    return cluster.workers
      .filter((w) => w.pid !== pid)
      .flatMap((w) => w.logs)
      .filter((line) => line.msg === `took over an expired ${kind} lease` && leaseOwnerPid(String(line.previousOwner)) === pid);
  }

  /** history.list calls the emulator served for a mailbox: counted by Google's side, not by ours. */
  function historyCalls(email: string): number {
    return emulator.control.quota(email).requests['gmail.users.history.list'] ?? 0;
  }

  /** Latency on every history.list, so that polls are in flight long enough to be seen and interrupted. */
  function slowPolls(latencyMs: number): void {
    emulator.control.clearFaults();
    emulator.control.injectFault({ method: 'users.history.list', pathPattern: '/history', latencyMs, times: 1_000_000 });
  }

  /** Waits until the worker holds poll leases; returns them with each schedule's state at that moment. */
  async function waitUntilHolding(worker: ChangehookProcess): Promise<(LeaseRow & { lastPollAt: number; instanceId: number })[]> {
    return waitFor(async () => {
      const { rows } = await cluster.pool.query<{ id: number; lease_owner: string; lease_until: string; last_poll_at: string | null; instance_id: number }>(
        'SELECT id, lease_owner, lease_until, last_poll_at, instance_id FROM poll_schedules WHERE lease_owner IS NOT NULL',
      );
      const held = rows
        .filter((r) => leaseOwnerPid(r.lease_owner) === worker.pid)
        .map((r) => ({ id: String(r.id), owner: r.lease_owner, until: Number(r.lease_until), lastPollAt: Number(r.last_poll_at ?? 0), instanceId: r.instance_id }));
      return held.length > 0 && held;
    }, `${worker.name} holding a poll lease`, 30_000);
  }

  test('no change is processed twice, and every worker takes work', { timeout: 90_000 }, async (t) => {
    slowPolls(150);
    const pollOwners = new Set<number>();
    const deliveryOwners = new Set<number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const leases = await cluster.leases();
        for (const l of leases.polls) pollOwners.add(leaseOwnerPid(l.owner) ?? -1);
        for (const l of leases.notifications) deliveryOwners.add(leaseOwnerPid(l.owner) ?? -1);
        await pause(20);
      }
    })();

    const ids: string[] = [];
    for (let round = 0; round < 6; round += 1) {
      ids.push(...(await Promise.all(instances.map((instance) => deliverTo(instance, `round ${round}`)))));
      await pause(300); // the stream's pace, not a wait for anything
    }
    await waitDelivered(ids, 'every message of the stream delivered', 60_000);
    sampling = false;
    await sampler;
    emulator.control.clearFaults();

    // Every change is exactly one event row, and no other event exists.
    const events = await cluster.events();
    const perObject = new Map<string, number>();
    for (const event of events) perObject.set(event.objectId, (perObject.get(event.objectId) ?? 0) + 1);
    assert.deepEqual(ids.filter((id) => perObject.get(id) !== 1), [], 'messages without exactly one event row');
    assert.equal(events.length, ids.length);
    assert.deepEqual(events.filter((e) => e.eventType !== 'CREATED' || e.instanceId !== sent.get(e.objectId)), []);
    // Per instance, sequence numbers 1..n: no event was booked twice.
    for (const instance of instances) {
      const sequences = events.filter((e) => e.instanceId === instance.id).map((e) => e.sequence).sort((a, b) => a - b);
      assert.deepEqual(sequences, sequences.map((_, i) => i + 1), `sequences of instance ${instance.id}`);
    }

    // No worker died, so every notification reached the receiver exactly once, in one attempt.
    const notificationIds = receiver.deliveries.map((d) => String(d.json.id));
    assert.equal(new Set(notificationIds).size, notificationIds.length, 'a notification was delivered twice');
    assert.deepEqual(receiver.deliveries.filter((d) => d.headers['webhook-id'] !== d.json.id), []);
    const eventIds = receiver.events().map((e) => e.id);
    assert.equal(new Set(eventIds).size, eventIds.length, 'an event was delivered twice');
    assert.deepEqual(new Set(eventIds), new Set(events.map((e) => e.id)));
    const attempts = await cluster.pool.query<{ id: string; status: string; attempts: string }>(
      'SELECT n.id, n.status, count(a.id) AS attempts FROM notifications n LEFT JOIN delivery_attempts a ON a.notification_id = n.id GROUP BY n.id, n.status',
    );
    assert.equal(attempts.rows.length, new Set(notificationIds).size);
    assert.deepEqual(attempts.rows.filter((r) => r.status !== 'DELIVERED' || Number(r.attempts) !== 1), []);

    // No mailbox ever had two Gmail calls in flight: no poll of a resource overlapped another.
    const refused = emulator.control.listMailboxes().map((m) => emulator.control.quota(m.email).concurrencyRejected);
    assert.equal(refused.reduce((a, b) => a + b, 0), 0, 'overlapping Gmail calls for one mailbox');
    const failed = await cluster.pool.query('SELECT id, last_error FROM poll_schedules WHERE last_error IS NOT NULL OR consecutive_failures > 0');
    assert.deepEqual(failed.rows, []);

    // The work was shared: every worker process was seen holding poll leases.
    const workerPids = new Set(cluster.workers.map((w) => w.pid));
    assert.deepEqual([...pollOwners].filter((pid) => !workerPids.has(pid)), [], 'a lease held by something other than a worker');
    assert.equal(pollOwners.size, WORKERS, `poll leases seen held by ${pollOwners.size} of ${WORKERS} workers`);
    t.diagnostic(`${ids.length} changes, ${events.length} events, ${notificationIds.length} notifications; poll leases seen by ${pollOwners.size} workers, delivery leases by ${deliveryOwners.size}`);
  });

  test('SIGTERM: in-flight polls finish, every lease is released, exit 0, and the others carry on at once', { timeout: 60_000 }, async (t) => {
    const worker = cluster.workers[1]!;
    slowPolls(1_500);
    const held = await waitUntilHolding(worker);
    const exit = await worker.stop('SIGTERM', 30_000);
    assert.deepEqual(exit, { code: 0, signal: null }, worker.output().slice(-2000));

    // Nothing is left leased to it, and what it had claimed was polled to the end and booked.
    assert.deepEqual(await cluster.leasesOf(worker.pid), { polls: [], notifications: [] });
    const afterExit = await schedules(held.map((l) => l.id));
    for (const lease of held) {
      const row = afterExit.get(lease.id)!;
      assert.notEqual(row.owner, lease.owner);
      assert.ok(row.lastPollAt > lease.lastPollAt, `schedule ${lease.id}: the claimed poll was not booked`);
    }

    // The others take those resources at once: new mail for them is delivered, and they claimed them as
    // free work — none of them had to take over a lease of the stopped worker (which would have meant
    // waiting for it to expire).
    emulator.control.clearFaults();
    const heldInstances = instances.filter((i) => held.some((l) => l.instanceId === i.id));
    const ids = await Promise.all(heldInstances.map((instance) => deliverTo(instance, 'after SIGTERM')));
    await waitDelivered(ids, 'mail for the resources the stopped worker had held', 30_000);
    const repolled = await schedules(held.map((l) => l.id));
    for (const lease of held) assert.ok(repolled.get(lease.id)!.lastPollAt > afterExit.get(lease.id)!.lastPollAt, `schedule ${lease.id} polled again by the others`);
    assert.deepEqual(takeoversOf(worker.pid, 'poll'), [], 'a lease of the stopped worker was taken over instead of released');
    assert.deepEqual(takeoversOf(worker.pid, 'delivery'), [], 'a delivery lease of the stopped worker was taken over instead of released');
    t.diagnostic(`SIGTERM with ${held.length} polls in flight; released and continued by the others`);
  });

  test('SIGKILL: the dead worker’s leases hold while valid, then the survivors take over, and every change is delivered', { timeout: 90_000 }, async (t) => {
    const victim = cluster.workers[0]!;
    slowPolls(1_500);
    await waitUntilHolding(victim);
    await victim.stop('SIGKILL');
    const orphaned = await cluster.leasesOf(victim.pid);
    assert.ok(orphaned.polls.length > 0, 'the killed worker held no poll lease');
    emulator.control.clearFaults();
    // The dead worker's leases are valid for an hour yet (its clock, played by the test).
    const victimOwners = [...new Set([...orphaned.polls, ...orphaned.notifications].map((l) => l.owner))];
    const expireLeases = async (until: number) => {
      await cluster.pool.query('UPDATE poll_schedules SET lease_until = $1 WHERE lease_owner = ANY($2::text[])', [until, victimOwners]);
      await cluster.pool.query('UPDATE notifications SET lease_until = $1 WHERE lease_owner = ANY($2::text[])', [until, victimOwners]);
    };
    await expireLeases(Date.now() + 3_600_000);

    // Mail for every mailbox, including those whose schedules the dead worker still leases.
    const ids = await Promise.all(instances.map((instance) => deliverTo(instance, 'after SIGKILL')));
    const orphanedSchedules = await schedules(orphaned.polls.map((l) => l.id));
    const orphanedInstances = new Set([...orphanedSchedules.values()].map((s) => s.instanceId));
    const elsewhere = ids.filter((id) => !orphanedInstances.has(sent.get(id)!));
    const others = instances.filter((i) => !orphanedInstances.has(i.id));
    const callsBefore = new Map(others.map((i) => [i.email, historyCalls(i.email)]));
    await waitDelivered(elsewhere, 'mail for the mailboxes the survivors poll', 30_000);
    // Two more rounds of the survivors over every other mailbox, counted by the emulator.
    await waitFor(() => others.every((i) => historyCalls(i.email) >= callsBefore.get(i.email)! + 2), 'two more polls of every other mailbox', 30_000);
    // The leases were honoured: nothing of the dead worker's mailboxes reached the receiver, their
    // schedules are still its own, and no survivor logged a takeover.
    const stillOrphaned = ids.filter((id) => orphanedInstances.has(sent.get(id)!));
    const deliveredEarly = deliveredObjectIds();
    assert.deepEqual(stillOrphaned.filter((id) => deliveredEarly.has(id)), [], 'mail of a mailbox whose lease the dead worker held was polled');
    for (const [id, row] of await schedules(orphaned.polls.map((l) => l.id))) assert.equal(leaseOwnerPid(row.owner ?? ''), victim.pid, `schedule ${id} changed hands while leased`);
    assert.deepEqual(takeoversOf(victim.pid, 'poll'), []);

    // The leases run out: the survivors take every one over (each takeover logged, naming the dead
    // worker) and the rest of the mail arrives.
    await expireLeases(Date.now() - 1);
    await waitDelivered(ids, 'mail for the dead worker’s mailboxes, after its leases ran out', 30_000);
    await waitFor(async () => {
      const byStatus = await cluster.notificationsByStatus();
      return Object.keys(byStatus).every((status) => status === 'DELIVERED');
    }, 'the notifications the dead worker had claimed delivered too', 30_000);
    const pollTakeovers = takeoversOf(victim.pid, 'poll');
    assert.deepEqual(
      new Set(pollTakeovers.map((line) => line.instanceId)),
      new Set([...orphanedSchedules.values()].map((s) => s.instanceId)),
      'each of the dead worker’s schedules taken over by a survivor',
    );
    assert.deepEqual(
      new Set(takeoversOf(victim.pid, 'delivery').map((line) => line.notificationId)),
      new Set(orphaned.notifications.map((l) => l.id)),
      'each notification it had claimed taken over by a survivor',
    );

    // Every change of the whole run is exactly one event and was delivered. Repeats are allowed only
    // around the crash: notifications the dead worker had claimed (it may have sent one and died before booking it).
    const events = await cluster.events();
    const perObject = new Map<string, number>();
    for (const event of events) perObject.set(event.objectId, (perObject.get(event.objectId) ?? 0) + 1);
    assert.deepEqual([...sent.keys()].filter((id) => perObject.get(id) !== 1), []);
    const delivered = deliveredObjectIds();
    assert.deepEqual([...sent.keys()].filter((id) => !delivered.has(id)), [], 'lost changes');
    const seen = new Map<string, number>();
    for (const d of receiver.deliveries) seen.set(String(d.json.id), (seen.get(String(d.json.id)) ?? 0) + 1);
    const repeated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    const claimedByVictim = new Set(orphaned.notifications.map((l: LeaseRow) => l.id));
    assert.deepEqual(repeated.filter((id) => !claimedByVictim.has(id)), [], 'repeated deliveries not explained by the crash');
    assert.deepEqual(await cluster.notificationsByStatus(), { DELIVERED: seen.size });
    t.diagnostic(
      `SIGKILL with ${orphaned.polls.length} polls and ${orphaned.notifications.length} deliveries leased: held while valid, taken over once run out; all ${sent.size} changes delivered; ${repeated.length} repeated deliveries`,
    );
  });
});
