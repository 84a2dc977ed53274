// The chaos harness behind `npm run chaos` and its short CI test. It runs Changehook against in-process
// Google and Microsoft emulators and a loopback receiver, makes operations on many mailboxes — Gmail (new
// messages, stars, read/unread, user labels, trash/untrash, deletions, user labels renamed, deleted and
// created), each logged with the historyId Gmail gave back, and Outlook (new messages, read/unread,
// flag/unflag, moves between Inbox and Archive, deletions), each logged with the changeKey Graph gave
// back — while it breaks things real deployments meet:
// - PostgreSQL mode: one `changehook api` and N workers on a PostgreSQL cluster of its own (initdb +
//   pg_ctl, chaosPostgres.ts); SIGKILLs of workers, of the api and `kill -9` of the postmaster, each
//   restarted (a process that exits on its own is restarted as a supervisor would, and counted).
// - SQLite mode: one `changehook serve` SIGKILLed at random moments (polls commit several times a second,
//   so kills land mid-transaction) and restarted.
// - Gmail: 500/503/429, dropped connections and latency on history.list and messages.get, expired access
//   tokens, expired history (a mailbox is quiesced, its history dropped, one more op made and its
//   recovery awaited), and revoked grants (every grant of a mailbox revoked at Google — or at Microsoft,
//   the mailbox being picked among both providers' — while its ops go on; once Changehook has marked the
//   instance invalid, the user re-authenticates it with a new code and the changes made meanwhile must
//   all arrive).
// - Outlook: Graph 429 with Retry-After, 500/503, dropped connections and latency on the message delta,
//   expired access tokens, and expired delta state (as expired history: quiesce, wait until covered,
//   expireDeltaTokens, one more op, wait for the recovery). Deletions mostly take a message the receiver
//   has heard of: one created and deleted between two delta rounds leaves no trace in Graph's delta, so
//   the verdict can only excuse it, and such deletions test nothing.
// While an episode waits for a mailbox's changes, as in the final wait, notifications whose next attempt
// is minutes away are brought forward (as time passing would).
// - The receiver: error runs, Retry-After, hung and reset connections, slow answers.
// Then, faults cleared, it waits (bounded) until every op is covered and the receiver is idle, and asks
// the independent verdict (noLossVerdict.ts), which sees only the op log and the verified bodies.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGoogleEmulator, type FaultSpec, type GoogleEmulator } from '../../emulators/google/index.ts';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../emulators/microsoft/index.ts';
import { ChaosPostgres } from './chaosPostgres.ts';
import { ChaosReceiver, type ReceiverMisbehaviour } from './chaosReceiver.ts';
import { Cluster, type ChangehookProcess, type ConnectedInstance } from './chaosCluster.ts';
import { MailboxOwner } from './chaosGmail.ts';
import { OutlookMailboxOwner } from './chaosOutlook.ts';
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
  /** How many of the instances are Outlook mailboxes (default: a third, rounded down); the rest are Gmail. */
  outlookInstances?: number;
  /** Ops per second over all mailboxes. */
  opsPerSecond?: number;
  /** Mean time between kills. */
  killEverySeconds?: number;
  /** Expired-history episodes during the run (Gmail). */
  historyExpiries?: number;
  /** Expired delta-state episodes during the run (Outlook; none without Outlook mailboxes). */
  deltaExpiries?: number;
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
  outlookInstances: number;
  /** Gmail ops by kind (and `refused <kind>` for ops Gmail refused). */
  opsByKind: Record<string, number>;
  /** Outlook ops by kind (and `refused <kind>`). */
  outlookOpsByKind: Record<string, number>;
  verdict: Omit<Verdict, 'coveredAt'>;
  kills: KillRecord[];
  killsByKind: Record<KillKind, number>;
  /** Product processes that exited without being killed (restarted by the harness's supervisor). */
  crashExits: { process: string; code: number | null; signal: string | null; at: number; output: string }[];
  faults: {
    gmail: number;
    /** Faults injected on Graph's message delta. */
    outlook: number;
    /** Google's access tokens expired. */
    tokenExpiries: number;
    /** Microsoft's access tokens expired. */
    outlookTokenExpiries: number;
    historyExpiries: number;
    historyRecoveryMs: (number | null)[];
    /** Episodes skipped because the mailbox's changes had not all been delivered (the product was behind). */
    historyExpiriesSkipped: number;
    deltaExpiries: number;
    deltaRecoveryMs: (number | null)[];
    deltaExpiriesSkipped: number;
    grantRevocations: number;
    /** Which provider each revoked grant was at. */
    grantRevocationProviders: ('gmail' | 'outlook')[];
    /** Revocation → every op made on the mailbox until the re-authentication covered (null: not within the final wait). */
    grantRecoveryMs: (number | null)[];
    receiverOutages: number;
    receiverMisbehaviours: number;
  };
  retriesBroughtForward: number;
  /** Graph's 429s for being over a mailbox's limits (Changehook's and the owners' requests), summed over the Outlook mailboxes. */
  outlookThrottled: { total: number; owners: number };
  durationsMs: { setup: number; stream: number; drain: number; total: number };
  /** What the verdict was computed from (the op log and every body the receiver got), and the product's warnings, for investigating a run. */
  evidence: { ops: MailboxOp[]; baselineObjects: string[]; bodies: { body: string; receivedAt: number; forgery?: string }[]; productLogs: Record<string, unknown>[] };
  quiet: boolean;
}

interface LiveMessage {
  id: string;
  labels: Set<string>;
}

interface GmailMailbox {
  provider: 'gmail';
  instance: ConnectedInstance;
  owner: MailboxOwner;
  messages: LiveMessage[];
  userLabel: string;
  /** Set while an expired-history episode holds the mailbox still. */
  quiesced: boolean;
}

interface OutlookMessage {
  id: string;
  isRead: boolean;
  flagged: boolean;
  folder: 'inbox' | 'archive';
  /** The op that created it (none: it was there before the instance). */
  created?: MailboxOp;
}

interface OutlookMailbox {
  provider: 'outlook';
  instance: ConnectedInstance;
  owner: OutlookMailboxOwner;
  messages: OutlookMessage[];
  /** Set while an expired delta-state episode holds the mailbox still. */
  quiesced: boolean;
}

type Mailbox = GmailMailbox | OutlookMailbox;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (low: number, high: number) => low + random() * (high - low);
  const store = options.store ?? 'postgres';
  const workerCount = store === 'sqlite' ? 0 : (options.workers ?? 3);
  const instanceCount = options.instances ?? 12;
  const outlookCount = Math.min(instanceCount, Math.max(0, options.outlookInstances ?? Math.floor(instanceCount / 3)));
  const gmailCount = instanceCount - outlookCount;
  const rate = options.opsPerSecond ?? 10;
  const drainMs = (options.drainSeconds ?? 120) * 1000;
  const killEveryMs = (options.killEverySeconds ?? 7) * 1000;
  const log = options.log ?? (() => undefined);
  const startedAt = Date.now();

  let postgres: ChaosPostgres | undefined;
  let emulator: GoogleEmulator | undefined;
  let microsoftEmulator: MicrosoftEmulator | undefined;
  let receiver: ChaosReceiver | undefined;
  let cluster: Cluster | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-chaos-'));
  let stopping = false;
  try {
    if (store === 'postgres') postgres = await ChaosPostgres.start();
    emulator = await startGoogleEmulator({ port: 0 });
    if (outlookCount > 0) microsoftEmulator = await startMicrosoftEmulator({ port: 0 });
    receiver = await new ChaosReceiver().start();
    cluster = new Cluster({
      ...(postgres ? { databaseUrl: postgres.url } : {}),
      dataDir,
      googleBaseUrl: emulator.baseUrl,
      ...(microsoftEmulator ? { microsoftBaseUrl: microsoftEmulator.baseUrl } : {}),
      env: { CHANGEHOOK_LEASE_SECONDS: String(options.leaseSeconds ?? 10), CHANGEHOOK_DELIVERY_TIMEOUT_SECONDS: String(options.deliveryTimeoutSeconds ?? 5) },
    });
    await cluster.start(workerCount);
    const em = emulator;
    const ms = microsoftEmulator;
    const rx = receiver;
    const cl = cluster;
    const pg = postgres;

    const ops: MailboxOp[] = [];
    const baselineObjects = new Set<string>();
    const mailboxes: Mailbox[] = [];
    const outlookInstanceIds = new Set<number>();
    for (let i = 0; i < gmailCount; i += 1) {
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
      mailboxes.push({ provider: 'gmail', instance, owner, messages: existing, userLabel: String(label.id), quiesced: false });
    }
    for (let i = gmailCount; i < instanceCount; i += 1) {
      if (ms === undefined) break;
      const email = `chaos-${i}@outlook.example.com`;
      ms.control.createMailbox(email);
      const owner = await new OutlookMailboxOwner(ms.baseUrl, email).authorize();
      // Messages from before the instance existed (the delta baseline reads them and reports nothing).
      const existing: OutlookMessage[] = [];
      for (let m = 0; m < 3; m += 1) {
        const id = ms.control.deliverMessage(email, { subject: `before ${m}`, body: 'old mail' });
        existing.push({ id, isRead: false, flagged: false, folder: 'inbox' });
      }
      const signatureKey = `sig-${seed}-${i}`;
      const instance = await cl.connectMailbox(email, rx.url, '0.0167', signatureKey, 'outlookemail');
      rx.trust(instance.id, { webhookSecret: await cl.webhookSecret(instance.id), signatureKey });
      for (const message of existing) baselineObjects.add(objectKey(instance.id, message.id));
      outlookInstanceIds.add(instance.id);
      mailboxes.push({ provider: 'outlook', instance, owner, messages: existing, quiesced: false });
    }
    // Set-up only (not the verdict): the first poll of each mailbox is its baseline and emits nothing.
    const baselineDeadline = Date.now() + 60_000;
    while ((await cl.baselines()) < instanceCount) {
      if (Date.now() > baselineDeadline) throw new Error('the baseline polls did not all happen within 60 s');
      await pause(100);
    }
    const setupMs = Date.now() - startedAt;
    log(`chaos: seed ${seed}; ${store}; ${store === 'postgres' ? `api + ${workerCount} workers` : 'serve'}, ${instanceCount} instances (${gmailCount} Gmail, ${outlookCount} Outlook) ready in ${(setupMs / 1000).toFixed(1)} s; ${options.seconds} s of chaos`);

    const streamStart = Date.now();
    const streamEnd = streamStart + options.seconds * 1000;
    const kills: (KillRecord & { killedAt: number })[] = [];
    const crashExits: ChaosResult['crashExits'] = [];
    const faults: ChaosResult['faults'] = {
      gmail: 0,
      outlook: 0,
      tokenExpiries: 0,
      outlookTokenExpiries: 0,
      historyExpiries: 0,
      historyRecoveryMs: [],
      historyExpiriesSkipped: 0,
      deltaExpiries: 0,
      deltaRecoveryMs: [],
      deltaExpiriesSkipped: 0,
      grantRevocations: 0,
      grantRevocationProviders: [],
      grantRecoveryMs: [],
      receiverOutages: 0,
      receiverMisbehaviours: 0,
    };

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

    // The verdict on what the receiver got so far (episodes wait on it; Outlook deletes choose by it).
    const verdictNow = () => judge({ ops, baselineObjects, bodies: rx.bodies, objectType: 'changed-messages', outlookInstances: outlookInstanceIds });

    // --- The op stream, one op at a time (so each read-back historyId is the op's own).
    const opsByKind: Record<string, number> = {};
    const outlookOpsByKind: Record<string, number> = {};
    // Gmail answers modify/trash/untrash with the labels only, and delete with nothing: the op's version is
    // read back with users.getProfile (the mailbox's historyId, which is the op's own last history record:
    // ops on a mailbox are sequential and nothing else changes it). getProfile, unlike messages.get, is
    // not among the calls the Gmail faults target.
    const readBack = async (mailbox: GmailMailbox): Promise<string> => {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const profile = await mailbox.owner.call('GET', '/profile').catch(() => undefined);
        if (typeof profile?.historyId === 'string') return profile.historyId;
      }
      throw new Error(`could not read the historyId of ${mailbox.instance.email}`);
    };
    const record = (mailbox: GmailMailbox, objectId: string, kind: OpKind, historyId: unknown) => {
      if (typeof historyId !== 'string') throw new Error(`op ${kind} on ${objectId}: no historyId`);
      ops.push({ instanceId: mailbox.instance.id, objectId, kind, historyId: String(historyId), at: Date.now() });
      opsByKind[kind] = (opsByKind[kind] ?? 0) + 1;
    };
    // An op Gmail refused did not happen; counted so that a harness bug making every op of a kind fail shows.
    const refused = (kind: OpKind) => {
      opsByKind[`refused ${kind}`] = (opsByKind[`refused ${kind}`] ?? 0) + 1;
    };
    const newMessage = async (mailbox: GmailMailbox, n: number) => {
      const delivered = await em.control.deliverMessage(mailbox.instance.email, { subject: `chaos ${n}`, text: `op ${n}` });
      mailbox.messages.push({ id: delivered.id, labels: new Set(['INBOX', 'UNREAD', 'CATEGORY_PERSONAL']) });
      record(mailbox, delivered.id, 'newMessage', delivered.historyId);
    };
    // A message's own historyId (messages.get is among the faulted calls, whose faults come in runs:
    // tried until it answers).
    const messageVersion = async (mailbox: GmailMailbox, messageId: string): Promise<string> => {
      for (let attempt = 0; attempt < 60; attempt += 1) {
        const message = await mailbox.owner.call('GET', `/messages/${messageId}?format=minimal`).catch(() => undefined);
        if (typeof message?.historyId === 'string') return message.historyId;
        await pause(250);
      }
      throw new Error(`could not read the historyId of message ${messageId} in ${mailbox.instance.email}`);
    };
    // The user label renamed (no message changes), or deleted (Gmail removes it from every message that
    // carried it, one history record each) and replaced by a new one.
    const labelLifecycle = async (mailbox: GmailMailbox, n: number, deleteIt = random() < 0.5) => {
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
    const operate = async (mailbox: GmailMailbox, n: number) => {
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

    // --- Outlook ops. Graph answers PATCH and move with the message, its new changeKey included: that is
    // the op's version. A delete (204) has none: the verdict ranks it after the message's earlier ops.
    const recordOutlook = (mailbox: OutlookMailbox, objectId: string, kind: OpKind, changeKey: unknown) => {
      if (kind !== 'delete' && typeof changeKey !== 'string') throw new Error(`Outlook op ${kind} on ${objectId}: no changeKey`);
      ops.push({ provider: 'outlook', instanceId: mailbox.instance.id, objectId, kind, ...(typeof changeKey === 'string' ? { changeKey } : {}), at: Date.now() });
      outlookOpsByKind[kind] = (outlookOpsByKind[kind] ?? 0) + 1;
    };
    const refusedOutlook = (kind: OpKind) => {
      outlookOpsByKind[`refused ${kind}`] = (outlookOpsByKind[`refused ${kind}`] ?? 0) + 1;
    };
    // The changeKey of a message the control API delivered (it answers the id only), read back as the
    // owner: nothing else changes the message in between (ops on a mailbox are sequential).
    const outlookVersion = async (mailbox: OutlookMailbox, messageId: string): Promise<string> => {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const message = await mailbox.owner.call('GET', `/messages/${encodeURIComponent(messageId)}?$select=changeKey`).catch((error: Error) => {
          mailbox.owner.lastRefusal = error.message;
          return undefined;
        });
        if (typeof message?.changeKey === 'string') return message.changeKey;
        await pause(250);
      }
      throw new Error(`could not read the changeKey of message ${messageId} in ${mailbox.instance.email} (last refusal: ${mailbox.owner.lastRefusal})`);
    };
    const newOutlookMessage = async (mailbox: OutlookMailbox, n: number) => {
      const id = ms!.control.deliverMessage(mailbox.instance.email, { subject: `chaos ${n}`, body: `op ${n}` });
      const message: OutlookMessage = { id, isRead: false, flagged: false, folder: 'inbox' };
      mailbox.messages.push(message);
      recordOutlook(mailbox, id, 'newMessage', await outlookVersion(mailbox, id));
      message.created = ops.at(-1);
    };
    const operateOutlook = async (mailbox: OutlookMailbox, n: number) => {
      if (mailbox.messages.length < 2 || random() < 0.3) return newOutlookMessage(mailbox, n);
      const choice = random();
      if (choice < 0.08) {
        // Mostly a message the receiver has heard of (from before the instance, or its creation already
        // reported), whose DELETED is then owed: a message created and deleted between two delta rounds
        // leaves no trace in Graph's delta, and the verdict can only excuse it (vanishedBetweenPolls).
        const v = random() < 0.75 ? verdictNow() : undefined;
        const known = v === undefined ? [] : mailbox.messages.filter((m) => m.created === undefined || v.coveredAt.has(m.created));
        const victim = pick(known.length > 0 ? known : mailbox.messages);
        if ((await mailbox.owner.call('DELETE', `/messages/${encodeURIComponent(victim.id)}`)) === undefined) return refusedOutlook('delete');
        mailbox.messages = mailbox.messages.filter((m) => m !== victim);
        recordOutlook(mailbox, victim.id, 'delete', undefined);
        return;
      }
      const message = pick(mailbox.messages);
      const path = `/messages/${encodeURIComponent(message.id)}`;
      if (choice < 0.3) {
        const destination = message.folder === 'inbox' ? 'archive' : 'inbox';
        const moved = await mailbox.owner.call('POST', `${path}/move`, { destinationId: destination });
        if (moved === undefined) return refusedOutlook('move');
        // Immutable ids: the message keeps its id in its new folder (else the verdict would see a new object).
        if (moved.id !== message.id) throw new Error(`moving ${message.id} to ${destination} in ${mailbox.instance.email} gave it the id ${String(moved.id)}`);
        message.folder = destination;
        recordOutlook(mailbox, message.id, 'move', moved.changeKey);
        return;
      }
      if (choice < 0.6) {
        const kind: OpKind = message.flagged ? 'unflag' : 'flag';
        const answer = await mailbox.owner.call('PATCH', path, { flag: { flagStatus: message.flagged ? 'notFlagged' : 'flagged' } });
        if (answer === undefined) return refusedOutlook(kind);
        message.flagged = !message.flagged;
        recordOutlook(mailbox, message.id, kind, answer.changeKey);
        return;
      }
      const kind: OpKind = message.isRead ? 'unread' : 'read';
      const answer = await mailbox.owner.call('PATCH', path, { isRead: !message.isRead });
      if (answer === undefined) return refusedOutlook(kind);
      message.isRead = !message.isRead;
      recordOutlook(mailbox, message.id, kind, answer.changeKey);
    };

    const stream = (async () => {
      for (let n = 0; Date.now() < streamEnd; n += 1) {
        const open = mailboxes.filter((m) => !m.quiesced);
        const openGmail = open.filter((m): m is GmailMailbox => m.provider === 'gmail');
        if (n === Math.round(rate * 5) && openGmail.length > 0) {
          // Five seconds in, one label deletion for sure (even a short run has one); later ones at random.
          await labelLifecycle(pick(openGmail), n, true);
        } else if (open.length > 0) {
          const mailbox = pick(open);
          await (mailbox.provider === 'gmail' ? operate(mailbox, n) : operateOutlook(mailbox, n));
        }
        await pause(streamStart + ((n + 1) * 1000) / rate - Date.now());
      }
    })();

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

    // --- Outlook faults every 1.5–4 s on Graph's message delta (what the poller reads); Microsoft's access
    // tokens expired now and then.
    const outlookFaults = (async () => {
      if (ms === undefined) return;
      while (Date.now() < streamEnd) {
        await pause(Math.min(between(1500, 4000), streamEnd - Date.now()));
        if (Date.now() >= streamEnd) break;
        if (random() < 0.12) {
          const expired = ms.control.expireAccessTokens();
          faults.outlookTokenExpiries += 1;
          log(`chaos: expired ${expired} Microsoft access tokens`);
          continue;
        }
        const kind = pick<{ status?: number; code?: string; retryAfterSeconds?: number; dropConnection?: boolean; latencyMs?: number }>([
          { status: 500 },
          { status: 503, code: 'ServiceUnavailable', retryAfterSeconds: 1 },
          { status: 429, code: 'ApplicationThrottled', retryAfterSeconds: 1 },
          { status: 429, code: 'ApplicationThrottled', retryAfterSeconds: 2 },
          { dropConnection: true },
          { latencyMs: 3000 },
        ]);
        ms.control.injectFault({ method: 'GET', pathPattern: '/messages/delta', ...kind, times: Math.floor(between(3, 16)) });
        faults.outlook += 1;
      }
    })();

    // Notifications whose next attempt is minutes away (a second failure waits 5 minutes) are brought
    // forward, as time passing would, while an episode waits for its mailbox's changes and in the final wait.
    const broughtForward = new Set<string>();
    let lastBroughtForward = 0;
    const bringRetriesForward = async () => {
      if (Date.now() - lastBroughtForward < 5000) return;
      lastBroughtForward = Date.now();
      for (const id of await cl.bringRetriesForward()) broughtForward.add(id);
    };

    // --- Expired provider state: quiesce one mailbox, wait until its ops are covered, drop its change state
    // (Gmail: its history; Outlook: its delta tokens), make one more op and wait for the recovery to
    // report it, then let the stream use the mailbox again.
    const expireState = async <M extends Mailbox>(episode: {
      what: string;
      candidates: M[];
      expire: (mailbox: M) => void;
      oneMoreOp: (mailbox: M) => Promise<void>;
      recoveries: (number | null)[];
      skip: () => void;
      count: () => void;
    }) => {
      if (episode.candidates.length === 0) return;
      const mailbox = pick(episode.candidates);
      mailbox.quiesced = true;
      await pause(200); // let an op in flight on it finish
      // Every op on the mailbox made at or after `since` is covered (since 0: every op).
      const covered = (since: number) => {
        const v = verdictNow();
        return ops.every((o) => o.instanceId !== mailbox.instance.id || o.at < since || v.coveredAt.has(o));
      };
      // The state is dropped only once every change made so far has reached the receiver: changes still
      // unread in a dropped history, e.g. a star and an unstar, can be known by no one (a snapshot sees
      // no difference), which is not what this fault is about. A product too far behind to catch up
      // within 5 minutes (e.g. killed again before each restart could work) skips the episode.
      const settleDeadline = Date.now() + 300_000;
      while (!covered(0) && Date.now() < settleDeadline) {
        await bringRetriesForward();
        await pause(250);
      }
      if (!covered(0)) {
        episode.skip();
        log(`chaos: did NOT expire the ${episode.what} of ${mailbox.instance.email}: its changes were not all delivered within 5 minutes`);
        mailbox.quiesced = false;
        return;
      }
      episode.expire(mailbox);
      const expiredAt = Date.now();
      episode.count();
      await episode.oneMoreOp(mailbox);
      const recoveryDeadline = Date.now() + 60_000;
      while (!covered(expiredAt) && Date.now() < recoveryDeadline) {
        await bringRetriesForward();
        await pause(250);
      }
      const recovered = covered(expiredAt);
      episode.recoveries.push(recovered ? Date.now() - expiredAt : null);
      log(`chaos: expired the ${episode.what} of ${mailbox.instance.email}; ${recovered ? `recovered in ${((Date.now() - expiredAt) / 1000).toFixed(1)} s` : 'NOT recovered within 60 s'}`);
      mailbox.quiesced = false;
    };
    const gmailMailboxes = mailboxes.filter((m): m is GmailMailbox => m.provider === 'gmail');
    const outlookMailboxes = mailboxes.filter((m): m is OutlookMailbox => m.provider === 'outlook');
    const expiries = gmailCount === 0 ? 0 : (options.historyExpiries ?? Math.max(1, Math.round(options.seconds / 120)));
    const historyExpirer = (async () => {
      for (let e = 0; e < expiries; e += 1) {
        await pause(streamStart + ((e + 0.5) / expiries) * options.seconds * 1000 * 0.8 - Date.now());
        await expireState({
          what: 'history',
          candidates: gmailMailboxes,
          expire: (mailbox) => em.control.expireHistory(mailbox.instance.email),
          oneMoreOp: (mailbox) => newMessage(mailbox, -1 - e),
          recoveries: faults.historyRecoveryMs,
          skip: () => (faults.historyExpiriesSkipped += 1),
          count: () => (faults.historyExpiries += 1),
        });
      }
    })();
    // Outlook's episodes come later in the run than Gmail's, so the two recoveries do not overlap.
    const deltaExpiries = ms === undefined ? 0 : (options.deltaExpiries ?? Math.max(1, Math.round(options.seconds / 120)));
    const deltaExpirer = (async () => {
      if (ms === undefined) return;
      for (let e = 0; e < deltaExpiries; e += 1) {
        await pause(streamStart + ((e + 0.75) / deltaExpiries) * options.seconds * 1000 * 0.8 - Date.now());
        await expireState({
          what: 'delta state',
          candidates: outlookMailboxes,
          expire: (mailbox) => ms.control.expireDeltaTokens(mailbox.instance.email),
          oneMoreOp: (mailbox) => newOutlookMessage(mailbox, -1 - e),
          recoveries: faults.deltaRecoveryMs,
          skip: () => (faults.deltaExpiriesSkipped += 1),
          count: () => (faults.deltaExpiries += 1),
        });
      }
    })();

    // --- Revoked grants: every grant of one mailbox (of either provider) revoked at Google or Microsoft
    // (the owner's too, who consents again); ops go on. When Changehook shows the instance invalid, the
    // user re-authenticates it.
    const revocations = options.grantRevocations ?? Math.max(1, Math.round(options.seconds / 150));
    const grantRevoker = (async () => {
      for (let r = 0; r < revocations; r += 1) {
        await pause(streamStart + ((r + 0.3) / revocations) * options.seconds * 1000 * 0.8 - Date.now());
        const mailbox = pick(mailboxes);
        const revokedAt = Date.now();
        if (mailbox.provider === 'gmail') em.control.revokeGrants(mailbox.instance.email);
        else ms!.control.revokeGrants(mailbox.instance.email);
        faults.grantRevocations += 1;
        faults.grantRevocationProviders.push(mailbox.provider);
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
        log(`chaos: revoked the grants of ${mailbox.instance.email} (${mailbox.provider}); ${invalid ? 'shown invalid' : 'NOT shown invalid within 30 s'}, ${reauthenticated ? 're-authenticated' : 'NOT re-authenticated'} after ${((Date.now() - revokedAt) / 1000).toFixed(1)} s`);
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

    await Promise.all([stream, killer, gmailFaults, outlookFaults, outages, grantRevoker]);
    const streamMs = Date.now() - streamStart;
    em.control.clearFaults();
    ms?.control.clearFaults();
    await Promise.all([historyExpirer, deltaExpirer]);
    em.control.clearFaults();
    ms?.control.clearFaults();
    while (restarts.size > 0) await Promise.all([...restarts]);
    log(`chaos: chaos over (${ops.length} ops, ${kills.length} kills, ${crashExits.length} crash exits); waiting for every op to be covered (at most ${drainMs / 1000} s)`);

    // --- The final wait: until every op is covered and the receiver has been idle for 3 s.
    const drainStart = Date.now();
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
      outlookInstances: outlookCount,
      opsByKind,
      outlookOpsByKind,
      verdict,
      kills: kills.map(({ killedAt: _k, ...kill }) => kill),
      killsByKind,
      crashExits,
      faults,
      retriesBroughtForward: broughtForward.size,
      outlookThrottled: {
        total: outlookMailboxes.reduce((n, m) => n + (ms?.control.throttleReport(m.instance.email).throttled ?? 0), 0),
        owners: outlookMailboxes.reduce((n, m) => n + m.owner.throttled, 0),
      },
      durationsMs: { setup: setupMs, stream: streamMs, drain: drainTook, total: Date.now() - startedAt },
      quiet,
      evidence: { ops, baselineObjects: [...baselineObjects], bodies: [...rx.bodies], productLogs: cl.logs() },
    };
  } finally {
    stopping = true;
    await cluster?.close().catch(() => undefined);
    await receiver?.close().catch(() => undefined);
    await emulator?.close().catch(() => undefined);
    await microsoftEmulator?.close().catch(() => undefined);
    await postgres?.destroy().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
