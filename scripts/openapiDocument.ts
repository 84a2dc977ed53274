// The OpenAPI document the server serves at /docs/json, built in process for tools and tests: the
// composition root's services over a throwaway SQLite store in a temporary folder, the app built from
// them exactly as `changehook serve` builds it, never listening, no workers. The document does not
// depend on the store's contents, so the store is dropped with the folder once the document is read.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OpenAPI3 } from 'openapi-typescript';
import { createServices } from '../src/cli/services.ts';
import { loadConfig } from '../src/config/index.ts';
import { buildApp } from '../src/http/index.ts';

export type OpenApiDocument = OpenAPI3;

export async function buildOpenApiDocument(): Promise<OpenApiDocument> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-openapi-'));
  try {
    // Only these variables: whatever the caller's environment holds (a DATABASE_URL, a sandbox flag)
    // must not change the document.
    const config = loadConfig({ CHANGEHOOK_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const services = await createServices(config);
    try {
      const app = await buildApp({
        logger: services.logger,
        tenants: services.tenants,
        elements: services.elements,
        instances: services.instances,
        hubs: services.hubs,
        events: services.events,
        metrics: services.metrics,
        checkReady: async () => {},
      });
      try {
        await app.ready();
        // A copy through JSON: the same text /docs/json serves, detached from the app's objects.
        return JSON.parse(JSON.stringify(app.swagger())) as OpenApiDocument;
      } finally {
        await app.close();
      }
    } finally {
      await services.hubs.close();
      await services.store.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
