// The import rules of docs/architecture.md, checked over src/: which folder may import which, only
// through a folder's index.ts, events' parts only through theirs, an element's folder only from its
// registration, and no import cycle between files or folders. A new arrow fails here until the document
// (and this table) says why it is right.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Folder → the folders it may import (docs/architecture.md, "Parts and arrows"). */
const ALLOWED: Record<string, readonly string[]> = {
  cli: ['config', 'crypto', 'elements', 'errors', 'events', 'http', 'hubs', 'instances', 'observability', 'store', 'tenants'],
  config: [],
  crypto: ['config'],
  errors: [],
  store: ['errors'],
  tenants: ['crypto', 'errors', 'store'],
  hubs: ['errors', 'store'],
  elements: ['errors', 'hubs'],
  events: ['crypto', 'elements', 'errors', 'hubs', 'store', 'tenants'],
  instances: ['crypto', 'elements', 'errors', 'events', 'store', 'tenants'],
  observability: ['events', 'hubs', 'store'],
  http: ['elements', 'errors', 'events', 'hubs', 'instances', 'store', 'tenants'],
};

/** Modules of events that every part may import directly: the shared vocabulary, importing nothing of ours. */
const EVENTS_LEAVES = new Set(['events/eventTypes.ts', 'events/deterministicId.ts']);
/** The one place an element's own folder is imported from. */
const ELEMENT_REGISTRATION = 'elements/registeredElements.ts';

interface Edge {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const SPECIFIER = /(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every relative import between two files of src/, as paths relative to src/ with '/' separators. */
export function importEdges(srcDir: string): Edge[] {
  const relative = (file: string) => path.relative(srcDir, file).split(path.sep).join('/');
  const edges: Edge[] = [];
  for (const file of sourceFiles(srcDir)) {
    for (const match of fs.readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2] ?? '';
      if (!specifier.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), specifier);
      if (!target.startsWith(srcDir)) continue;
      edges.push({ from: relative(file), to: relative(target) });
    }
  }
  return edges;
}

/** Import-rule breaches of a set of edges (empty when the rules hold). */
export function ruleBreaches(edges: readonly Edge[]): string[] {
  const breaches: string[] = [];
  for (const { from, to } of edges) {
    const [fromFolder, ...fromRest] = from.split('/');
    const [toFolder, ...toRest] = to.split('/');
    if (toRest.length === 0) continue; // a file at the root of src/
    if (fromFolder !== toFolder) {
      if (!(ALLOWED[fromFolder!] ?? []).includes(toFolder!)) breaches.push(`${from} -> ${to}: ${fromFolder} may not import ${toFolder}`);
      else if (toRest.join('/') !== 'index.ts') breaches.push(`${from} -> ${to}: other folders import ${toFolder} only through ${toFolder}/index.ts`);
      continue;
    }
    if (fromFolder === 'events' && toRest.length > 1 && !EVENTS_LEAVES.has(to) && fromRest[0] !== toRest[0] && toRest[1] !== 'index.ts') {
      breaches.push(`${from} -> ${to}: events parts import each other only through their index.ts`);
    }
    if (fromFolder === 'events' && fromRest.length > 1 && toRest.length === 1 && !EVENTS_LEAVES.has(to)) {
      breaches.push(`${from} -> ${to}: a part of events imports the events root only for its shared vocabulary`);
    }
    if (fromFolder === 'elements' && toRest.length > 1 && fromRest[0] !== toRest[0] && from !== ELEMENT_REGISTRATION) {
      breaches.push(`${from} -> ${to}: an element's folder is imported only by ${ELEMENT_REGISTRATION}`);
    }
  }
  return breaches;
}

/** Cycles (strongly connected components of more than one node) of a directed graph. */
export function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of new Set(edges.flatMap((e) => [e.from, e.to]))) if (!index.has(node)) visit(node);
  return found;
}

const edges = importEdges(SRC);

test('src/ imports follow the arrows of docs/architecture.md, through each folder’s index.ts', () => {
  assert.ok(edges.length > 200, `only ${edges.length} imports found: the scan is broken`);
  assert.deepEqual(ruleBreaches(edges), []);
});

test('no import cycle between files, nor between folders', () => {
  assert.deepEqual(cycles(edges), [], 'file cycles');
  const folderEdges = edges
    .map(({ from, to }) => ({ from: from.split('/')[0]!, to: to.split('/')[0]! }))
    .filter((e) => e.from !== e.to && !e.to.endsWith('.ts'));
  assert.deepEqual(cycles(folderEdges), [], 'folder cycles');
});

test('the checker itself catches each kind of breach', () => {
  // A forbidden arrow, an index bypass, a part bypassing another part's index, an element imported from
  // elsewhere, and a cycle, each on its own.
  assert.match(ruleBreaches([{ from: 'hubs/hubService.ts', to: 'elements/index.ts' }]).join(), /hubs may not import elements/);
  assert.match(ruleBreaches([{ from: 'http/app.ts', to: 'events/poller/pollWorker.ts' }]).join(), /only through events\/index\.ts/);
  assert.match(ruleBreaches([{ from: 'events/outbox/pollCommit.ts', to: 'events/delivery/notificationEnvelope.ts' }]).join(), /parts import each other only through/);
  assert.deepEqual(ruleBreaches([{ from: 'events/outbox/pollCommit.ts', to: 'events/delivery/index.ts' }]), []);
  assert.match(ruleBreaches([{ from: 'elements/elementRegistry.ts', to: 'elements/gmail/gmailElement.ts' }]).join(), /imported only by elements\/registeredElements\.ts/);
  assert.deepEqual(cycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }]), [['a', 'b', 'c']]);
  assert.deepEqual(cycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }]), []);
});
