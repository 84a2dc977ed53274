// The console has its own TypeScript settings (DOM, JSX, bundler resolution), so the root typecheck
// does not see it; Vite's build strips types without checking them. This keeps it strict in CI: tsc
// must exit 0, print nothing but the files it checked, and have checked every file of the console.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function consoleSources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return consoleSources(file);
    return /\.tsx?$/.test(entry.name) ? [file] : [];
  });
}

test('the console type-checks under its own strict tsconfig', () => {
  const result = spawnSync(process.execPath, [tsc, '-p', 'console/tsconfig.json', '--pretty', 'false', '--listFiles'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  assert.equal(result.error, undefined, `tsc did not run: ${result.error}`);
  assert.equal(result.status, 0, `tsc exited with ${result.status} (signal ${result.signal}):\n${output}`);
  // --listFiles: the output is the files checked, one a line, and nothing else (no diagnostics).
  const listed = output.split('\n').map((line) => line.trim()).filter(Boolean);
  assert.deepEqual(listed.filter((line) => !/\.(d\.)?[cm]?tsx?$/.test(line)), [], 'tsc printed something other than the files it checked');
  const checked = new Set(listed.map((file) => path.resolve(repoRoot, file)));
  const sources = consoleSources(path.join(repoRoot, 'console', 'src'));
  assert.ok(sources.length > 10, `found ${sources.length} console sources`);
  assert.deepEqual(sources.filter((file) => !checked.has(file)), [], 'console sources tsc did not check');
});
