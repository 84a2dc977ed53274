// Outlook idle-poll throughput: how many idle polls per second Changehook's poll worker completes for
// Outlook Email instances (claim with a lease, the change feed through the hub — one Graph message delta
// request per watched folder —, commit of the unchanged cursor, release), against how many of the same
// delta requests a bare undici client makes to the same emulator at the same concurrency. Also what an
// idle poll costs in Graph requests, counted by the emulator.
// The emulator's throttle is lifted (quota-free) so the figures measure our code; the bench reports
// every 429 the emulator answered (throttle-aware: a non-zero count means the figures include retries).
// Target (DESIGN.md §6, as for Gmail): ratio >= 0.5; an idle poll = one delta request per watched folder
// (Graph's message delta is per folder): six by default, one with --folders inbox (the poll URL's
// `?folders=inbox`).
//
// Run: npx tsx bench/outlookIdlePoll.ts [--seconds 4] [--rounds 3] [--instances 512] [--concurrency 64] [--folders inbox]

import { parseArgs } from 'node:util';
import pino from 'pino';
import { Pool } from 'undici';
import { WATCHED_FOLDERS } from '../src/elements/outlook/hub/watchedFolders.ts';
import { PollWorker } from '../src/events/poller/pollWorker.ts';
import { startBenchServices } from './support/benchServices.ts';
import { startChildEmulator, startChildMicrosoftEmulator } from './support/childEmulator.ts';
import { interleavedRounds, median, report } from './support/report.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    instances: { type: 'string', default: '512' },
    concurrency: { type: 'string', default: '64' },
    folders: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const INSTANCES = Number(values.instances);
const CONCURRENCY = Number(values.concurrency);
const FOLDERS = values.folders === undefined ? WATCHED_FOLDERS : values.folders.split(',');
const POLL_URL = `/hubs/general/changed-messages${values.folders === undefined ? '' : `?folders=${values.folders}`}`;

const google = await startChildEmulator();
const emulator = await startChildMicrosoftEmulator();
const bench = await startBenchServices(google.baseUrl, { CHANGEHOOK_MICROSOFT_BASE_URL: emulator.baseUrl });
const { services } = bench;
const { db } = services.store;

interface GraphCall {
  method: string;
  path: string;
  mailbox?: string;
  status: number;
}
const graphCalls = async (mailbox?: string): Promise<GraphCall[]> =>
  ((await emulator.control('GET', `/calls${mailbox ? `?mailbox=${encodeURIComponent(mailbox)}` : ''}`)) as { calls: GraphCall[] }).calls;

try {
  const instances: { id: number; email: string }[] = [];
  for (let i = 0; i < INSTANCES; i += 1) {
    const email = `idle${i}@example.com`;
    await emulator.control('POST', '/mailboxes', { email });
    const instance = await bench.connectOutlook(email, {
      'event.notification.enabled': true,
      'event.notification.callback.url': 'http://127.0.0.1:9/unused',
      'event.poller.refresh_interval': '0.0167',
      'event.poller.configuration': { 'changed-messages': { url: POLL_URL, idField: 'id' } },
    });
    instances.push({ id: instance.id, email });
  }

  // Counts completed hub calls: an idle poll is exactly one.
  let calls = 0;
  const hubs = {
    async execute(...args: Parameters<typeof services.hubs.execute>) {
      const response = await services.hubs.execute(...args);
      calls += 1;
      return response;
    },
  };
  const pollWorker = (concurrency: number, idleWaitMs: number) =>
    new PollWorker({ db, hubs, elements: services.elements, logger: pino({ level: 'silent' }), pollingFailureLimit: 1e6, concurrency, idleWaitMs });
  const worker = pollWorker(CONCURRENCY, 5);
  worker.start();
  const allBaselined = async () =>
    (await db.selectFrom('poll_schedules').select('id').where('baseline_at', 'is', null).execute()).length === 0 &&
    (await db.selectFrom('poll_schedules').select('id').where('last_success_at', 'is', null).execute()).length === 0;
  while (!(await allBaselined())) await new Promise((r) => setTimeout(r, 50));
  await worker.stop();

  // What one idle poll asks of Graph, from the emulator's log: polls of one mailbox, nothing changed.
  const sample = instances[0]!;
  const schedule = await db.selectFrom('poll_schedules').selectAll().where('instance_id', '=', sample.id).executeTakeFirstOrThrow();
  await db.updateTable('poll_schedules').set({ next_run_at: 9e15 }).where('id', '!=', schedule.id).execute();
  const before = (await graphCalls(sample.email)).length;
  const IDLE = 10;
  for (let i = 0; i < IDLE; i += 1) {
    await db.updateTable('poll_schedules').set({ next_run_at: 0 }).where('id', '=', schedule.id).execute();
    const start = calls;
    const one = pollWorker(1, 5);
    one.start();
    while (calls === start) await new Promise((r) => setTimeout(r, 5));
    await one.stop();
  }
  const idleCalls = (await graphCalls(sample.email)).slice(before);
  const requestsPerIdlePoll = idleCalls.length / IDLE;
  const deltaPaths = [...new Set(idleCalls.map((c) => c.path))];
  if (!deltaPaths.every((p) => p.endsWith('/messages/delta'))) throw new Error(`an idle poll made other calls than message delta: ${deltaPaths.join(', ')}`);

  // The bare client: each mailbox's delta links, obtained as any Graph client would (an initial round per
  // watched folder, followed to its deltaLink), then called over and over like idle polls.
  const tokens = await Promise.all(instances.map((i) => services.tokens.accessToken(i.id)));
  const pool = new Pool(emulator.baseUrl, { connections: CONCURRENCY });
  const get = async (pathAndQuery: string, token: string) => {
    const response = await pool.request({ method: 'GET', path: pathAndQuery, headers: { authorization: `Bearer ${token}` } });
    const body = (await response.body.json()) as Record<string, unknown>;
    if (response.statusCode !== 200) throw new Error(`bare client: ${pathAndQuery} answered ${response.statusCode}`);
    return body;
  };
  const deltaLinks: string[][] = [];
  for (const token of tokens) {
    const links: string[] = [];
    for (const path of deltaPaths) {
      let page = await get(`${path}?$select=id`, token);
      while (typeof page['@odata.nextLink'] === 'string') page = await get(relative(page['@odata.nextLink']), token);
      links.push(relative(String(page['@odata.deltaLink'])));
    }
    deltaLinks.push(links);
  }
  async function bareRound(): Promise<number> {
    let polls = 0;
    let next = 0;
    const deadline = performance.now() + SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < deadline) {
          const i = next++ % tokens.length;
          // One idle poll's worth: every watched folder's delta link of the mailbox.
          for (const link of deltaLinks[i]!) await get(link, tokens[i]!);
          polls += 1;
        }
      }),
    );
    return polls / ((performance.now() - started) / 1000);
  }

  await db.updateTable('poll_schedules').set({ next_run_at: 0 }).execute();
  async function productRound(): Promise<number> {
    const keepDue = setInterval(
      () =>
        void db
          .updateTable('poll_schedules')
          .set({ next_run_at: 0 })
          .where('lease_owner', 'is', null)
          .where('next_run_at', '>', 0)
          .execute()
          .catch(() => undefined),
      10,
    );
    const measured = pollWorker(CONCURRENCY, 1);
    const start = calls;
    const started = performance.now();
    measured.start();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    await measured.stop();
    clearInterval(keepDue);
    return (calls - start) / ((performance.now() - started) / 1000);
  }

  const { bare, product } = await interleavedRounds(ROUNDS, bareRound, productRound);
  await pool.close();
  const throttled = (await graphCalls()).filter((c) => c.status === 429).length;

  const ratio = median(product) / median(bare);
  report(
    `outlook-idle-poll-${services.store.dialect}`,
    [
      { figure: `bare undici message delta, ${deltaPaths.length} folder(s) per poll (median polls/s)`, value: median(bare).toFixed(0) },
      { figure: 'Changehook idle polls (median polls/s)', value: median(product).toFixed(0) },
      { figure: 'ratio', value: ratio.toFixed(2), target: '>= 0.50', met: ratio >= 0.5 },
      { figure: `Graph requests per idle poll (${FOLDERS.length} watched folder(s))`, value: requestsPerIdlePoll.toFixed(2), target: `= ${FOLDERS.length}`, met: requestsPerIdlePoll === FOLDERS.length },
      { figure: 'requests Graph throttled (429) during the run', value: String(throttled) },
    ],
    { bare, product, instances: INSTANCES, concurrency: CONCURRENCY, seconds: SECONDS, store: services.store.dialect, pollUrl: POLL_URL, deltaPaths },
  );
} finally {
  await bench.close();
  await emulator.close();
  await google.close();
}

/** A link Graph returned (absolute, on the emulator's origin) as a path with its query. */
function relative(link: unknown): string {
  const url = new URL(String(link));
  return `${url.pathname}${url.search}`;
}
