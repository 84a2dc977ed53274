// console/src/api/openapi.ts is checked in; this regenerates it into a temporary file and fails when the
// two differ, so a route schema changed without `npm run generate:api-types` does not pass CI.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { API_TYPES_FILE, generateApiTypes } from '../../scripts/generateApiTypes.ts';

/** Where two texts first differ, as `line N: expected … / checked in …`. */
function firstDifference(expected: string, actual: string): string {
  const want = expected.split('\n');
  const have = actual.split('\n');
  const line = want.findIndex((text, index) => text !== have[index]);
  const at = line === -1 ? want.length : line;
  return `line ${at + 1}:\n  generated:   ${want[at] ?? '(end of file)'}\n  checked in:  ${have[at] ?? '(end of file)'}`;
}

test('console/src/api/openapi.ts is what `npm run generate:api-types` writes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-api-types-'));
  try {
    const file = path.join(dir, 'openapi.ts');
    await generateApiTypes(file);
    const generated = fs.readFileSync(file, 'utf8');
    const checkedIn = fs.readFileSync(API_TYPES_FILE, 'utf8');
    assert.ok(generated.length > 1000, 'generated almost nothing');
    assert.ok(generated === checkedIn, `console/src/api/openapi.ts is out of date: run \`npm run generate:api-types\`. First difference at ${firstDifference(generated, checkedIn)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
