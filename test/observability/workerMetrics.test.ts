// A worker (no API) serves its own /metrics when CHANGEHOOK_METRICS_PORT is set, and nothing else.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startServer } from '../../src/cli/serve.ts';
import { loadConfig } from '../../src/config/index.ts';

test('changehook worker serves /metrics and /healthz on CHANGEHOOK_METRICS_PORT', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-worker-metrics-'));
  const server = await startServer(loadConfig({ CHANGEHOOK_DATA_DIR: dataDir, CHANGEHOOK_METRICS_PORT: '0', LOG_LEVEL: 'silent' }), 'worker');
  try {
    assert.equal(server.url, undefined, 'a worker has no API');
    assert.ok(server.metricsUrl);
    const metrics = await fetch(`${server.metricsUrl}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    const body = await metrics.text();
    assert.match(body, /^# TYPE changehook_polls_total counter$/m);
    assert.match(body, /^changehook_due_unclaimed_polls \d+$/m);
    assert.equal((await fetch(`${server.metricsUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.metricsUrl}/elements/api-v2/instances`)).status, 404);
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
