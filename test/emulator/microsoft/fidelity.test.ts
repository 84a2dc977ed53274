// Fidelity against Microsoft's own libraries. msal-node refuses an http: authority and the Graph
// client sends tokens only over https, so they talk to the emulator's HTTPS listener; Node reads the
// CAs it trusts (NODE_EXTRA_CA_CERTS) only at start-up, so the suite runs in a child process started
// with the emulator's CA — made here first — and this test passes when that suite passes.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createCertificateAuthority } from '../../../emulators/microsoft/index.ts';

const CHILD = fileURLToPath(new URL('./support/fidelity.child.ts', import.meta.url));

test('@azure/msal-node and @microsoft/microsoft-graph-client work against the emulator unchanged but for their base URLs', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'ms-emulator-fidelity-'));
  try {
    const caCertPath = await createCertificateAuthority(directory);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath, MICROSOFT_EMULATOR_CA_DIR: directory };
    // A child of a test runner would otherwise report in the runner's binary protocol.
    delete env.NODE_TEST_CONTEXT;
    const { code, output } = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', CHILD], env);
    assert.equal(code, 0, `the fidelity suite failed:\n${output}`);
    assert.match(output, /pass [1-9]/);
    assert.match(output, /fail 0/);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
