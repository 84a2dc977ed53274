// Delivery throughput: notifications per second the dispatcher delivers (claim with a lease, sign,
// POST, record the attempt, mark DELIVERED) against a bare undici client POSTing the same bodies (no
// signing, no bookkeeping: the physical limit) to the same receiver at the same concurrency. The receiver runs in its own process and answers 200 at once.
// Target (DESIGN.md §6): ratio >= 0.5.
//
// Run: npx tsx bench/delivery.ts [--notifications 2000] [--rounds 3] [--concurrency 4]

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Pool } from 'undici';
import { DeliveryWorker } from '../src/events/delivery/deliveryWorker.ts';
import { buildNotification } from '../src/events/delivery/notificationEnvelope.ts';
import { startBenchServices } from './support/benchServices.ts';
import { startChildEmulator } from './support/childEmulator.ts';
import { interleavedRounds, median, report } from './support/report.ts';

const { values } = parseArgs({
  options: {
    notifications: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
  },
});
const COUNT = Number(values.notifications);
const ROUNDS = Number(values.rounds);
// The dispatcher sends at most this many requests at once to one callback origin (its per-callback limit).
const CONCURRENCY = Number(values.concurrency);

const RECEIVER = `
  const http = require('node:http');
  const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); }); });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => console.log('receiver on http://127.0.0.1:' + server.address().port + '/hooks'));
`;

const receiver = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
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

  async function productRound(): Promise<number> {
    const built = Array.from({ length: COUNT }, notification);
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
      db, dialect: services.store.dialect, keyring: services.keyring, logger: pino({ level: 'silent' }),
      allowPrivateCallbacks: true, perCallbackConcurrency: CONCURRENCY, concurrency: CONCURRENCY * 4, idleWaitMs: 1,
    });
    const started = performance.now();
    worker.start();
    for (;;) {
      // Uses the (status, next_attempt_at) index, so watching costs the product little.
      const pending = await db.selectFrom('notifications').select('id').where('status', 'in', ['NEW', 'RETRYING']).limit(1).execute();
      if (pending.length === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const elapsed = (performance.now() - started) / 1000;
    await worker.stop();
    await db.deleteFrom('notifications').execute();
    return COUNT / elapsed;
  }

  const pool = new Pool(new URL(receiverUrl).origin, { connections: CONCURRENCY });
  async function bareRound(): Promise<number> {
    const bodies = Array.from({ length: COUNT }, notification);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < bodies.length; i = next++) {
          const n = bodies[i]!;
          const response = await pool.request({
            method: 'POST',
            path: new URL(receiverUrl).pathname,
            headers: { 'content-type': 'application/json' },
            body: n.payload,
          });
          await response.body.text();
        }
      }),
    );
    return COUNT / ((performance.now() - started) / 1000);
  }

  const { bare, product } = await interleavedRounds(ROUNDS, bareRound, productRound);
  await pool.close();
  const ratio = median(product) / median(bare);
  report(
    'delivery',
    [
      { figure: `bare undici POST of the same bodies (median/s, ${CONCURRENCY} in flight)`, value: median(bare).toFixed(0) },
      { figure: 'Changehook deliveries (median notifications/s)', value: median(product).toFixed(0) },
      { figure: 'ratio', value: ratio.toFixed(2), target: '>= 0.50', met: ratio >= 0.5 },
    ],
    { bare, product, notifications: COUNT, concurrency: CONCURRENCY },
  );
} finally {
  await bench.close();
  await emulator.close();
  receiver.kill('SIGTERM');
  await once(receiver, 'exit');
}
