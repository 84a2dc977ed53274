// The console has its own TypeScript settings (DOM, JSX, bundler resolution), so the root typecheck
// does not see it; Vite's build strips types without checking them. This keeps it strict in CI.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

test('the console type-checks under its own strict tsconfig', async () => {
  const result = await promisify(execFile)('npx', ['tsc', '-p', 'console/tsconfig.json', '--pretty', 'false'], { cwd: repoRoot }).catch(
    (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? 'tsc failed' }),
  );
  assert.equal(`${result.stdout}${result.stderr}`.trim(), '');
});
