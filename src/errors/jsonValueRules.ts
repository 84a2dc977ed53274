// The rules every value that came from outside obeys before domain code keeps it: no NUL character in
// any string or key (PostgreSQL text cannot store one), and JSON nested no deeper than MAX_JSON_DEPTH
// (deeper values overflow recursive code such as JSON.stringify). A breach is a BadRequest naming the
// field. The walk is iterative, so hostile nesting cannot overflow it.

import { BadRequest } from './appErrors.ts';

export const MAX_JSON_DEPTH = 64;

interface Pending {
  value: unknown;
  field: string;
  depth: number;
}

function childField(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

function displayField(field: string): string {
  return field === '' ? 'the body' : field;
}

/** Throws a BadRequest naming the first field that breaks the rules above. */
export function checkJsonValue(value: unknown, field = ''): void {
  const stack: Pending[] = [{ value, field, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, field: at, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) throw new BadRequest(`${displayField(at)} must not contain NUL (\\u0000) characters`);
      continue;
    }
    if (current === null || typeof current !== 'object' || Buffer.isBuffer(current)) continue;
    if (depth >= MAX_JSON_DEPTH) throw new BadRequest(`${displayField(at)} is nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (Array.isArray(current)) {
      for (const [index, item] of current.entries()) stack.push({ value: item, field: childField(at, index), depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (key.includes('\u0000')) throw new BadRequest(`${displayField(at)} has a key containing a NUL (\\u0000) character`);
      stack.push({ value: item, field: childField(at, key), depth: depth + 1 });
    }
  }
}
