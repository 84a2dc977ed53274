// What every hub test starts from: the app and the emulator (SQLite; the hub does not depend on the
// store's dialect), one authenticated Gmail instance, and helpers to call its hub over HTTP or in process.

import type { HubRequest, HubServiceOptions } from '../../src/hubs/index.ts';
import type { TestDialect } from '../support/databases.ts';
import { HubService } from '../../src/hubs/index.ts';
import type { InstanceRow } from '../../src/store/index.ts';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';

export interface HubFixture {
  app: TestApp;
  email: string;
  instance: { id: number; token: string };
  /** Authorization header of hub calls: `User …, Organization …, Element …`. */
  hubAuth: string;
  hub(method: string, path: string, body?: unknown, headers?: Record<string, string>): ReturnType<typeof apiCall>;
  row(): Promise<InstanceRow>;
  /** A HubService of its own (e.g. with short timeouts), called in process as the poller calls it. */
  inProcess(options: HubServiceOptions): { hubs: HubService; execute(request: Omit<HubRequest, 'query'> & { query?: HubRequest['query'] }): ReturnType<HubService['execute']> };
  close(): Promise<void>;
}

export async function startHubFixture(email = 'alice@example.com', dialect: TestDialect = 'sqlite'): Promise<HubFixture> {
  const app = await startTestApp(dialect);
  // Events off: the app's own poller must not spend the mailbox's quota while tests measure it.
  const instance = await createInstance(app, email, { configuration: { 'event.notification.enabled': false } });
  const hubAuth = `${app.auth}, Element ${instance.token}`;
  const services = app.server.services;
  const row = () => services.store.db.selectFrom('instances').selectAll().where('id', '=', instance.id).executeTakeFirstOrThrow();
  const extra: HubService[] = [];
  return {
    app,
    email,
    instance,
    hubAuth,
    hub: (method, path, body, headers = {}) => apiCall({ api: app.api, auth: hubAuth }, method, `/hubs/general${path}`, body, headers),
    row,
    inProcess(options) {
      const hubs = new HubService({ elements: services.elements, tokens: services.tokens, options });
      extra.push(hubs);
      return { hubs, execute: async (request) => hubs.execute(await row(), { query: {}, ...request }) };
    },
    async close() {
      await Promise.all(extra.map((hubs) => hubs.close()));
      await app.close();
    },
  };
}

/** Delivers `count` messages from outside and returns their ids in delivery order. */
export async function deliver(fixture: HubFixture, count: number, fields: { from?: string; subject?: string; text?: string } = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const delivered = await fixture.app.emulator.control.deliverMessage(fixture.email, {
      from: fields.from ?? 'bob@example.com',
      subject: `${fields.subject ?? 'message'} ${i + 1}`,
      text: fields.text ?? `text ${i + 1}`,
    });
    ids.push(delivered.id);
  }
  return ids;
}
