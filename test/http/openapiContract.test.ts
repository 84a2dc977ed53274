// The OpenAPI document as a contract: every operation documents its successful answer with a schema
// (the console's types are generated from them, and Fastify serializes with them), and every $ref
// names a component the document holds, under its schema's $id.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { buildOpenApiDocument, type OpenApiDocument } from '../../scripts/openapiDocument.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

interface Operation {
  route: string;
  responses: Record<string, unknown>;
}

function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, unknown>)[method];
      if (operation === undefined) continue;
      operations.push({ route: `${method.toUpperCase()} ${path}`, responses: (operation as { responses?: Record<string, unknown> }).responses ?? {} });
    }
  }
  return operations;
}

/** A response object that says what its body is: some content type with a schema that is not empty. */
function hasBodySchema(response: unknown): boolean {
  const content = (response as { content?: Record<string, { schema?: Record<string, unknown> }> }).content ?? {};
  return Object.values(content).some((media) => media.schema !== undefined && Object.keys(media.schema).length > 0);
}

function refsIn(node: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) for (const item of node) refsIn(item, found);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.add(value);
      else refsIn(value, found);
    }
  }
  return found;
}

describe('the OpenAPI document', () => {
  let document: OpenApiDocument;
  before(async () => {
    document = await buildOpenApiDocument();
  });

  test('has the platform and hub routes', () => {
    const routes = operationsOf(document).map((operation) => operation.route);
    for (const route of [
      'GET /elements/api-v2/elements',
      'POST /elements/api-v2/instances',
      'DELETE /elements/api-v2/instances/{id}',
      'GET /elements/api-v2/instances/events',
      'GET /elements/api-v2/instances/polling-disabled',
      'GET /elements/api-v2/hubs/general/messages',
    ]) {
      assert.ok(routes.includes(route), `${route} is not in the document`);
    }
  });

  test('every operation documents a 2xx answer with a body schema', () => {
    const operations = operationsOf(document);
    assert.ok(operations.length > 40, `only ${operations.length} operations`);
    const undocumented = operations
      .filter(({ responses }) => !Object.entries(responses).some(([status, response]) => /^2\d\d$/.test(status) && hasBodySchema(response)))
      .map((operation) => operation.route);
    assert.deepEqual(undocumented, [], 'operations without a 2xx response schema');
  });

  test('every $ref names a component, and components are named by $id', () => {
    const components = Object.keys(document.components?.schemas ?? {});
    for (const name of ['Element', 'Instance', 'Event', 'EventDetail', 'PollingHealth', 'ErrorBody']) assert.ok(components.includes(name), `no component ${name}`);
    assert.deepEqual(components.filter((name) => /^def-\d+$/.test(name)), [], 'components named def-N: a schema without $id');
    const dangling = [...refsIn(document)].filter((ref) => !components.some((name) => ref === `#/components/schemas/${name}`));
    assert.deepEqual(dangling, [], '$refs to no component');
  });
});
