// Generative fuzzing of every route the server documents in its OpenAPI document (read from the running
// server, so a new route is fuzzed without touching this file), plus the undocumented GET
// /oauth/callback, on SQLite and PostgreSQL. Requests mix well-formed and hostile path parameters,
// query strings, Authorization headers and bodies (test/support/apiFuzzArbitraries.ts). Checked for
// every answer: never a 5xx, and every 4xx of the API is the JSON error body {requestId, message}.
//
// The run first sends every request and collects all distinct findings (one failing request does not
// hide the next), then replays each finding with fast-check to shrink it, prints them and fails.
//
//   CHANGEHOOK_FUZZ_RUNS=<n>    requests per store (default 3000), e.g. 50000 for a long run
//   CHANGEHOOK_FUZZ_SEED=<n>    replay the run a report printed ("seed …"); `random` for a new seed each
//                               run (the default is a fixed seed, so the suite gives the same verdict twice)

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { Pool } from 'undici';
import { TenantService } from '../../src/tenants/index.ts';
import { testDialects, type TestDialect } from '../support/databases.ts';
import { describeRequest, excerpt, type FuzzOperation, type FuzzRequest, type FuzzTargets, fuzzOperations, type OpenApiDocument, requestArbitrary } from '../support/apiFuzzArbitraries.ts';
import { apiCall, authorizationCode, createInstance, OAUTH_CALLBACK, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startTestApp, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const DEFAULT_RUNS = 3000;
const MAX_SHRUNK_FINDINGS = 12;
const SHRINK_TIME_LIMIT_MS = 10_000;

function integerFromEnv(name: string, min: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, got "${raw}"`);
  return value;
}

const RUNS = integerFromEnv('CHANGEHOOK_FUZZ_RUNS', 1) ?? DEFAULT_RUNS;
const DEFAULT_SEED = 20_261_130;
const SEED = process.env.CHANGEHOOK_FUZZ_SEED === 'random' ? Math.floor(Math.random() * 0x7fffffff) : (integerFromEnv('CHANGEHOOK_FUZZ_SEED', 0) ?? DEFAULT_SEED);

/** The page the server answers Google's redirect with; not in the OpenAPI document. */
const OAUTH_CALLBACK_ROUTE: FuzzOperation = {
  method: 'GET',
  route: '/oauth/callback',
  pathParams: [],
  query: ['code', 'state', 'error'].map((name) => ({ name, schema: { type: 'string' } })),
  auth: 'none',
};

// ---------------------------------------------------------------------------------------------------
// The server's log: the cause of a 500 is logged under the request id its body names

class ServerLog {
  readonly byRequestId = new Map<string, string>();
  readonly outsideRequests: string[] = [];

  write(line: string): void {
    let entry: { level?: number; reqId?: string; msg?: string; err?: { type?: string; message?: string; stack?: string } };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    const frame = entry.err?.stack?.split('\n').find((l) => l.includes('/src/'));
    const cause = [entry.err?.type, entry.err?.message ?? entry.msg].filter(Boolean).join(': ') + (frame ? ` ${frame.trim()}` : '');
    if (entry.reqId) this.byRequestId.set(entry.reqId, cause);
    else if ((entry.level ?? 0) >= 50 && this.outsideRequests.length < 50) this.outsideRequests.push(cause);
  }
}

/** Sends the server's log (level warn and up) here instead of stdout; pino children share the stream. */
function captureServerLog(app: TestApp): ServerLog {
  const log = new ServerLog();
  const logger = app.server.services.logger as unknown as Record<symbol, unknown>;
  logger[pino.symbols.streamSym] = { write: (line: string) => log.write(line) };
  return log;
}

// ---------------------------------------------------------------------------------------------------
// The fixture: a server with real instances, messages, labels, drafts and events to aim at

interface FuzzFixture {
  app: TestApp;
  operations: FuzzOperation[];
  targets: FuzzTargets;
  serverLog: ServerLog;
  close(): Promise<void>;
}

async function startFuzzFixture(dialect: TestDialect): Promise<FuzzFixture> {
  // The sandbox allows a 1-second polling interval, so real events exist before the fuzzing starts.
  const app = await startTestApp(dialect, { CHANGEHOOK_SANDBOX: '1', LOG_LEVEL: 'warn', CHANGEHOOK_RATE_LIMIT_PER_MINUTE: '1000000' });
  const serverLog = captureServerLog(app);
  const receiver = await new WebhookReceiver().start();
  app.emulator.control.setQuotaLimits({ unitsPerSecond: 1_000_000, maxConcurrentRequests: 10_000 });
  const other = await new TenantService(app.server.services.store.db).createOrganization({ name: 'Fuzz neighbour', userEmail: 'neighbour@localhost' });

  const mailbox = 'fuzz@example.com';
  const primary = await createInstance(app, mailbox, {
    configuration: {
      'event.notification.callback.url': receiver.url,
      'event.poller.refresh_interval': '0.0167',
      'event.poller.configuration': {
        'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' },
        messages: { url: '/hubs/general/messages', idField: 'id' },
      },
    },
  });
  const others = [];
  for (const email of ['fuzz-mutable@example.com', 'fuzz-doomed-1@example.com', 'fuzz-doomed-2@example.com']) others.push(await createInstance(app, email));
  await waitFor(async () => {
    const shown = await apiCall(app, 'GET', `/instances/${primary.id}`);
    const resources: { baselineDate: string | null }[] = shown.body?.eventsPolling?.resources ?? [];
    return resources.length > 0 && resources.every((r) => r.baselineDate);
  }, 'the baseline polls');

  const delivered = [];
  for (let i = 0; i < 8; i += 1) {
    delivered.push(
      await app.emulator.control.deliverMessage(mailbox, {
        from: 'bob@example.com',
        subject: `fuzz ${i}`,
        text: `text ${i}`,
        attachments: [{ filename: `a${i}.txt`, contentType: 'text/plain', content: Buffer.from(`attachment ${i}`) }],
      }),
    );
  }
  const hub = (method: string, path: string, body?: unknown) => apiCall({ api: app.api, auth: `${app.auth}, Element ${primary.token}` }, method, `/hubs/general${path}`, body);
  // Several of each: the fuzzing deletes some early, and later requests should still find one.
  const labels = [];
  for (let i = 0; i < 4; i += 1) labels.push(await hub('POST', '/labels', { name: `fuzz-label-${i}` }));
  const drafts = [];
  for (let i = 0; i < 6; i += 1) drafts.push(await hub('POST', '/drafts', { to: 'carol@example.com', subject: `draft ${i}`, body: 'draft text' }));
  const message = await hub('GET', `/messages/${delivered[0]!.id}?includeBody=true`);
  const messagePage = await hub('GET', '/messages?pageSize=1');
  const feed = await hub('GET', '/changed-messages');
  for (const [what, response] of Object.entries({ label: labels[3]!, draft: drafts[5]!, message, messagePage, feed })) {
    if (response.status >= 300) throw new Error(`fixture ${what}: ${response.status} ${JSON.stringify(response.body)}`);
  }
  const events = await waitFor(async () => {
    const listed = await apiCall(app, 'GET', '/instances/events?pageSize=2');
    return listed.status === 200 && listed.body.length === 2 ? listed : undefined;
  }, 'the first events');
  const codes = [];
  for (let i = 0; i < 6; i += 1) codes.push(await authorizationCode(app, `fuzz-code-${i}@example.com`));
  const elements = (await apiCall(app, 'GET', '/elements')).body as { id: number; key: string }[];

  const document = (await (await fetch(`${app.url}/docs/json`)).json()) as OpenApiDocument;
  const operations = fuzzOperations(document, [OAUTH_CALLBACK_ROUTE]);

  const [keptLabel, ...otherLabels] = labels.map((response) => String(response.body.id));
  const labelIds = ['INBOX', 'STARRED', 'UNREAD', 'TRASH', 'SENT', keptLabel!, ...otherLabels];
  // The first two messages (one holds the attachments fuzzed), a label and a draft are only read.
  const [keptMessages, messages] = [delivered.slice(0, 2), delivered.slice(2)];
  const [keptDraft, ...otherDrafts] = drafts.map((response) => String(response.body.id));
  const emails = ['bob@example.com', 'Carol <carol@example.com>', 'a@b', 'x, y@example.com', '', 'not an address'];
  const targets: FuzzTargets = {
    credentials: { user: app.userSecret, organization: app.orgSecret },
    otherCredentials: { user: other.userSecret, organization: other.organizationSecret },
    elementTokens: [primary.token, ...others.map((instance) => instance.token)],
    ids: {
      instances: others.map((instance) => String(instance.id)),
      messages: messages.map((m) => m.id),
      threads: messages.map((m) => m.threadId),
      labels: ['INBOX', 'STARRED', 'TRASH', ...otherLabels],
      drafts: otherDrafts,
      attachments: (message.body.attachments ?? []).map((a: { attachmentId: string }) => a.attachmentId),
      events: events.body.map((event: { id: string }) => event.id),
      elements: elements.flatMap((element) => [element.key, String(element.id)]),
    },
    keep: {
      instances: [String(primary.id)],
      messages: keptMessages.map((m) => m.id),
      threads: keptMessages.map((m) => m.threadId),
      labels: [keptLabel!],
      drafts: [keptDraft!],
    },
    values: {
      // Query parameters
      apiKey: [SANDBOX_CLIENT_ID, 'unknown-client'],
      apiSecret: [SANDBOX_CLIENT_SECRET],
      callbackUrl: [OAUTH_CALLBACK],
      state: ['gmail'],
      nextPage: [events.headers.get('elements-next-page-token'), messagePage.headers.get('elements-next-page-token')].filter((token): token is string => !!token),
      cursor: [feed.headers.get('elements-next-cursor')].filter((cursor): cursor is string => !!cursor),
      objectType: ['changed-messages', 'messages'],
      pageSize: ['1', '2', '50', '500'],
      'tags[]': ['Docs', 'fuzz'],
      error: ['access_denied'],
      // Body fields (for arrays: their items)
      key: ['gmail'],
      id: elements.map((element) => element.id),
      code: [...codes, 'not-a-code'],
      'oauth.api.key': [SANDBOX_CLIENT_ID],
      'oauth.api.secret': [SANDBOX_CLIENT_SECRET],
      'oauth.callback.url': [OAUTH_CALLBACK],
      'event.notification.enabled': [true, false, 'true'],
      'event.notification.callback.url': [receiver.url, 'http://mycoolapp.com'],
      'event.notification.signature.key': ['fuzz-signature-key'],
      'event.poller.refresh_interval': ['15', 15, '0.0167', '1'],
      'event.poller.configuration': [
        { '/changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
        { labels: { url: '/hubs/general/labels', idField: 'id' } },
        JSON.stringify({ messages: { url: '/hubs/general/messages', idField: 'id' } }),
        { messages: { url: '/hubs/general/messages?where=x', idField: 'nope', datesConfiguration: { updatedDateField: 'date', updatedDateFormat: 'yyyy' } } },
      ],
      tags: ['Docs', 'fuzz'],
      name: ['Fuzz instance', 'fuzz-label-new'],
      to: emails,
      cc: emails,
      bcc: emails,
      subject: ['Hello', ''],
      body: ['Some text'],
      html: ['<p>Hi</p>'],
      threadId: delivered.map((m) => m.threadId),
      addLabelIds: labelIds,
      removeLabelIds: labelIds,
      ids: delivered.map((m) => m.id),
      filename: ['a.txt'],
      mimeType: ['text/plain'],
      data: ['aGVsbG8=', '!!!'],
      textColor: ['#000000', 'red'],
      backgroundColor: ['#ffffff'],
    },
    // Enough that some addresses reach the failed-authentication limit (429) and others do not.
    strangerAddresses: Array.from({ length: Math.min(250, Math.max(8, Math.round(RUNS / 150))) }, (_, i) => `127.0.1.${i + 1}`),
    callerAddress: '127.0.0.1',
  };
  return {
    app,
    operations,
    targets,
    serverLog,
    async close() {
      await app.close();
      await receiver.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Sending and judging

interface Answer {
  status: number;
  text: string;
  /** Set when no HTTP answer came (connection closed, timeout). */
  error?: string;
}

class Sender {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly origin: string) {}

  async send(request: FuzzRequest): Promise<Answer> {
    let pool = this.pools.get(request.localAddress);
    if (!pool) {
      // One pool per source address: the server slows failed authentication per address.
      pool = new Pool(this.origin, { localAddress: request.localAddress, headersTimeout: 30_000, bodyTimeout: 30_000 });
      this.pools.set(request.localAddress, pool);
    }
    try {
      const response = await pool.request({ path: request.path, method: request.method, headers: request.headers, ...(request.body !== undefined ? { body: request.body } : {}) });
      return { status: response.statusCode, text: await response.body.text() };
    } catch (error) {
      return { status: 0, text: '', error: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }
}

/** What is wrong with an answer, or undefined. */
function problemWith(request: FuzzRequest, answer: Answer): string | undefined {
  if (answer.error !== undefined) return `no answer (${answer.error})`;
  if (answer.status >= 500) return `${answer.status}`;
  if (answer.status < 400 || request.operation.auth === 'none' || request.method === 'HEAD') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `${answer.status} without a JSON body`;
  }
  const { requestId, message } = (body ?? {}) as { requestId?: unknown; message?: unknown };
  if (typeof requestId !== 'string' || typeof message !== 'string' || message === '') return `${answer.status} without {requestId, message}`;
  return undefined;
}

/** A 4xx message with the caller's values taken out, so "got '5'" and "got '6'" count once. */
function normalizedMessage(message: string): string {
  return message
    .replace(/'[^']*'|"[^"]*"/g, '…')
    .replace(/\/\S*/g, '/…')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, 'UUID')
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N');
}

function frameworkErrorCode(answer: Answer): string | undefined {
  try {
    const body = JSON.parse(answer.text) as { code?: unknown; requestId?: unknown };
    return typeof body?.code === 'string' && body.requestId === undefined ? body.code : undefined;
  } catch {
    return undefined;
  }
}

function requestIdOf(answer: Answer): string | undefined {
  try {
    const body = JSON.parse(answer.text) as { requestId?: unknown };
    return typeof body?.requestId === 'string' ? body.requestId : undefined;
  } catch {
    return undefined;
  }
}

interface Finding {
  key: string;
  runIndex: number;
  request: FuzzRequest;
  answer: Answer;
  cause?: string;
  count: number;
  shrunk?: string;
}

interface Observation {
  problem?: string;
  key?: string;
  cause?: string;
}

function observe(fixture: FuzzFixture, request: FuzzRequest, answer: Answer): Observation {
  const problem = problemWith(request, answer);
  if (!problem) return {};
  const requestId = requestIdOf(answer);
  const cause = requestId ? fixture.serverLog.byRequestId.get(requestId) : undefined;
  // Distinct by route, problem and the logged cause (its first line, values taken out); an answer of
  // Fastify's own (it names a code such as FST_ERR_BAD_URL) is one finding whatever the route.
  const frameworkCode = frameworkErrorCode(answer);
  const key = frameworkCode
    ? `any route → ${problem} (${frameworkCode})`
    : `${request.method} ${request.operation.route} → ${problem}${cause ? ` | ${normalizedMessage(cause.split(' at ')[0] ?? cause)}` : ''}`;
  return { problem, key, ...(cause ? { cause } : {}) };
}

class FuzzStats {
  requests = 0;
  callerRequests = 0;
  pastAuthentication = 0;
  readonly statuses = new Map<number, number>();
  readonly messages = new Map<string, number>();
  readonly routesPastAuthentication = new Set<string>();
  readonly routesWith2xx = new Set<string>();
  fiveXx = 0;

  record(request: FuzzRequest, answer: Answer): void {
    this.requests += 1;
    if (request.lane === 'caller') this.callerRequests += 1;
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    const route = `${request.operation.method} ${request.operation.route}`;
    if (answer.status !== 0 && answer.status !== 401 && answer.status !== 429) {
      this.pastAuthentication += 1;
      this.routesPastAuthentication.add(route);
    }
    if (answer.status >= 200 && answer.status < 300 && request.method === request.operation.method) this.routesWith2xx.add(route);
    if (answer.status >= 500) this.fiveXx += 1;
    if (answer.status >= 400 && answer.status < 500 && request.operation.auth !== 'none') {
      try {
        const { message } = JSON.parse(answer.text) as { message?: unknown };
        if (typeof message === 'string') {
          const normalized = normalizedMessage(message);
          this.messages.set(normalized, (this.messages.get(normalized) ?? 0) + 1);
        }
      } catch {
        // counted as a finding by problemWith
      }
    }
  }
}

function report(dialect: TestDialect, seed: number, findings: Finding[], targets: FuzzTargets): string {
  const lines = [`${findings.length} distinct finding(s) on ${dialect} (seed ${seed}; replay with CHANGEHOOK_FUZZ_SEED=${seed} CHANGEHOOK_FUZZ_RUNS=${RUNS}):`];
  for (const finding of findings) {
    lines.push(
      `- [${dialect}] ${finding.key} (×${finding.count}, first at run ${finding.runIndex})`,
      `    request: ${describeRequest(finding.request, targets)}`,
      `    answer:  ${finding.answer.status} ${excerpt(finding.answer.error ?? finding.answer.text, 300)}`,
      ...(finding.cause ? [`    logged:  ${finding.cause}`] : []),
      ...(finding.shrunk ? [`    shrunk:  ${finding.shrunk}`] : []),
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------

for (const dialect of testDialects()) {
  describe(`API fuzz over every OpenAPI route on ${dialect}`, () => {
    let fixture: FuzzFixture;
    let sender: Sender;
    before(async () => {
      fixture = await startFuzzFixture(dialect);
      sender = new Sender(fixture.app.url);
    });
    after(async () => {
      await sender?.close();
      await fixture?.close();
    });

    test('the fuzzed routes are the OpenAPI document’s, platform and hub, plus /oauth/callback', () => {
      const routes = fixture.operations.map((operation) => `${operation.method} ${operation.route}`);
      for (const expected of ['GET /elements/api-v2/instances/{id}', 'POST /elements/api-v2/instances', 'GET /elements/api-v2/instances/events', 'GET /elements/api-v2/hubs/general/messages', 'GET /oauth/callback']) {
        assert.ok(routes.includes(expected), `${expected} is fuzzed`);
      }
      assert.equal(new Set(routes).size, routes.length);
    });

    test('no request is answered 5xx, and every 4xx of the API is {requestId, message}', async () => {
      const { targets, operations } = fixture;
      const arbitrary = requestArbitrary(operations, targets);
      const seed = SEED;
      const stats = new FuzzStats();
      const findings = new Map<string, Finding>();
      const started = performance.now();
      let runIndex = 0;

      // Survey: every run is sent and judged; findings are collected, not thrown, so all are seen.
      await fc.assert(
        fc.asyncProperty(arbitrary, async (request) => {
          const index = runIndex;
          runIndex += 1;
          const answer = await sender.send(request);
          stats.record(request, answer);
          const { key, cause } = observe(fixture, request, answer);
          if (key === undefined) return;
          const known = findings.get(key);
          if (known) known.count += 1;
          else findings.set(key, { key, runIndex: index, request, answer, count: 1, ...(cause ? { cause } : {}) });
        }),
        { numRuns: RUNS, seed },
      );
      const seconds = (performance.now() - started) / 1000;

      // Shrink: replay each finding's run and let fast-check look for a smaller request with the same problem.
      for (const finding of [...findings.values()].slice(0, MAX_SHRUNK_FINDINGS)) {
        const details = await fc.check(
          fc.asyncProperty(arbitrary, async (request) => observe(fixture, request, await sender.send(request)).key !== finding.key),
          { seed, path: String(finding.runIndex), plugins: [fc.interruptAfterTimeLimit(SHRINK_TIME_LIMIT_MS)] },
        );
        const shrunk = details.counterexample as [FuzzRequest] | null;
        finding.shrunk = details.failed && shrunk
          ? `${describeRequest(shrunk[0], targets)} (after ${details.numShrinks} shrinks${details.interrupted ? ', interrupted' : ''})`
          : 'the replay did not fail again (state changed since)';
      }

      const statuses = Object.fromEntries([...stats.statuses.entries()].sort(([a], [b]) => a - b));
      console.log(
        `[fuzz ${dialect}] ${stats.requests} requests in ${seconds.toFixed(1)} s (seed ${seed}): ${stats.callerRequests} with valid credentials, ` +
          `${stats.pastAuthentication} past authentication; statuses ${JSON.stringify(statuses)}; 5xx: ${stats.fiveXx}; ` +
          `distinct 4xx messages: ${stats.messages.size}; routes answered 2xx: ${stats.routesWith2xx.size}/${operations.length}; distinct findings: ${findings.size}`,
      );
      const without2xx = operations.map((o) => `${o.method} ${o.route}`).filter((route) => !stats.routesWith2xx.has(route));
      console.log(`[fuzz ${dialect}] routes never answered 2xx: ${without2xx.join(', ') || 'none'}`);
      if (fixture.serverLog.outsideRequests.length > 0) {
        console.log(`[fuzz ${dialect}] errors logged outside requests (not judged):\n  ${fixture.serverLog.outsideRequests.slice(0, 10).join('\n  ')}`);
      }

      const unreached = operations.map((o) => `${o.method} ${o.route}`).filter((route) => !stats.routesPastAuthentication.has(route));
      assert.deepEqual(unreached, [], 'every route was reached past authentication at least once');
      assert.equal(findings.size, 0, report(dialect, seed, [...findings.values()], targets));
    });
  });
}
