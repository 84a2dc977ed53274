// bin/changehook.mjs picks what to run: an installed package (compiled dist/, no sources) runs the
// compiled code; a checkout runs the compiled code while it is at least as new as every source, and
// the sources through tsx once one changed after the build (with a note), or when there is no build.
// Exercised on a small stand-in package whose two entry points say which one ran.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-entry-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function write(file: string, content: string, mtime: Date): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), content);
  fs.utimesSync(path.join(root, file), mtime, mtime);
}

function runEntry(): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(root, 'bin', 'changehook.mjs')], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, result.stderr);
  return { stdout: result.stdout, stderr: result.stderr };
}

const built = new Date('2026-01-02T00:00:00Z');
const before = new Date('2026-01-01T00:00:00Z');
const later = new Date('2026-01-03T00:00:00Z');

test('the entry point runs the build unless a source is newer, and the sources otherwise', () => {
  fs.mkdirSync(path.join(root, 'bin'));
  fs.copyFileSync(path.resolve('bin/changehook.mjs'), path.join(root, 'bin', 'changehook.mjs'));
  fs.symlinkSync(path.resolve('node_modules'), path.join(root, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(root, 'package.json'), '{"type": "module"}\n');

  write('dist/src/cli/main.js', "process.stdout.write('compiled');\n", built);
  assert.deepEqual(runEntry(), { stdout: 'compiled', stderr: '' }, 'a package: compiled, no sources to compare');

  write('src/cli/main.ts', "const ran: string = 'sources';\nprocess.stdout.write(ran);\n", before);
  write('emulators/google/index.ts', 'export {};\n', before);
  assert.deepEqual(runEntry(), { stdout: 'compiled', stderr: '' }, 'a checkout with a current build');

  write('emulators/google/index.ts', 'export {};\n', later);
  const stale = runEntry();
  assert.equal(stale.stdout, 'sources');
  assert.match(stale.stderr, /emulators\/google\/index\.ts changed since the last build; running the sources/);

  fs.rmSync(path.join(root, 'dist'), { recursive: true });
  assert.deepEqual(runEntry(), { stdout: 'sources', stderr: '' }, 'a checkout without a build');
});
