#!/usr/bin/env node
// Entry point of the `changehook` command. An installed package runs the compiled JavaScript under
// dist/ (made by `npm run build`, shipped by `npm pack`), with no TypeScript tooling at run time. A
// checkout without a build runs the TypeScript sources through tsx's loader, and so does a checkout
// whose sources changed since its last build: development never runs stale code.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const compiled = new URL('dist/src/cli/main.js', root);

/** Source folders compiled into dist/: present in a checkout, absent from the packed package. */
const SOURCE_FOLDERS = ['src/', 'emulators/'];

/** The first source file changed after the build, if any (a checkout only: the package has no sources). */
function sourceNewerThan(builtAtMs) {
  for (const folder of SOURCE_FOLDERS) {
    const dir = fileURLToPath(new URL(folder, root));
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir, { recursive: true })) {
      if (name.endsWith('.ts') && fs.statSync(path.join(dir, name)).mtimeMs > builtAtMs) return path.join(folder, name);
    }
  }
  return undefined;
}

function compiledIsCurrent() {
  if (!fs.existsSync(compiled)) return false;
  const changed = sourceNewerThan(fs.statSync(compiled).mtimeMs);
  if (changed === undefined) return true;
  process.stderr.write(`changehook: ${changed} changed since the last build; running the sources (npm run build refreshes dist/)\n`);
  return false;
}

if (compiledIsCurrent()) {
  await import(compiled.href);
} else {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write('changehook: no compiled build (dist/) and no tsx to run the sources: run `npm run build`, or `npm ci` for development\n');
    process.exit(1);
  }
  tsx.register();
  await import(new URL('src/cli/main.ts', root).href);
}
