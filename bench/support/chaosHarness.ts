// The chaos harness behind `npm run chaos` and its short CI test. It runs Changehook against an
// in-process Google emulator and a loopback receiver, makes operations on many mailboxes (new messages,
// stars, read/unread, user labels, trash/untrash, deletions, user labels renamed, deleted and created) and
// logs each with the historyId Gmail gave
// back, while it breaks things real deployments meet:
// - PostgreSQL mode: one `changehook api` and N workers on a PostgreSQL cluster of its own (initdb +
//   pg_ctl, chaosPostgres.ts); SIGKILLs of workers, of the api and `kill -9` of the postmaster, each
//   restarted (a process that exits on its own is restarted as a supervisor would, and counted).
// - SQLite mode: one `changehook serve` SIGKILLed at random moments (polls commit several times a second,
//   so kills land mid-transaction) and restarted.
// - Gmail: 500/503/429, dropped connections and latency on history.list and messages.get, expired access
//   tokens, expired history (a mailbox is quiesced, its history dropped, one more op made and its
//   recovery awaited), and revoked grants (every grant of a mailbox revoked at Google while its ops go
//   on; once Changehook has marked the instance invalid, the user re-authenticates it with a new code
//   and the changes made meanwhile must all arrive).
// - The receiver: error runs, Retry-After, hung and reset connections, slow answers.
// Then, faults cleared, it waits (bounded) until every op is covered and the receiver is idle, and asks
// the independent verdict (noLossVerdict.ts), which sees only the op log and the verified bodies.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGoogleEmulator, type FaultSpec, type GoogleEmulator } from '../../emulators/google/index.ts';
import { ChaosPostgres } from './chaosPostgres.ts';
import { ChaosReceiver, type ReceiverMisbehaviour } from './chaosReceiver.ts';
import { Cluster, type ChangehookProcess, type ConnectedInstance } from './chaosCluster.ts';
import { MailboxOwner } from './chaosGmail.ts';
import { judge, objectKey, type MailboxOp, type OpKind, type Verdict } from './noLossVerdict.ts';
import { seededRandom } from './seededRandom.ts';

export type ChaosStore = 'postgres' | 'sqlite';
export type KillKind = 'worker' | 'api' | 'database' | 'serve';

export interface ChaosOptions {
  /** How long ops stream and chaos goes on (the final wait comes on top). */
  seconds: number;
  store?: ChaosStore;
  workers?: number;
  instances?: number;
  /** Ops per second over all mailboxes. */
  opsPerSecond?: number;
  /** Mean time between kills. */
  killEverySeconds?: number;
  /** Expired-history episodes during the run. */
  historyExpiries?: number;
  /** Revoked-grant episodes during the run. */
  grantRevocations?: number;
  seed?: number;
  /** Bound on the final wait. */
  drainSeconds?: number;
  /** CHANGEHOOK_LEASE_SECONDS of the product (short, so a killed process's leases come back soon). */
  leaseSeconds?: number;
  deliveryTimeoutSeconds?: number;
  log?: (line: string) => void;
}

export interface KillRecord {
  kind: KillKind;
  /** ms since the stream started. */
  at: number;
  target: string;
  /** Kill → the replacement's banner (for the database: pg_ctl start returned). */
  restartMs: number | null;
  /** Kill → the next body the receiver got. */
  nextDeliveryMs: number | null;
  /** Kill → every op made before the kill is covered by a received event. */
  coveredMs: number | null;
}

export interface ChaosResult {
  ok: boolean;
  seed: number;
  store: ChaosStore;
  seconds: number;
  workers: number;
  instances: number;
  opsByKind: Record<string, number>;
  verdict: Omit<Verdict, 'coveredAt'>;
  kills: KillRecord[];
  killsByKind: Record<KillKind, number>;
  /** Product processes that exited without being killed (restarted by the harness's supervisor). */
  crashExits: { process: string; code: number | null; signal: string | null; at: number; output: string }[];
  faults: {
    gmail: number;
    tokenExpiries: number;
    historyExpiries: number;
    historyRecoveryMs: (number | null)[];
    /** Episodes skipped because the mailbox's changes had not all been delivered (the product was behind). */
    historyExpiriesSkipped: number;
    grantRevocations: number;
    /** Revocation → every op made on the mailbox until the re-authentication covered (null: not within the final wait). */
    grantRecoveryMs: (number | null)[];
    receiverOutages: number;
    receiverMisbehaviours: number;
  };
  retriesBroughtForward: number;
  durationsMs: { setup: number; stream: number; drain: number; total: number };
  /** What the verdict was computed from (the op log and every body the receiver got), and the product's warnings, for investigating a run. */
  evidence: { ops: MailboxOp[]; baselineObjects: string[]; bodies: { body: string; receivedAt: number; forgery?: string }[]; productLogs: Record<string, unknown>[] };
  quiet: boolean;
}

interface LiveMessage {
  id: string;
  labels: Set<string>;
}

interface Mailbox {
  instance: ConnectedInstance;
  owner: MailboxOwner;
  messages: LiveMessage[];
  userLabel: string;
  /** Set while an expired-history episode holds the mailbox still. */
  quiesced: boolean;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (low: number, high: number) => low + random() * (high - low);
  const store = options.store ?? 'postgres';
  const workerCount = store === 'sqlite' ? 0 : (options.workers ?? 3);
  const instanceCount = options.instances ?? 12;
  const rate = options.opsPerSecond ?? 10;
  const drainMs = (options.drainSeconds ?? 120) * 1000;
  const killEveryMs = (options.killEverySeconds ?? 7) * 1000;
  const log = options.log ?? (() => undefined);
  const startedAt = Date.now();

  let postgres: ChaosPostgres | undefined;
  let emulator: GoogleEmulator | undefined;
  let receiver: ChaosReceiver | undefined;
  let cluster: Cluster | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-chaos-'));
  let stopping = false;
  try {
    if (store === 'postgres') postgres = await ChaosPostgres.start();
    emulator = await startGoogleEmulator({ port: 0 });
    receiver = await new ChaosReceiver().start();
    cluster = new Cluster({
      ...(postgres ? { databaseUrl: postgres.url } : {}),
      dataDir,
      googleBaseUrl: emulator.baseUrl,
      env: { CHANGEHOOK_LEASE_SECONDS: String(options.leaseSeconds ?? 10), CHANGEHOOK_DELIVERY_TIMEOUT_SECONDS: String(options.deliveryTimeoutSeconds ?? 5) },
    });
    await cluster.start(workerCount);
    const em = emulator;
    const rx = receiver;
    const cl = cluster;
    const pg = postgres;

    const ops: MailboxOp[] = [];
    const baselineObjects = new Set<string>();
    const mailboxes: Mailbox[] = [];
    for (let i = 0; i < instanceCount; i += 1) {
      const email = `chaos-${i}@example.com`;
      em.control.createMailbox(email);
      const owner = await new MailboxOwner(em.baseUrl, email).authorize();
      const label = await owner.call('POST', '/labels', { name: `chaos-label-${i}` });
      if (label === undefined) throw new Error(`could not create a user label in ${email}`);
      // Messages from before the instance existed: ops on them are ops too, their CREATED never comes.
      const existing: LiveMessage[] = [];
      for (let m = 0; m < 3; m += 1) {
        const delivered = await em.control.deliverMessage(email, { subject: `before ${m}`, text: 'old mail' });
        existing.push({ id: delivered.id, labels: new Set(['INBOX', 'UNREAD', 'CATEGORY_PERSONAL']) });
      }
      const signatureKey = `sig-${seed}-${i}`;
      const instance = await cl.connectMailbox(email, rx.url, '0.0167', signatureKey);
      rx.trust(instance.id, { webhookSecret: await cl.webhookSecret(instance.id), signatureKey });
      for (const message of existing) baselineObjects.add(objectKey(instance.id, message.id));
      mailboxes.push({ instance, owner, messages: existing, userLabel: String(label.id), quiesced: false });
    }
    // Set-up only (not the verdict): the first poll of each mailbox is its baseline and emits nothing.
    const baselineDeadline = Date.now() + 60_000;
    while ((await cl.baselines()) < instanceCount) {
      if (Date.now() > baselineDeadline) throw new Error('the baseline polls did not all happen within 60 s');
      await pause(100);
    }
    const setupMs = Date.now() - startedAt;
    log(`chaos: seed ${seed}; ${store}; ${store === 'postgres' ? `api + ${workerCount} workers` : 'serve'}, ${instanceCount} instances ready in ${(setupMs / 1000).toFixed(1)} s; ${options.seconds} s of chaos`);

    const streamStart = Date.now();
    const streamEnd = streamStart + options.seconds * 1000;
    const kills: (KillRecord & { killedAt: number })[] = [];
    const crashExits: ChaosResult['crashExits'] = [];
    const faults: ChaosResult['faults'] = { gmail: 0, tokenExpiries: 0, historyExpiries: 0, historyRecoveryMs: [], historyExpiriesSkipped: 0, grantRevocations: 0, grantRecoveryMs: [], receiverOutages: 0, receiverMisbehaviours: 0 };

    // --- The supervisor: every product process is restarted when it dies; deaths we did not cause count.
    const killedByUs = new Set<ChangehookProcess>();
    const restarts = new Set<Promise<unknown>>();
    let databaseDown = false;
    const readyOnes = new Set<ChangehookProcess>([cl.api, ...cl.workers]);
    const supervise = (p: ChangehookProcess) => {
      readyOnes.add(p);
      void p.exited.then((exit) => {
        if (stopping) return;
        if (!killedByUs.has(p)) {
          crashExits.push({ process: p.name, code: exit.code, signal: exit.signal, at: Date.now() - streamStart, output: p.output().slice(-600) });
          log(`chaos: ${p.name} exited on its own (${exit.code ?? exit.signal}); restarting it`);
          replace(p, 500);
        }
      });
    };
    const replace = (p: ChangehookProcess, delayMs: number, onReady?: (q: ChangehookProcess) => void) => {
      const job = (async () => {
        await pause(delayMs);
        for (let attempt = 0; !stopping; attempt += 1) {
          try {
            const q = p.role === 'worker' ? await cl.startWorker() : await cl.startApi();
            supervise(q);
            onReady?.(q);
            return;
          } catch (error) {
            // A process that cannot start while the database is down exits; try again shortly.
            if (attempt % 10 === 0) log(`chaos: ${p.role} did not start (${(error as Error).message.split('\n')[0]}); retrying`);
            await pause(1000);
          }
        }
      })();
      restarts.add(job);
      void job.finally(() => restarts.delete(job));
    };
    supervise(cl.api);
    for (const w of cl.workers) supervise(w);

    // --- The op stream, one op at a time (so each read-back historyId is the op's own).
    const opsByKind: Record<string, number> = {};
    // Gmail answers modify/trash/untrash with the labels only, and delete with nothing: the op's version is
    // read back with users.getProfile (the mailbox's historyId, which is the op's own last history record:
    // ops on a mailbox are sequential and nothing else changes it). getProfile, unlike messages.get, is
    // not among the calls the Gmail faults target.
    const readBack = async (mailbox: Mailbox): Promise<string> => {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const profile = await mailbox.owner.call('GET', '/profile').catch(() => undefined);
        if (typeof profile?.historyId === 'string') return profile.historyId;
      }
      throw new Error(`could not read the historyId of ${mailbox.instance.email}`);
    };
    const record = (mailbox: Mailbox, objectId: string, kind: OpKind, historyId: unknown) => {
      if (typeof historyId !== 'string') throw new Error(`op ${kind} on ${objectId}: no historyId`);
      ops.push({ instanceId: mailbox.instance.id, objectId, kind, historyId: String(historyId), at: Date.now() });
      opsByKind[kind] = (opsByKind[kind] ?? 0) + 1;
    };
    // An op Gmail refused did not happen; counted so that a harness bug making every op of a kind fail shows.
    const refused = (kind: OpKind) => {
      opsByKind[`refused ${kind}`] = (opsByKind[`refused ${kind}`] ?? 0) + 1;
    };
    const newMessage = async (mailbox: Mailbox, n: number) => {
      const delivered = await em.control.deliverMessage(mailbox.instance.email, { subject: `chaos ${n}`, text: `op ${n}` });
      mailbox.messages.push({ id: delivered.id, labels: new Set(['INBOX', 'UNREAD', 'CATEGORY_PERSONAL']) });
      record(mailbox, delivered.id, 'newMessage', delivered.historyId);
    };
    // A message's own historyId (messages.get is among the faulted calls, whose faults come in runs:
    // tried until it answers).
    const messageVersion = async (mailbox: Mailbox, messageId: string): Promise<string> => {
      for (let attempt = 0; attempt < 60; attempt += 1) {
        const message = await mailbox.owner.call('GET', `/messages/${messageId}?format=minimal`).catch(() => undefined);
        if (typeof message?.historyId === 'string') return message.historyId;
        await pause(250);
      }
      throw new Error(`could not read the historyId of message ${messageId} in ${mailbox.instance.email}`);
    };
    // The user label renamed (no message changes), or deleted (Gmail removes it from every message that
    // carried it, one history record each) and replaced by a new one.
    const labelLifecycle = async (mailbox: Mailbox, n: number, deleteIt = random() < 0.5) => {
      const label = mailbox.userLabel;
      if (!deleteIt) {
        const renamed = await mailbox.owner.call('PATCH', `/labels/${label}`, { name: `chaos-label-${mailbox.instance.id}-${n}` });
        if (renamed === undefined) return refused('labelRenamed');
        record(mailbox, label, 'labelRenamed', await readBack(mailbox));
        return;
      }
      const carrying = mailbox.messages.filter((m) => m.labels.has(label));
      if ((await mailbox.owner.call('DELETE', `/labels/${label}`)) === undefined) return refused('labelDeleted');
      for (const message of carrying) {
        message.labels.delete(label);
        record(mailbox, message.id, 'labelDeleted', await messageVersion(mailbox, message.id));
      }
      const created = await mailbox.owner.call('POST', '/labels', { name: `chaos-label-${mailbox.instance.id}-${n}` });
      if (created === undefined) throw new Error(`could not create a user label in ${mailbox.instance.email}`);
      mailbox.userLabel = String(created.id);
      record(mailbox, mailbox.userLabel, 'labelCreated', await readBack(mailbox));
    };
    const operate = async (mailbox: Mailbox, n: number) => {
      if (mailbox.messages.length < 2 || random() < 0.3) return newMessage(mailbox, n);
      if (random() < 0.02) return labelLifecycle(mailbox, n);
      const message = pick(mailbox.messages);
      const toggle = (label: string, on: OpKind, off: OpKind) =>
        message.labels.has(label) ? { kind: off, body: { removeLabelIds: [label] } } : { kind: on, body: { addLabelIds: [label] } };
      const choice = random();
      if (choice < 0.08) {
        const deleted = await mailbox.owner.call('DELETE', `/messages/${message.id}`);
        if (deleted === undefined) return refused('delete');
        mailbox.messages = mailbox.messages.filter((m) => m !== message);
        record(mailbox, message.id, 'delete', await readBack(mailbox));
        return;
      }
      if (choice < 0.25) {
        const trashed = message.labels.has('TRASH');
        const answer = await mailbox.owner.call('POST', `/messages/${message.id}/${trashed ? 'untrash' : 'trash'}`);
        if (answer === undefined) return refused(trashed ? 'untrash' : 'trash');
        message.labels = new Set(answer.labelIds as string[]);
        record(mailbox, message.id, trashed ? 'untrash' : 'trash', await readBack(mailbox));
        return;
      }
      const change = choice < 0.5 ? toggle('STARRED', 'star', 'unstar') : choice < 0.75 ? toggle('UNREAD', 'unread', 'read') : toggle(mailbox.userLabel, 'labelAdded', 'labelRemoved');
      const answer = await mailbox.owner.call('POST', `/messages/${message.id}/modify`, change.body);
      if (answer === undefined) return refused(change.kind);
      message.labels = new Set(answer.labelIds as string[]);
      record(mailbox, message.id, change.kind, await readBack(mailbox));
    };
    const stream = (async () => {
      for (let n = 0; Date.now() < streamEnd; n += 1) {
        const open = mailboxes.filter((m) => !m.quiesced);
        // Five seconds in, one label deletion for sure (even a short run has one); later ones at random.
        if (open.length > 0) await (n === Math.round(rate * 5) ? labelLifecycle(pick(open), n, true) : operate(pick(open), n));
        await pause(streamStart + ((n + 1) * 1000) / rate - Date.now());
      }
    })();

    const verdictNow = () => judge({ ops, baselineObjects, bodies: rx.bodies, objectType: 'changed-messages' });
    const pendingGrantRecoveries: { instanceId: number; revokedAt: number; reauthenticatedAt: number; index: number }[] = [];

    // --- Kills. The first ones go through every kind once, so even a short run kills each kind.
    const kinds: KillKind[] = store === 'postgres' ? ['worker', 'api', 'database'] : ['serve'];
    const firstKinds = [...kinds].sort(() => random() - 0.5);
    const killer = (async () => {
      await pause(between(0.3, 1) * Math.min(killEveryMs, 5000));
      for (let index = 0; Date.now() < streamEnd - 2000; index += 1) {
        const kind: KillKind = index < firstKinds.length ? firstKinds[index]! : random() < 0.5 ? (kinds.includes('worker') ? 'worker' : kinds[0]!) : pick(kinds);
        const killedAt = Date.now();
        const kill: KillRecord & { killedAt: number } = { kind, at: killedAt - streamStart, target: '', restartMs: null, nextDeliveryMs: null, coveredMs: null, killedAt };
        if (kind === 'database') {
          if (!pg || databaseDown) {
            await pause(500);
            continue;
          }
          databaseDown = true;
          kill.target = `postmaster pid ${pg.kill()}`;
          kills.push(kill);
          const downFor = between(1000, 4000);
          const job = (async () => {
            await pause(downFor);
            await pg.restart();
            databaseDown = false;
            kill.restartMs = Date.now() - killedAt;
          })();
          restarts.add(job);
          void job.finally(() => restarts.delete(job));
        } else {
          // Only processes that are up (banner out): a replacement still starting is left alone.
          const candidates = kind === 'worker' ? cl.liveWorkers().filter((w) => readyOnes.has(w)) : cl.api?.alive && readyOnes.has(cl.api) ? [cl.api] : [];
          // Never the last live worker: the survivors must carry on.
          if (candidates.length === 0 || (kind === 'worker' && candidates.length < 2)) {
            await pause(500);
            continue;
          }
          const victim = pick(candidates);
          killedByUs.add(victim);
          await victim.stop('SIGKILL');
          kill.target = `${victim.name} pid ${victim.pid}`;
          kills.push(kill);
          replace(victim, between(300, 2000), () => {
            kill.restartMs = Date.now() - killedAt;
          });
        }
        log(`chaos: +${(kill.at / 1000).toFixed(1)} s kill ${kind}: ${kill.target}`);
        await pause(Math.min(between(0.5, 1.5) * killEveryMs, streamEnd - Date.now()));
      }
    })();

    // --- Gmail faults every 1.5–4 s; access tokens expired now and then.
    const gmailFaults = (async () => {
      while (Date.now() < streamEnd) {
        await pause(Math.min(between(1500, 4000), streamEnd - Date.now()));
        if (Date.now() >= streamEnd) break;
        if (random() < 0.12) {
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

    // --- Expired history: quiesce one mailbox, wait until its ops are covered, drop its history, make one
    // more op and wait for the recovery to report it, then let the stream use the mailbox again.
    const expiries = options.historyExpiries ?? Math.max(1, Math.round(options.seconds / 120));
    const historyExpirer = (async () => {
      for (let e = 0; e < expiries; e += 1) {
        await pause(streamStart + ((e + 0.5) / expiries) * options.seconds * 1000 * 0.8 - Date.now());
        const mailbox = pick(mailboxes);
        mailbox.quiesced = true;
        await pause(200); // let an op in flight on it finish
        const covered = (since: number) => {
          const v = verdictNow();
          return ops.every((o) => o.instanceId !== mailbox.instance.id || o.at < since || v.coveredAt.has(o));
        };
        const mineCovered = () => {
          const v = verdictNow();
          return ops.every((o) => o.instanceId !== mailbox.instance.id || v.coveredAt.has(o));
        };
        // History is dropped only once every change made so far has reached the receiver: changes still
        // unread in a dropped history, e.g. a star and an unstar, can be known by no one (a snapshot sees
        // no difference), which is not what this fault is about. A product too far behind to catch up
        // within 5 minutes (e.g. killed again before each restart could work) skips the episode.
        const settleDeadline = Date.now() + 300_000;
        while (!mineCovered() && Date.now() < settleDeadline) await pause(250);
        if (!mineCovered()) {
          faults.historyExpiriesSkipped += 1;
          log(`chaos: did NOT expire the history of ${mailbox.instance.email}: its changes were not all delivered within 5 minutes`);
          mailbox.quiesced = false;
          continue;
        }
        em.control.expireHistory(mailbox.instance.email);
        const expiredAt = Date.now();
        faults.historyExpiries += 1;
        await newMessage(mailbox, -1 - e);
        const recoveryDeadline = Date.now() + 60_000;
        while (!covered(expiredAt) && Date.now() < recoveryDeadline) await pause(250);
        const recovered = covered(expiredAt);
        faults.historyRecoveryMs.push(recovered ? Date.now() - expiredAt : null);
        log(`chaos: expired the history of ${mailbox.instance.email}; ${recovered ? `recovered in ${((Date.now() - expiredAt) / 1000).toFixed(1)} s` : 'NOT recovered within 60 s'}`);
        mailbox.quiesced = false;
      }
    })();

    // --- Revoked grants: every grant of one mailbox revoked at Google (the owner's too, who consents
    // again); ops go on. When Changehook shows the instance invalid, the user re-authenticates it.
    const revocations = options.grantRevocations ?? Math.max(1, Math.round(options.seconds / 150));
    const grantRevoker = (async () => {
      for (let r = 0; r < revocations; r += 1) {
        await pause(streamStart + ((r + 0.3) / revocations) * options.seconds * 1000 * 0.8 - Date.now());
        const mailbox = pick(mailboxes);
        const revokedAt = Date.now();
        em.control.revokeGrants(mailbox.instance.email);
        faults.grantRevocations += 1;
        const deadline = Date.now() + 30_000;
        let invalid = false;
        while (!invalid && Date.now() < deadline) {
          const shown = await cl.call('GET', `/instances/${mailbox.instance.id}`).catch(() => undefined);
          invalid = shown?.status === 200 && shown.body.valid === false;
          if (!invalid) await pause(500);
        }
        await pause(between(1000, 4000)); // the user takes a moment; the mailbox keeps changing
        let reauthenticated = false;
        for (let attempt = 0; !reauthenticated && attempt < 60; attempt += 1) {
          // The api (or the database) may be down at that moment: the user tries again.
          reauthenticated = await cl.reauthenticate(mailbox.instance).then(
            () => true,
            () => false,
          );
          if (!reauthenticated) await pause(1000);
        }
        const index = faults.grantRecoveryMs.push(null) - 1;
        pendingGrantRecoveries.push({ instanceId: mailbox.instance.id, revokedAt, reauthenticatedAt: Date.now(), index });
        log(`chaos: revoked the grants of ${mailbox.instance.email}; ${invalid ? 'shown invalid' : 'NOT shown invalid within 30 s'}, ${reauthenticated ? 're-authenticated' : 'NOT re-authenticated'} after ${((Date.now() - revokedAt) / 1000).toFixed(1)} s`);
      }
    })();

    // --- Receiver outages every 5–10 s: error runs, Retry-After, hung and reset connections, slow answers.
    const outages = (async () => {
      await pause(Math.min(between(2000, 5000), streamEnd - Date.now()));
      while (Date.now() < streamEnd) {
        const count = Math.floor(between(3, 11));
        const kind = pick<ReceiverMisbehaviour>([{ status: 500 }, { status: 503, retryAfter: '1' }, { hang: true }, { destroy: true }, { status: 502 }, { slowMs: 2500 }, { slowMs: 800 }]);
        const plan = Array.from({ length: 'hang' in kind || 'slowMs' in kind ? Math.min(count, 4) : count }, () => kind);
        rx.misbehave(...plan);
        faults.receiverOutages += 1;
        faults.receiverMisbehaviours += plan.length;
        await pause(Math.min(between(5000, 10000), streamEnd - Date.now()));
      }
    })();

    await Promise.all([stream, killer, gmailFaults, outages, grantRevoker]);
    const streamMs = Date.now() - streamStart;
    em.control.clearFaults();
    await historyExpirer;
    em.control.clearFaults();
    while (restarts.size > 0) await Promise.all([...restarts]);
    log(`chaos: chaos over (${ops.length} ops, ${kills.length} kills, ${crashExits.length} crash exits); waiting for every op to be covered (at most ${drainMs / 1000} s)`);

    // --- The final wait: until every op is covered and the receiver has been idle for 3 s.
    const drainStart = Date.now();
    const broughtForward = new Set<string>();
    let quiet = false;
    for (;;) {
      for (const id of await cl.bringRetriesForward()) broughtForward.add(id);
      const v = verdictNow();
      if (v.lost.length === 0 && v.misclassified.length === 0 && Date.now() - rx.lastReceivedAt > 3000) {
        quiet = true;
        break;
      }
      if (Date.now() - drainStart > drainMs) break;
      await pause(500);
    }
    const drainTook = Date.now() - drainStart;

    const { coveredAt, ...verdict } = verdictNow();
    for (const kill of kills) {
      const next = rx.bodies.find((b) => b.receivedAt >= kill.killedAt);
      kill.nextDeliveryMs = next ? next.receivedAt - kill.killedAt : null;
      const before = ops.filter((o) => o.at < kill.killedAt);
      const last = Math.max(kill.killedAt, ...before.map((o) => coveredAt.get(o) ?? Infinity));
      kill.coveredMs = Number.isFinite(last) ? last - kill.killedAt : null;
    }
    for (const { instanceId, revokedAt, reauthenticatedAt, index } of pendingGrantRecoveries) {
      // The ops at risk: those made while the grant was revoked, before the user re-authenticated.
      const since = ops.filter((o) => o.instanceId === instanceId && o.at >= revokedAt && o.at <= reauthenticatedAt);
      const last = Math.max(revokedAt, ...since.map((o) => coveredAt.get(o) ?? Infinity));
      faults.grantRecoveryMs[index] = Number.isFinite(last) ? last - revokedAt : null;
    }
    const killsByKind = { worker: 0, api: 0, database: 0, serve: 0 } as Record<KillKind, number>;
    for (const kill of kills) killsByKind[kill.kind] += 1;
    return {
      ok: verdict.ok && quiet,
      seed,
      store,
      seconds: options.seconds,
      workers: workerCount,
      instances: instanceCount,
      opsByKind,
      verdict,
      kills: kills.map(({ killedAt: _k, ...kill }) => kill),
      killsByKind,
      crashExits,
      faults,
      retriesBroughtForward: broughtForward.size,
      durationsMs: { setup: setupMs, stream: streamMs, drain: drainTook, total: Date.now() - startedAt },
      quiet,
      evidence: { ops, baselineObjects: [...baselineObjects], bodies: [...rx.bodies], productLogs: cl.logs() },
    };
  } finally {
    stopping = true;
    await cluster?.close().catch(() => undefined);
    await receiver?.close().catch(() => undefined);
    await emulator?.close().catch(() => undefined);
    await postgres?.destroy().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
