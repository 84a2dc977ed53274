// Change → webhook latency: the whole product in one process (API, poller, dispatcher; the emulator in
// its own process) at the sandbox's shortest interval (1 s). Messages arrive at random moments; the
// receiver notes when each one's CREATED event lands. Target (DESIGN.md §6): p99 <= interval + 1 s.
//
// Run: npx tsx bench/latency.ts [--messages 40] [--seconds 20]

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../emulators/google/index.ts';
import { startServer } from '../src/cli/serve.ts';
import { loadConfig } from '../src/config/index.ts';
import { startChildEmulator } from './support/childEmulator.ts';
import { median, percentile, report } from './support/report.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '40' }, seconds: { type: 'string', default: '20' } } });
const MESSAGES = Number(values.messages);
const SECONDS = Number(values.seconds);
const INTERVAL_MS = 1000;

const arrivals = new Map<string, number>();
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message: { events: { objectId: string }[] } };
    for (const event of body.message.events) if (!arrivals.has(event.objectId)) arrivals.set(event.objectId, Date.now());
    res.end('{}');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

const emulator = await startChildEmulator();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-latency-'));
const orgSecret = crypto.randomBytes(16).toString('hex');
const userSecret = crypto.randomBytes(16).toString('hex');
const server = await startServer(
  loadConfig({ PORT: '0', CHANGEHOOK_DATA_DIR: dataDir, CHANGEHOOK_SANDBOX: '1', CHANGEHOOK_GOOGLE_BASE_URL: emulator.baseUrl, CHANGEHOOK_ORG_SECRET: orgSecret, CHANGEHOOK_USER_SECRET: userSecret, LOG_LEVEL: 'silent' }),
  'serve',
);

try {
  const email = 'latency@example.com';
  await emulator.control('POST', '/mailboxes', { email });
  const { services } = server;
  const caller = await services.tenants.authenticate({ user: userSecret, organization: orgSecret }, { requireOrganization: true });
  const { code } = await approveConsent(services.elements.oauthUrl(services.elements.get('gmail'), { apiKey: SANDBOX_CLIENT_ID, callbackUrl: 'https://bench.example.com/cb' }), email);
  const instance = await services.instances.create(caller, {
    element: { key: 'gmail' },
    providerData: { code },
    name: 'latency',
    configuration: {
      'oauth.api.key': SANDBOX_CLIENT_ID,
      'oauth.api.secret': SANDBOX_CLIENT_SECRET,
      'oauth.callback.url': 'https://bench.example.com/cb',
      'event.notification.enabled': true,
      'event.notification.callback.url': receiverUrl,
      'event.poller.refresh_interval': String(INTERVAL_MS / 60_000),
    },
  });
  const baselined = async () => (await services.store.db.selectFrom('poll_schedules').select('baseline_at').where('instance_id', '=', instance.id).executeTakeFirst())?.baseline_at;
  while (!(await baselined())) await new Promise((r) => setTimeout(r, 20));

  const sentAt = new Map<string, number>();
  for (let i = 0; i < MESSAGES; i += 1) {
    await new Promise((r) => setTimeout(r, Math.random() * ((2 * SECONDS * 1000) / MESSAGES)));
    const at = Date.now();
    const message = (await emulator.control('POST', `/mailboxes/${encodeURIComponent(email)}/messages`, { subject: `latency ${i}` })) as { id: string };
    sentAt.set(message.id, at);
  }
  const deadline = Date.now() + 30_000;
  while ([...sentAt.keys()].some((id) => !arrivals.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const latencies = [...sentAt].filter(([id]) => arrivals.has(id)).map(([id, at]) => arrivals.get(id)! - at);
  const lost = sentAt.size - latencies.length;
  const p99 = percentile(latencies, 99);
  report(
    'latency',
    [
      { figure: 'messages', value: `${sentAt.size} (${lost} not delivered within 30 s)` },
      { figure: 'poll interval', value: `${INTERVAL_MS} ms` },
      { figure: 'change → webhook p50', value: `${median(latencies)} ms` },
      { figure: 'change → webhook p99', value: `${p99} ms`, target: `<= ${INTERVAL_MS + 1000} ms`, met: lost === 0 && p99 <= INTERVAL_MS + 1000 },
      { figure: 'change → webhook max', value: `${Math.max(...latencies)} ms` },
    ],
    { latencies, intervalMs: INTERVAL_MS },
  );
} finally {
  await server.close();
  await emulator.close();
  receiver.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
