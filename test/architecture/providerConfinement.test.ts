// A provider's knowledge stays in its element's folder (DESIGN.md §4, "Elements are modules"): no file of
// src/ or console/src outside src/elements/outlook/ names Microsoft Graph or its mail vocabulary, and none
// outside src/elements/gmail/ names Gmail's API vocabulary. The registration line and the origin setting
// may name the provider (its variable, its emulator in the sandbox), never its API.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Words that only code speaking the provider's API would use. */
const PROVIDER_VOCABULARY: readonly { element: string; pattern: RegExp }[] = [
  { element: 'outlook', pattern: /graph\.microsoft\.com|microsoft graph|\bmailFolders?\b|deltaLink|@odata\.|@removed|\bchangeKey\b|login\.microsoftonline\.com/i },
  { element: 'gmail', pattern: /gmail\.googleapis\.com|\bhistoryId\b|users\.history|\bgetProfile\b|accounts\.google\.com|oauth2\.googleapis\.com/i },
];

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : files(full);
    return /\.(ts|tsx)$/.test(entry.name) ? [full] : [];
  });
}

/** Files whose text speaks a provider's API though they lie outside its element's folder. */
export function vocabularyOutsideElements(root: string): string[] {
  const generated = path.join(root, 'console', 'src', 'api', 'openapi.ts');
  const scanned = [...files(path.join(root, 'src')), ...files(path.join(root, 'console', 'src'))].filter((file) => file !== generated);
  const found: string[] = [];
  for (const { element, pattern } of PROVIDER_VOCABULARY) {
    const own = path.join(root, 'src', 'elements', element) + path.sep;
    for (const file of scanned) {
      if (file.startsWith(own)) continue;
      const match = fs.readFileSync(file, 'utf8').match(pattern);
      if (match) found.push(`${path.relative(root, file)} names ${element}'s API ("${match[0]}")`);
    }
  }
  return found;
}

test('no file outside an element folder speaks its provider API', () => {
  assert.deepEqual(vocabularyOutsideElements(ROOT), []);
});

test('the check finds a provider word planted outside its element', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-confinement-'));
  try {
    fs.mkdirSync(path.join(root, 'src', 'events'), { recursive: true });
    fs.mkdirSync(path.join(root, 'src', 'elements', 'outlook'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src', 'elements', 'outlook', 'graph.ts'), "const base = 'https://graph.microsoft.com/v1.0';\n");
    fs.writeFileSync(path.join(root, 'src', 'events', 'poll.ts'), 'const link = page["@odata.deltaLink"];\n');
    assert.deepEqual(vocabularyOutsideElements(root), [`src/events/poll.ts names outlook's API ("@odata.")`]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
