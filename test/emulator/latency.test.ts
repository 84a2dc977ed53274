// The latency model: the sampler's distribution (from a seeded generator), validation naming the field
// at fault, which requests wait and how often (an injected sleep records the delays: nothing here is
// timed), the control API, and the command-line flags in a child process.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startChildEmulator } from '../../bench/support/childEmulator.ts';
import { type GoogleEmulator, type LatencyModel, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../../emulators/google/index.ts';
import { MAX_LATENCY_MS, sampleLatencyMs, validateLatencyModel } from '../../emulators/shared/index.ts';
import { authUrl, http, postForm, rfc822, signIn, startEmulator, waitFor } from './helpers.ts';
import { seededRandom } from '../../bench/support/seededRandom.ts';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

describe('sampleLatencyMs', () => {
  test('{p50Ms: 100, p99Ms: 300}: 20 000 draws have their median near 100 and their p99 near 300', () => {
    const random = seededRandom(20240506);
    const samples = Array.from({ length: 20_000 }, () => sampleLatencyMs({ p50Ms: 100, p99Ms: 300 }, random)).sort((a, b) => a - b);
    const median = quantile(samples, 0.5);
    const p99 = quantile(samples, 0.99);
    assert.ok(Math.abs(median - 100) <= 5, `median ${median} within 5 % of 100`);
    assert.ok(Math.abs(p99 - 300) <= 45, `p99 ${p99} within 15 % of 300`);
    assert.ok(samples.every((ms) => ms >= 0 && ms <= MAX_LATENCY_MS), 'every draw between 0 and the cap');
  });

  test('a fixed model, and p99 equal to p50, give exactly the value', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 100; i++) {
      assert.equal(sampleLatencyMs({ fixedMs: 42 }, random), 42);
      assert.equal(sampleLatencyMs({ p50Ms: 80, p99Ms: 80 }, random), 80);
    }
    assert.equal(sampleLatencyMs({ fixedMs: 0 }, random), 0);
  });

  test('never negative, never above the cap, whatever the draws', () => {
    const model: LatencyModel = { p50Ms: 500_000, p99Ms: 600_000 };
    const wide: LatencyModel = { p50Ms: 1, p99Ms: 600_000 };
    const extremes = [0, 1e-12, 0.25, 0.5, 0.75, 1 - 1e-12, 1];
    for (const u1 of extremes) {
      for (const u2 of extremes) {
        for (const m of [model, wide]) {
          const draws = [u1, u2];
          const ms = sampleLatencyMs(m, () => draws.shift() ?? 0.5);
          assert.ok(ms >= 0 && ms <= MAX_LATENCY_MS, `${JSON.stringify(m)} with draws ${u1}, ${u2} gave ${ms}`);
        }
      }
    }
  });
});

describe('validateLatencyModel', () => {
  test('each bad model names its field', () => {
    const cases: [unknown, string][] = [
      [{ fixedMs: -1 }, 'fixedMs'],
      [{ fixedMs: '100' }, 'fixedMs'],
      [{ fixedMs: 600_001 }, 'fixedMs'],
      [{ fixedMs: Number.NaN }, 'fixedMs'],
      [{ fixedMs: null }, 'fixedMs'],
      [{ fixedMs: 100, p50Ms: 100, p99Ms: 300 }, 'fixedMs'],
      [{ fixedMs: 100, p99Ms: 300 }, 'fixedMs'],
      [{ p50Ms: 100 }, 'p99Ms'],
      [{ p99Ms: 300 }, 'p50Ms'],
      [{ p50Ms: 0, p99Ms: 300 }, 'p50Ms'],
      [{ p50Ms: -5, p99Ms: 300 }, 'p50Ms'],
      [{ p50Ms: '100', p99Ms: 300 }, 'p50Ms'],
      [{ p50Ms: 700_000, p99Ms: 800_000 }, 'p50Ms'],
      [{ p50Ms: 300, p99Ms: 100 }, 'p99Ms'],
      [{ p50Ms: 100, p99Ms: 600_001 }, 'p99Ms'],
      [{ p50Ms: 100, p99Ms: Number.POSITIVE_INFINITY }, 'p99Ms'],
      [{ fixedMS: 100 }, 'fixedMS'],
      [{}, 'fixedMs'],
      [null, 'latency'],
      [[100], 'latency'],
      [100, 'latency'],
    ];
    for (const [value, field] of cases) {
      assert.throws(
        () => validateLatencyModel(value),
        (error: unknown) => error instanceof TypeError && new RegExp(`^${field}\\b`).test(error.message),
        `${JSON.stringify(value)} should be refused naming ${field}`,
      );
    }
  });

  test('good models come back as given, without extra fields', () => {
    assert.deepEqual(validateLatencyModel({ fixedMs: 0 }), { fixedMs: 0 });
    assert.deepEqual(validateLatencyModel({ fixedMs: 600_000 }), { fixedMs: 600_000 });
    assert.deepEqual(validateLatencyModel({ p50Ms: 100, p99Ms: 300 }), { p50Ms: 100, p99Ms: 300 });
    assert.deepEqual(validateLatencyModel({ p50Ms: 0.5, p99Ms: 0.5 }), { p50Ms: 0.5, p99Ms: 0.5 });
  });
});

describe('the server', () => {
  const EMAIL = 'latency@example.com';
  const FIXED: LatencyModel = { fixedMs: 37 };
  /** Every delay the emulator asked to wait, in order. */
  const delays: number[] = [];
  const record = async (ms: number): Promise<void> => {
    delays.push(ms);
  };
  let sleep: (ms: number) => Promise<void> = record;
  let emulator: GoogleEmulator;
  let token: string;
  let refreshToken: string;
  let api: string;

  before(async () => {
    emulator = await startEmulator({
      quotaUnitsPerSecond: 1_000_000,
      latency: FIXED,
      latencySleep: (ms) => sleep(ms),
      // Always the same draw: the lognormal delay a request gets is then known in advance.
      latencyRandom: () => 0.1,
    });
    const tokens = await signIn(emulator.baseUrl, EMAIL);
    token = tokens.access_token;
    refreshToken = tokens.refresh_token as string;
    api = `${emulator.baseUrl}/gmail/v1/users/me`;
  });

  after(async () => {
    await emulator.close();
  });

  beforeEach(() => {
    sleep = record;
    emulator.control.setLatency(FIXED);
    delays.length = 0;
  });

  function historyId(): string {
    const mailbox = emulator.control.listMailboxes().find((m) => m.email === EMAIL);
    assert.ok(mailbox, 'the signed-in user has a mailbox');
    return mailbox.historyId;
  }

  test('history.list waits once, the model\'s delay', async () => {
    const answer = await http('GET', `${api}/history?startHistoryId=${historyId()}`, { token });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(delays, [37]);
  });

  test('a lognormal model: the delay drawn from the emulator\'s random', async () => {
    const model: LatencyModel = { p50Ms: 100, p99Ms: 300 };
    emulator.control.setLatency(model);
    assert.equal((await http('GET', `${api}/profile`, { token })).status, 200);
    const expected = sampleLatencyMs(model, () => 0.1);
    assert.notEqual(expected, 100, 'the draw is not the median, so the model is really sampled');
    assert.deepEqual(delays, [expected]);
  });

  test('uploads wait', async () => {
    const answer = await http('POST', `${emulator.baseUrl}/upload/gmail/v1/users/me/messages?uploadType=media`, {
      token,
      body: rfc822({ to: EMAIL, subject: 'uploaded' }),
      headers: { 'content-type': 'message/rfc822' },
    });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(delays, [37]);
  });

  test('a batch of three calls waits once, not once per part', async () => {
    const boundary = 'batch_latency';
    const part = (id: string, path: string): string =>
      `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <${id}>\r\n\r\nGET ${path} HTTP/1.1\r\n\r\n\r\n`;
    const body = `${part('1', '/gmail/v1/users/me/profile')}${part('2', '/gmail/v1/users/me/labels')}${part('3', `/gmail/v1/users/me/history?startHistoryId=${historyId()}`)}--${boundary}--\r\n`;
    const answer = await http('POST', `${emulator.baseUrl}/batch/gmail/v1`, {
      token,
      body,
      headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
    });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.text.match(/HTTP\/1\.1 200/g)?.length, 3, 'every part answered');
    assert.deepEqual(delays, [37]);
  });

  test('the token endpoint and revocation wait', async () => {
    const refreshed = await postForm(`${emulator.baseUrl}/token`, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: SANDBOX_CLIENT_ID,
      client_secret: SANDBOX_CLIENT_SECRET,
    });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.deepEqual(delays, [37]);
    // An unknown token: nothing is revoked, but Google's endpoint still took its time.
    assert.equal((await postForm(`${emulator.baseUrl}/revoke`, { token: 'not-a-token' })).status, 400);
    assert.deepEqual(delays, [37, 37]);
  });

  test('the consent page and the control API do not wait', async () => {
    const page = await http('GET', authUrl(emulator.baseUrl, { login_hint: EMAIL }));
    assert.equal(page.status, 200);
    const submitted = await postForm(authUrl(emulator.baseUrl, {}), { email: EMAIL, decision: 'allow' });
    assert.equal(submitted.status, 302);
    assert.equal((await http('GET', `${emulator.baseUrl}/__emulator/health`)).status, 200);
    assert.equal((await http('GET', `${emulator.baseUrl}/__emulator/latency`)).status, 200);
    assert.deepEqual(delays, []);
  });

  test('with no model, nothing waits', async () => {
    emulator.control.setLatency(undefined);
    assert.equal((await http('GET', `${api}/history?startHistoryId=${historyId()}`, { token })).status, 200);
    assert.equal((await postForm(`${emulator.baseUrl}/revoke`, { token: 'not-a-token' })).status, 400);
    assert.deepEqual(delays, []);
  });

  test('a client that leaves during its delay holds no concurrency slot', async () => {
    let wake: (() => void) | undefined;
    // The first delay lasts until the test says so; any other is only recorded.
    sleep = (ms) => {
      if (wake !== undefined) return record(ms);
      delays.push(ms);
      return new Promise<void>((resolve) => {
        wake = resolve;
      });
    };
    const leaving = new AbortController();
    const abandoned = request(`${api}/profile`, { headers: { authorization: `Bearer ${token}` }, signal: leaving.signal }).catch(() => undefined);
    await waitFor(() => (wake !== undefined ? true : undefined), 'the request to reach its delay');
    leaving.abort();
    await abandoned;
    // A round trip on another connection: by its end the server has seen the first one close.
    assert.equal((await http('GET', `${emulator.baseUrl}/__emulator/health`)).status, 200);
    (wake as () => void)();
    sleep = record;
    // Once this next call is answered, the abandoned one has gone as far through the pipeline as it will.
    assert.equal((await http('GET', `${api}/profile`, { token })).status, 200);
    assert.equal(emulator.control.quota(EMAIL).inFlight, 0);
  });

  test('the control API: GET, PUT, DELETE; a bad PUT is a 400 naming the field', async () => {
    const control = `${emulator.baseUrl}/__emulator/latency`;
    assert.deepEqual((await http('GET', control)).json, { latency: { fixedMs: 37 } });

    const put = await http('PUT', control, { json: { p50Ms: 100, p99Ms: 300 } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json, { latency: { p50Ms: 100, p99Ms: 300 } });
    assert.deepEqual((await http('GET', control)).json, { latency: { p50Ms: 100, p99Ms: 300 } });
    assert.deepEqual(emulator.control.latency(), { p50Ms: 100, p99Ms: 300 });

    for (const [body, field] of [
      [{ p50Ms: 300, p99Ms: 100 }, 'p99Ms'],
      [{ p50Ms: 100 }, 'p99Ms'],
      [{ fixedMs: -1 }, 'fixedMs'],
      [{ fixedMs: 10, p50Ms: 10, p99Ms: 20 }, 'fixedMs'],
      [{ p50Ms: 'fast', p99Ms: 300 }, 'p50Ms'],
    ] as const) {
      const bad = await http('PUT', control, { json: body });
      assert.equal(bad.status, 400, `${JSON.stringify(body)}: ${bad.text}`);
      assert.match((bad.json as { error: string }).error, new RegExp(`^${field}\\b`));
    }
    assert.equal((await http('PUT', control, { json: [] })).status, 400);
    assert.deepEqual(emulator.control.latency(), { p50Ms: 100, p99Ms: 300 }, 'a refused PUT changes nothing');

    assert.equal((await http('PUT', control, { json: { fixedMs: 5 } })).status, 200);
    assert.deepEqual(emulator.control.latency(), { fixedMs: 5 });

    assert.equal((await http('DELETE', control)).status, 204);
    assert.deepEqual((await http('GET', control)).json, { latency: null });
    assert.equal(emulator.control.latency(), undefined);
  });

  test('in process: setLatency validates, latency() is a copy', () => {
    assert.throws(
      () => emulator.control.setLatency({ p50Ms: 300, p99Ms: 100 }),
      (error: unknown) => error instanceof Error && /^p99Ms/.test(error.message),
    );
    assert.deepEqual(emulator.control.setLatency({ fixedMs: 12 }), { fixedMs: 12 });
    const shown = emulator.control.latency() as { fixedMs: number };
    shown.fixedMs = 99;
    assert.deepEqual(emulator.control.latency(), { fixedMs: 12 });
  });
});

describe('starting with a latency', () => {
  test('startGoogleEmulator refuses a bad model, naming the field', async () => {
    const started = startEmulator({ latency: { p50Ms: 300, p99Ms: 100 } });
    // Should it start after all, close it, so the failure is reported rather than the process kept alive.
    await assert.rejects(
      started.then((emulator) => emulator.close()),
      (error: unknown) => error instanceof TypeError && /^p99Ms/.test(error.message),
    );
  });

  test('a reset restores the model the emulator started with', async () => {
    const emulator = await startEmulator({ latency: { fixedMs: 3 } });
    try {
      emulator.control.setLatency({ p50Ms: 10, p99Ms: 20 });
      emulator.control.reset();
      assert.deepEqual(emulator.control.latency(), { fixedMs: 3 });
    } finally {
      await emulator.close();
    }
  });
});

describe('the command line', () => {
  const main = fileURLToPath(new URL('../../emulators/google/main.ts', import.meta.url));

  async function exitOf(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    // A deadline, not a wait: an emulator that accepted the flags would otherwise run forever.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(deadline);
    return { code, stderr };
  }

  test('--latency-p50 with --latency-p99 (through startChildEmulator): the control API shows the model', async () => {
    const child = await startChildEmulator({ latency: { p50Ms: 100, p99Ms: 300 } });
    try {
      assert.deepEqual(await child.control('GET', '/latency'), { latency: { p50Ms: 100, p99Ms: 300 } });
    } finally {
      await child.close();
    }
  });

  test('wrong combinations and values exit 2 with the usage text', async () => {
    const cases: [string[], RegExp][] = [
      [['--latency-p50', '100'], /--latency-p50 and --latency-p99 go together/],
      [['--latency', '100', '--latency-p50', '50', '--latency-p99', '60'], /--latency cannot be combined/],
      [['--latency-p50', '300', '--latency-p99', '100'], /^--latency-p99 must/m],
      [['--latency', '700000'], /^--latency must be a number between 0 and 600000/m],
    ];
    const results = await Promise.all(cases.map(([args]) => exitOf(args)));
    for (const [index, [args, message]] of cases.entries()) {
      const { code, stderr } = results[index] as { code: number | null; stderr: string };
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, message);
      assert.match(stderr, /Usage:.*\n[\s\S]*--latency-p99 <ms>/);
    }
  });
});
