// The chaos harness behind `npm run chaos` and its short CI test. On a fresh PostgreSQL database it runs
// one `changehook api` and N `changehook worker` processes against an in-process Google emulator and a
// loopback webhook receiver, streams mailbox changes (new messages, label changes) across many instances,
// and meanwhile SIGKILLs workers (restarting them), injects Gmail faults (500, 429, dropped connections
// on history.list and messages.get, expired access tokens) and takes the receiver down (500, 503 with
// Retry-After, hung and reset connections). Then, faults cleared, it waits (bounded) until the system is
// quiet and checks that every change produced an event and every event reached the receiver.
//
// A change counts as delivered when the receiver got an event for that message whose version (Gmail
// historyId) is at least the change's: Gmail's history collapses a new message and a label change made
// between two polls into one event carrying the latest version, which covers both.

import { startGoogleEmulator, type FaultSpec, type GoogleEmulator } from '../../emulators/google/index.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/databases.ts';
import { WebhookReceiver, type Misbehaviour } from '../../test/support/webhookReceiver.ts';
import { Cluster, leaseOwnerPid, type ChangehookProcess, type ConnectedInstance, type StoredEvent } from './chaosCluster.ts';
import { MailboxOwner } from './chaosGmail.ts';
import { seededRandom } from './seededRandom.ts';

export interface ChaosOptions {
  /** How long changes stream and chaos goes on (the final wait comes on top). */
  seconds: number;
  workers?: number;
  instances?: number;
  changesPerSecond?: number;
  /** Seed of the random schedule (kills, faults, outages, changes); random when absent. */
  seed?: number;
  /** Bound on the final wait for quiet; it must outlast the lease of a killed worker. */
  drainSeconds?: number;
  /** The workers' CHANGEHOOK_LEASE_SECONDS (the product's default, 60 s, when absent). */
  leaseSeconds?: number;
  /** Webhook timeout of the workers (CHANGEHOOK_DELIVERY_TIMEOUT_SECONDS); hung receivers cost this much. */
  deliveryTimeoutSeconds?: number;
  log?: (line: string) => void;
}

export interface KillRecord {
  /** ms since the stream started. */
  at: number;
  worker: string;
  pid: number;
  leasedPolls: number;
  leasedDeliveries: number;
  /** Kill → the replacement worker's start-up banner. */
  restartMs: number | null;
  /** Kill → the next webhook the receiver got (from a survivor or the restarted worker). */
  nextDeliveryMs: number | null;
  /** Kill → every poll and delivery the dead worker had leased was taken over (its leases expired). */
  takeoverMs: number | null;
  /** Changes sent before the kill and not yet delivered at that moment. */
  pendingAtKill: number;
  /** Kill → the last of those delivered. */
  pendingDeliveredMs: number | null;
}

export interface ChaosResult {
  ok: boolean;
  seed: number;
  seconds: number;
  workers: number;
  instances: number;
  changes: { total: number; newMessages: number; labelChanges: number };
  events: number;
  notifications: number;
  deliveries: number;
  /** Changes no delivered event covers (must be 0). */
  lost: number;
  lostChanges: { instanceId: number; messageId: string; historyId: string; captured: boolean }[];
  /** Events in the store the receiver never got (must be 0). */
  undeliveredEvents: number;
  /** Extra receptions of a notification already received (at-least-once repeats). */
  duplicatedDeliveries: number;
  /** Extra receptions of an event already received. */
  duplicatedEvents: number;
  /**
   * Notifications received more than once that no crash explains: only a worker killed between sending
   * and booking may cause a repeat, so a repeat of a notification no killed worker held means two live
   * workers delivered it (must be 0).
   */
  unexplainedDuplicates: string[];
  /** Per-instance sequence numbers that are not exactly 1..n. */
  sequenceProblems: number;
  kills: KillRecord[];
  faults: { gmail: number; tokenExpiries: number; receiverOutages: number; receiverMisbehaviours: number };
  /** RETRYING notifications whose next attempt (5 min after a second failure) was brought forward in the final wait. */
  retriesBroughtForward: number;
  notificationsByStatus: Record<string, number>;
  workerErrorLogs: { count: number; samples: string[] };
  durationsMs: { setup: number; stream: number; drain: number; total: number };
  quiet: boolean;
}

interface Change {
  instanceId: number;
  messageId: string;
  historyId: bigint;
  sentAt: number;
}

/** A kill while it is being followed: the leases the dead worker left behind, by row id → lease owner. */
interface KillState extends KillRecord {
  killedAt: number;
  orphanedPolls: Map<string, string>;
  orphanedDeliveries: Map<string, string>;
}

interface Mailbox {
  instance: ConnectedInstance;
  owner: MailboxOwner;
  messages: { id: string; starred: boolean }[];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (low: number, high: number) => low + random() * (high - low);
  const workerCount = options.workers ?? 3;
  const instanceCount = options.instances ?? 20;
  const rate = options.changesPerSecond ?? 10;
  const drainMs = (options.drainSeconds ?? 120) * 1000;
  const log = options.log ?? (() => undefined);
  const startedAt = Date.now();

  let database: TestDatabase | undefined;
  let emulator: GoogleEmulator | undefined;
  let receiver: WebhookReceiver | undefined;
  let cluster: Cluster | undefined;
  try {
    database = await createTestDatabase('postgres');
    emulator = await startGoogleEmulator({ port: 0 });
    receiver = await new WebhookReceiver().start();
    cluster = new Cluster({
      databaseUrl: database.databaseUrl!,
      dataDir: database.dataDir,
      googleBaseUrl: emulator.baseUrl,
      workerEnv: {
        CHANGEHOOK_DELIVERY_TIMEOUT_SECONDS: String(options.deliveryTimeoutSeconds ?? 5),
        ...(options.leaseSeconds === undefined ? {} : { CHANGEHOOK_LEASE_SECONDS: String(options.leaseSeconds) }),
      },
    });
    await cluster.start(workerCount);
    const mailboxes: Mailbox[] = [];
    for (let i = 0; i < instanceCount; i += 1) {
      const email = `chaos-${i}@example.com`;
      emulator.control.createMailbox(email);
      const instance = await cluster.connectMailbox(email, receiver.url);
      mailboxes.push({ instance, owner: await new MailboxOwner(emulator.baseUrl, email).authorize(), messages: [] });
    }
    const baselineDeadline = Date.now() + 60_000;
    while ((await cluster.baselines()) < instanceCount) {
      if (Date.now() > baselineDeadline) throw new Error('the baseline polls did not all happen within 60 s');
      await pause(100);
    }
    const setupMs = Date.now() - startedAt;
    log(`chaos: seed ${seed}; api + ${workerCount} workers, ${instanceCount} instances ready in ${(setupMs / 1000).toFixed(1)} s; streaming for ${options.seconds} s`);

    const streamStart = Date.now();
    const streamEnd = streamStart + options.seconds * 1000;
    const changes: Change[] = [];
    const kills: KillState[] = [];
    const restarts: Promise<unknown>[] = [];
    const faults = { gmail: 0, tokenExpiries: 0, receiverOutages: 0, receiverMisbehaviours: 0 };
    const em = emulator;
    const rx = receiver;
    const cl = cluster;

    const historyIdOf = (email: string) => BigInt(em.control.listMailboxes().find((m) => m.email === email)!.historyId);

    // The stream of mailbox changes, one at a time, at the configured rate.
    const stream = (async () => {
      for (let n = 0; Date.now() < streamEnd; n += 1) {
        const mailbox = pick(mailboxes);
        const email = mailbox.instance.email;
        if (mailbox.messages.length > 0 && random() < 0.35) {
          const message = pick(mailbox.messages);
          const change = message.starred ? { removeLabelIds: ['STARRED'] } : { addLabelIds: ['STARRED'] };
          if (await mailbox.owner.modify(message.id, change)) {
            message.starred = !message.starred;
            changes.push({ instanceId: mailbox.instance.id, messageId: message.id, historyId: historyIdOf(email), sentAt: Date.now() });
          }
        } else {
          const delivered = await em.control.deliverMessage(email, { subject: `chaos ${n}`, text: `change ${n}` });
          mailbox.messages.push({ id: delivered.id, starred: false });
          changes.push({ instanceId: mailbox.instance.id, messageId: delivered.id, historyId: BigInt(delivered.historyId), sentAt: Date.now() });
        }
        await pause(streamStart + ((n + 1) * 1000) / rate - Date.now());
      }
    })();

    // SIGKILLs at random moments of the first three quarters, each worker restarted 1–3 s later.
    const killCount = Math.max(1, Math.round(options.seconds / 15));
    const killTimes = Array.from({ length: killCount }, () => between(0.15, 0.75) * options.seconds * 1000).sort((a, b) => a - b);
    const killer = (async () => {
      for (const [index, at] of killTimes.entries()) {
        await pause(streamStart + at - Date.now());
        // Never the last worker: if an earlier victim's replacement is still starting, wait for it.
        const restarted = Date.now() + 15_000;
        while (cl.liveWorkers().length < 2 && Date.now() < restarted) await pause(100);
        const live = cl.liveWorkers();
        if (live.length < 2) continue;
        // Kill a worker in the middle of something when possible: wait (briefly) until it holds a lease.
        // Every other kill lands while webhooks hang, on a worker with a delivery in flight.
        let victim = pick(live);
        const midDelivery = index % 2 === 1;
        if (midDelivery) {
          rx.misbehave({ hang: true }, { hang: true }, { hang: true });
          faults.receiverOutages += 1;
          faults.receiverMisbehaviours += 3;
        }
        const holdingDeadline = Date.now() + 5000;
        while (Date.now() < holdingDeadline) {
          const leases = await cl.leases();
          const delivering = live.find((w) => leases.notifications.some((l) => leaseOwnerPid(l.owner) === w.pid));
          if (midDelivery && delivering) {
            victim = delivering;
            break;
          }
          if (!midDelivery && [...leases.polls, ...leases.notifications].some((l) => leaseOwnerPid(l.owner) === victim.pid)) break;
          await pause(10);
        }
        await victim.stop('SIGKILL');
        const killedAt = Date.now();
        const held = await cl.leasesOf(victim.pid);
        const record: KillState = {
          at: killedAt - streamStart,
          killedAt,
          worker: victim.name,
          pid: victim.pid,
          leasedPolls: held.polls.length,
          leasedDeliveries: held.notifications.length,
          orphanedPolls: new Map(held.polls.map((l) => [l.id, l.owner])),
          orphanedDeliveries: new Map(held.notifications.map((l) => [l.id, l.owner])),
          restartMs: null,
          nextDeliveryMs: null,
          takeoverMs: held.polls.length + held.notifications.length === 0 ? 0 : null,
          pendingAtKill: 0,
          pendingDeliveredMs: null,
        };
        kills.push(record);
        log(`chaos: +${(record.at / 1000).toFixed(1)} s SIGKILL ${victim.name} (pid ${victim.pid}) holding ${record.leasedPolls} polls, ${record.leasedDeliveries} deliveries`);
        restarts.push(
          (async () => {
            await pause(between(1000, 3000));
            const replacement = await cl.startWorker();
            record.restartMs = Date.now() - killedAt;
            log(`chaos: ${replacement.name} (pid ${replacement.pid}) replaces ${victim.name}`);
          })(),
        );
      }
    })();

    // Gmail faults every 1.5–4 s; access tokens expired now and then (401 → one refresh across workers).
    const gmailFaults = (async () => {
      const expireAt = [0.35, 0.7].filter((f) => f * options.seconds >= 8).map((f) => streamStart + f * options.seconds * 1000);
      while (Date.now() < streamEnd) {
        await pause(Math.min(between(1500, 4000), streamEnd - Date.now()));
        if (Date.now() >= streamEnd) break;
        if (expireAt.length > 0 && Date.now() >= expireAt[0]!) {
          expireAt.shift();
          const expired = em.control.expireAccessTokens();
          faults.tokenExpiries += 1;
          log(`chaos: expired ${expired} access tokens`);
          continue;
        }
        const target = random() < 0.6 ? { method: 'users.history.list', pathPattern: '/history' } : { method: 'users.messages.get', pathPattern: '/messages/' };
        const kind = pick<Omit<FaultSpec, 'method' | 'pathPattern' | 'times'>>([
          { status: 500 },
          { status: 503 },
          { status: 429, reason: 'userRateLimitExceeded', retryAfterSeconds: 1 },
          { dropConnection: true },
          { latencyMs: 3000 },
        ]);
        em.control.injectFault({ ...target, ...kind, times: Math.floor(between(3, 16)) });
        faults.gmail += 1;
      }
    })();

    // Receiver outages every 6–12 s: a run of errors, Retry-After, hung or reset connections.
    const outages = (async () => {
      await pause(Math.min(between(2000, 5000), streamEnd - Date.now()));
      while (Date.now() < streamEnd) {
        const count = Math.floor(between(3, 11));
        const kind = pick<Misbehaviour>([{ status: 500 }, { status: 503, retryAfter: '1' }, { hang: true }, { destroy: true }, { status: 502 }]);
        // Hung requests hold a delivery slot until the webhook timeout: keep those runs short.
        const plan = Array.from({ length: 'hang' in kind ? Math.min(count, 4) : count }, () => kind);
        rx.misbehave(...plan);
        faults.receiverOutages += 1;
        faults.receiverMisbehaviours += plan.length;
        await pause(Math.min(between(6000, 12000), streamEnd - Date.now()));
      }
    })();

    // Watches the leases of killed workers until someone else holds or has finished each of them.
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const kill of kills) {
          if (kill.takeoverMs !== null) continue;
          const polls = await cl.pool.query<{ id: number; lease_owner: string | null }>('SELECT id, lease_owner FROM poll_schedules WHERE id = ANY($1::int[])', [[...kill.orphanedPolls.keys()].map(Number)]);
          const deliveries = await cl.pool.query<{ id: string; lease_owner: string | null }>('SELECT id, lease_owner FROM notifications WHERE id = ANY($1::text[])', [[...kill.orphanedDeliveries.keys()]]);
          const stillHeld = [...polls.rows.filter((r) => r.lease_owner === kill.orphanedPolls.get(String(r.id))), ...deliveries.rows.filter((r) => r.lease_owner === kill.orphanedDeliveries.get(r.id))];
          if (stillHeld.length === 0) kill.takeoverMs = Date.now() - kill.killedAt;
        }
        await pause(250);
      }
    })();

    await Promise.all([stream, killer, gmailFaults, outages]);
    const streamMs = Date.now() - streamStart;
    em.control.clearFaults();
    await Promise.all(restarts);
    log(`chaos: stream over (${changes.length} changes); faults cleared; waiting for quiet (at most ${drainMs / 1000} s)`);

    // The final wait: until every change is covered by a delivered event and the outbox is empty.
    const drainStart = Date.now();
    const broughtForward = new Set<string>();
    let quiet = false;
    let events: StoredEvent[] = [];
    for (;;) {
      // A notification that failed twice waits 5 minutes for its third attempt: bring those forward, as
      // time passing would, instead of waiting them out.
      const moved = await cl.pool.query<{ id: string }>(
        "UPDATE notifications SET next_attempt_at = $1 WHERE status = 'RETRYING' AND next_attempt_at > $2 RETURNING id",
        [Date.now(), Date.now() + 10_000],
      );
      for (const row of moved.rows) broughtForward.add(row.id);
      events = await cl.events();
      const status = await cl.notificationsByStatus();
      const pending = (status.NEW ?? 0) + (status.RETRYING ?? 0);
      const check = coverage(changes, events, rx);
      // Quiet: every change has its event, the outbox is empty and no dead worker's lease is left, so
      // nothing more will be delivered (whether or not everything was).
      if (pending === 0 && check.captured.size === changes.length && kills.every((k) => k.takeoverMs !== null)) {
        quiet = true;
        break;
      }
      if (Date.now() - drainStart > drainMs) break;
      await pause(500);
    }
    watching = false;
    await watcher;
    const drainTook = Date.now() - drainStart;

    // Figures.
    const check = coverage(changes, events, rx);
    const deliveredAt = check.deliveredAt;
    for (const kill of kills) {
      const next = rx.deliveries.find((d) => d.receivedAt >= kill.killedAt);
      kill.nextDeliveryMs = next ? next.receivedAt - kill.killedAt : null;
      const pendingAtKill = changes.filter((c) => c.sentAt < kill.killedAt && !((deliveredAt.get(c) ?? Infinity) < kill.killedAt));
      kill.pendingAtKill = pendingAtKill.length;
      const last = Math.max(...pendingAtKill.map((c) => deliveredAt.get(c) ?? Infinity));
      kill.pendingDeliveredMs = pendingAtKill.length === 0 ? 0 : Number.isFinite(last) ? last - kill.killedAt : null;
    }
    const notificationReceptions = new Map<string, number>();
    for (const d of rx.deliveries) notificationReceptions.set(String(d.json.id), (notificationReceptions.get(String(d.json.id)) ?? 0) + 1);
    const eventReceptions = new Map<string, number>();
    for (const e of rx.events()) eventReceptions.set(e.id, (eventReceptions.get(e.id) ?? 0) + 1);
    const extra = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
    let sequenceProblems = 0;
    for (const mailbox of mailboxes) {
      const sequences = events.filter((e) => e.instanceId === mailbox.instance.id).map((e) => e.sequence).sort((a, b) => a - b);
      if (sequences.some((s, i) => s !== i + 1)) sequenceProblems += 1;
    }
    const errorLogs = [...cl.workers, cl.api].flatMap((p: ChangehookProcess) => p.logs.filter((l) => Number(l.level) >= 50).map((l) => `${p.name}: ${String(l.msg)}${l.err ? ` (${JSON.stringify((l.err as { message?: string }).message ?? '')})` : ''}`));
    const notificationsByStatus = await cl.notificationsByStatus();
    const result: ChaosResult = {
      ok: quiet && check.lost.length === 0 && check.undelivered.length === 0,
      seed,
      seconds: options.seconds,
      workers: workerCount,
      instances: instanceCount,
      changes: { total: changes.length, newMessages: changes.length - check.labelChanges, labelChanges: check.labelChanges },
      events: events.length,
      notifications: notificationReceptions.size,
      deliveries: rx.deliveries.length,
      lost: check.lost.length,
      lostChanges: check.lost.map((c) => ({ instanceId: c.instanceId, messageId: c.messageId, historyId: String(c.historyId), captured: check.captured.has(c) })),
      undeliveredEvents: check.undelivered.length,
      duplicatedDeliveries: extra(notificationReceptions),
      duplicatedEvents: extra(eventReceptions),
      unexplainedDuplicates: [...notificationReceptions]
        .filter(([id, n]) => n > 1 && !kills.some((k) => k.orphanedDeliveries.has(id)))
        .map(([id]) => id),
      sequenceProblems,
      kills: kills.map(({ killedAt: _k, orphanedPolls: _p, orphanedDeliveries: _d, ...kill }) => kill),
      faults,
      retriesBroughtForward: broughtForward.size,
      notificationsByStatus,
      workerErrorLogs: { count: errorLogs.length, samples: [...new Set(errorLogs)].slice(0, 10) },
      durationsMs: { setup: setupMs, stream: streamMs, drain: drainTook, total: Date.now() - startedAt },
      quiet,
    };
    return result;
  } finally {
    await cluster?.close().catch(() => undefined);
    await receiver?.close().catch(() => undefined);
    await emulator?.close().catch(() => undefined);
    await database?.drop().catch(() => undefined);
  }
}

/**
 * Which changes a delivered event covers (same message, version at least the change's), which are
 * covered only by events the receiver never got, and when each change was first delivered.
 */
function coverage(changes: readonly Change[], events: readonly StoredEvent[], receiver: WebhookReceiver) {
  const receivedAt = new Map<string, number>();
  for (const delivery of receiver.deliveries) {
    for (const event of delivery.json.message.events as { id: string }[]) if (!receivedAt.has(event.id)) receivedAt.set(event.id, delivery.receivedAt);
  }
  const byObject = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const key = `${event.instanceId}/${event.objectId}`;
    byObject.set(key, [...(byObject.get(key) ?? []), event]);
  }
  const lost: Change[] = [];
  const captured = new Set<Change>();
  const deliveredAt = new Map<Change, number>();
  const newMessages = new Set<string>();
  let labelChanges = 0;
  for (const change of changes) {
    const key = `${change.instanceId}/${change.messageId}`;
    if (newMessages.has(key)) labelChanges += 1;
    else newMessages.add(key);
    const covering = (byObject.get(key) ?? []).filter((e) => e.historyId !== undefined && e.historyId >= change.historyId);
    if (covering.length > 0) captured.add(change);
    const first = Math.min(...covering.map((e) => receivedAt.get(e.id) ?? Infinity));
    if (Number.isFinite(first)) deliveredAt.set(change, first);
    else lost.push(change);
  }
  const undelivered = events.filter((e) => !receivedAt.has(e.id));
  return { lost, captured, deliveredAt, undelivered, labelChanges };
}
