// Delivery throughput: notifications per second the dispatcher delivers (claim with a lease, sign,
// POST, record the attempt, mark DELIVERED) against a bare undici client POSTing the same bodies (no
// signing, no bookkeeping: the physical limit) to the same receiver at the same concurrency. The
// receiver runs in its own process and counts what it got by unique webhook-id: a round ends when the
// RECEIVER has every notification, not when our rows say so. It answers 200 at once, or after
// --receiver-latency-ms (a slow receiver: then the per-origin concurrency bounds the rate, at 50 ms
// an answer N in flight allow at most N × 20 notifications/s).
// Target (DESIGN.md §6): ratio >= 0.5.
//
// Run: npx tsx bench/delivery.ts [--notifications 2000] [--rounds 3] [--concurrency 8]
//      npx tsx bench/delivery.ts --receiver-latency-ms 50 [--concurrency 4,8,32] [--notifications N]
//      (a slow receiver gets 50 notifications per request it may have in flight, unless --notifications)

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Pool } from 'undici';
import { DEFAULT_PER_ORIGIN_CONCURRENCY, DeliveryWorker } from '../src/events/delivery/deliveryWorker.ts';
import { buildNotification } from '../src/events/delivery/notificationEnvelope.ts';
import { startBenchServices } from './support/benchServices.ts';
import { startChildEmulator } from './support/childEmulator.ts';
import { interleavedRounds, median, report, type Row } from './support/report.ts';

const { values } = parseArgs({
  options: {
    notifications: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string' },
    'receiver-latency-ms': { type: 'string', default: '0' },
  },
});
const ROUNDS = Number(values.rounds);
const LATENCY_MS = Number(values['receiver-latency-ms']);
// The dispatcher sends at most this many requests at once to one callback origin (its per-origin limit):
// by default the product's own, and for a slow receiver also the old fixed 4 and 32.
const CONCURRENCIES = (values.concurrency ?? (LATENCY_MS > 0 ? `4,${DEFAULT_PER_ORIGIN_CONCURRENCY},32` : String(DEFAULT_PER_ORIGIN_CONCURRENCY))).split(',').map(Number);
if (!(LATENCY_MS >= 0) || CONCURRENCIES.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--receiver-latency-ms must be >= 0 and --concurrency a list of positive integers');
const countFor = (concurrency: number) => (values.notifications ? Number(values.notifications) : LATENCY_MS > 0 ? concurrency * 50 : 2000);

// Counts notifications by webhook-id when it answers; GET /__received tells how many, POST /__reset forgets.
const RECEIVER = `
  const http = require('node:http');
  const latency = Number(process.env.RECEIVER_LATENCY_MS);
  let seen = new Set();
  const server = http.createServer((req, res) => {
    if (req.url === '/__received') return res.end(JSON.stringify({ unique: seen.size }));
    if (req.url === '/__reset') { seen = new Set(); return res.end('{}'); }
    req.resume();
    req.on('end', () => {
      const answer = () => { seen.add(req.headers['webhook-id']); res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); };
      if (latency > 0) setTimeout(answer, latency); else answer();
    });
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => console.log('receiver on http://127.0.0.1:' + server.address().port + '/hooks'));
`;

const receiver = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RECEIVER_LATENCY_MS: String(LATENCY_MS) } });
const receiverUrl = await new Promise<string>((resolve) => {
  receiver.stdout!.setEncoding('utf8');
  receiver.stdout!.on('data', (chunk: string) => {
    const match = /receiver on (\S+)/.exec(chunk);
    if (match) resolve(match[1]!);
  });
});
const emulator = await startChildEmulator();
const bench = await startBenchServices(emulator.baseUrl);
const { services } = bench;
const { db } = services.store;

try {
  await emulator.control('POST', '/mailboxes', { email: 'delivery@example.com' });
  const instance = await bench.connect('delivery@example.com', {
    'event.notification.enabled': true,
    'event.notification.callback.url': receiverUrl,
    'event.notification.signature.key': 'bench-signature-key',
  });
  const row = await db.selectFrom('instances').selectAll().where('id', '=', instance.id).executeTakeFirstOrThrow();

  // Realistic bodies: ten events of Gmail-sized records each.
  let serial = 0;
  function notification() {
    const events = Array.from({ length: 10 }, () => {
      serial += 1;
      return {
        id: `00000000-0000-5000-8000-${String(serial).padStart(12, '0')}`,
        sequence: serial,
        instanceId: instance.id,
        objectType: 'changed-messages',
        objectId: `18c${serial.toString(16)}`,
        eventType: 'CREATED' as const,
        date: new Date(),
        record: { id: `18c${serial.toString(16)}`, threadId: 't1', labelIds: ['INBOX', 'UNREAD'], snippet: 'Hello there, this is a message body snippet of ordinary length for a benchmark', historyId: String(1000 + serial), internalDate: String(Date.now()), from: 'alice@example.com', to: 'delivery@example.com', subject: 'Benchmark message' },
      };
    });
    return buildNotification({
      instance: { id: instance.id, name: 'bench', elementKey: 'gmail', hubKey: 'general', tags: [], accountId: 1, companyId: 1, userId: 1, user: 'bench@localhost' },
      events,
      pollDate: new Date(),
      createdDate: new Date(),
    });
  }

  const control = new Pool(new URL(receiverUrl).origin, { connections: 1 });
  async function receivedCount(): Promise<number> {
    const response = await control.request({ method: 'GET', path: '/__received' });
    return ((await response.body.json()) as { unique: number }).unique;
  }
  async function resetReceiver(): Promise<void> {
    await (await control.request({ method: 'POST', path: '/__reset' })).body.text();
  }

  async function productRound(count: number, concurrency: number): Promise<number> {
    await resetReceiver();
    const built = Array.from({ length: count }, notification);
    const now = Date.now();
    for (let i = 0; i < built.length; i += 200) {
      await db
        .insertInto('notifications')
        .values(built.slice(i, i + 200).map((n) => ({
          id: n.id, instance_id: instance.id, organization_id: row.organization_id, object_type: 'changed-messages', payload: n.payload,
          status: 'NEW' as const, next_attempt_at: now, lease_owner: null, lease_until: null, last_status_code: null, last_error: null, created_at: now, delivered_at: null,
        })))
        .execute();
    }
    const worker = new DeliveryWorker({
      db, keyring: services.keyring, logger: pino({ level: 'silent' }),
      allowPrivateCallbacks: true, perOriginConcurrency: concurrency, concurrency: concurrency * 4, idleWaitMs: 1,
    });
    const started = performance.now();
    worker.start();
    const deadline = Date.now() + 600_000;
    // Done when the receiver has answered every notification (asked of its process, so it costs ours little).
    while ((await receivedCount()) < count) {
      if (Date.now() > deadline) throw new Error('the receiver did not get every notification within 10 minutes');
      await new Promise((r) => setTimeout(r, 10));
    }
    const elapsed = (performance.now() - started) / 1000;
    await worker.stop();
    await db.deleteFrom('notifications').execute();
    return count / elapsed;
  }

  async function bareRound(count: number, concurrency: number): Promise<number> {
    await resetReceiver();
    const pool = new Pool(new URL(receiverUrl).origin, { connections: concurrency });
    const bodies = Array.from({ length: count }, notification);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < bodies.length; i = next++) {
          const n = bodies[i]!;
          const response = await pool.request({
            method: 'POST',
            path: new URL(receiverUrl).pathname,
            headers: { 'content-type': 'application/json', 'webhook-id': n.id },
            body: n.payload,
          });
          await response.body.text();
        }
      }),
    );
    const rate = count / ((performance.now() - started) / 1000);
    await pool.close();
    const got = await receivedCount();
    if (got !== count) throw new Error(`the receiver counted ${got} of ${count} bare POSTs`);
    return rate;
  }

  const rows: Row[] = [];
  const runs: Record<string, unknown>[] = [];
  for (const concurrency of CONCURRENCIES) {
    const count = countFor(concurrency);
    const { bare, product } = await interleavedRounds(ROUNDS, () => bareRound(count, concurrency), () => productRound(count, concurrency));
    const ratio = median(product) / median(bare);
    const ceiling = LATENCY_MS > 0 ? `, ceiling ${Math.round((concurrency * 1000) / LATENCY_MS)}/s` : '';
    rows.push(
      { figure: `bare undici POST of the same bodies (median/s, ${concurrency} in flight${ceiling})`, value: median(bare).toFixed(0) },
      { figure: `Changehook deliveries (median notifications/s, ${concurrency} per origin)`, value: median(product).toFixed(0) },
      { figure: `ratio at ${concurrency}`, value: ratio.toFixed(2), target: '>= 0.50', met: ratio >= 0.5 },
    );
    runs.push({ concurrency, notifications: count, bare, product });
  }
  await control.close();
  report(LATENCY_MS > 0 ? 'delivery-slow-receiver' : 'delivery', rows, { receiverLatencyMs: LATENCY_MS, rounds: ROUNDS, runs });
} finally {
  await bench.close();
  await emulator.close();
  receiver.kill('SIGTERM');
  await once(receiver, 'exit');
}
