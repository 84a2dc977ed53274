// npm's `prepare` step, run after every install of this folder. A development install (`npm ci` in a
// checkout) builds the web console, so `npm start` serves it and the tests can load it. A production
// install (`npm ci --omit=dev` of the packed package, which carries the built console/dist but not the
// console's sources) has neither the sources nor Vite, and does nothing: production needs no dev tool.

import { execSync } from 'node:child_process';
import fs from 'node:fs';

function viteInstalled() {
  try {
    import.meta.resolve('vite');
    return true;
  } catch {
    return false;
  }
}

const consoleSources = fs.existsSync(new URL('../console/index.html', import.meta.url));

if (consoleSources && viteInstalled()) execSync('npm run build:console', { stdio: 'inherit' });
