// Two `changehook api` processes started at the same moment against one fresh PostgreSQL database, as
// a deployment with two API replicas comes up: both migrate (one waits for the other, nothing runs
// twice), both bootstrap the same tenant (one organization), both serve, and an instance created
// through one is visible — and changeable — through the other.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startGoogleEmulator, type GoogleEmulator } from '../../emulators/google/index.ts';
import { migrationProvider } from '../../src/store/migrations/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { apiCall, OAUTH_CALLBACK, seedBody, TEST_MASTER_KEY } from '../support/testApp.ts';

const SKIP = process.env.CHANGEHOOK_TEST_SKIP_POSTGRES === '1' ? 'needs PostgreSQL (CHANGEHOOK_TEST_SKIP_POSTGRES=1 is set)' : false;
const ORG_SECRET = 'two-apis-organization-secret-0123456789';
const USER_SECRET = 'two-apis-user-secret-0123456789';
const AUTH = `User ${USER_SECRET}, Organization ${ORG_SECRET}`;

/** One `changehook api` child process: its API URL once its banner is out, and everything it printed. */
class ApiProcess {
  output = '';
  readonly exited: Promise<number | null>;
  readonly url: Promise<string>;
  private readonly child: ChildProcess;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [path.resolve('bin/changehook.mjs'), 'api'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.url = new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        const url = /API\s+(http:\/\/\S+)\/elements\/api-v2/.exec(this.output)?.[1];
        if (url) resolve(url);
      };
      this.child.stdout!.on('data', onData);
      this.child.stderr!.on('data', onData);
      void this.exited.then((code) => reject(new Error(`changehook api exited (${code}) before serving:\n${this.output}`)));
    });
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

describe('two changehook api processes on one PostgreSQL database', { skip: SKIP }, () => {
  let database: TestDatabase;
  let emulator: GoogleEmulator;
  let apis: ApiProcess[] = [];
  let urls: string[] = [];

  before(async () => {
    database = await createTestDatabase('postgres');
    emulator = await startGoogleEmulator({ port: 0 });
    const env = {
      DATABASE_URL: database.databaseUrl!,
      CHANGEHOOK_MASTER_KEY: TEST_MASTER_KEY,
      CHANGEHOOK_DATA_DIR: database.dataDir,
      CHANGEHOOK_GOOGLE_BASE_URL: emulator.baseUrl,
      CHANGEHOOK_ORG_SECRET: ORG_SECRET,
      CHANGEHOOK_USER_SECRET: USER_SECRET,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
    };
    // At the same moment, over a database no process has migrated yet.
    apis = [new ApiProcess(env), new ApiProcess(env)];
    urls = await Promise.all(apis.map((api) => api.url));
  });
  after(async () => {
    await Promise.all(apis.map((api) => api.stop()));
    await emulator?.close();
    await database?.drop();
  });

  const on = (url: string) => ({ api: `${url}/elements/api-v2`, auth: AUTH });

  test('both serve, over one schema migrated once and one tenant', async () => {
    for (const url of urls) {
      const listed = await apiCall(on(url), 'GET', '/instances');
      assert.equal(listed.status, 200, `${url}: ${JSON.stringify(listed.body)}`);
    }
    const client = new pg.Client({ connectionString: database.databaseUrl });
    await client.connect();
    try {
      const applied = await client.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name');
      const known = Object.keys(await migrationProvider('postgres').getMigrations()).sort();
      assert.deepEqual(applied.rows.map((r) => r.name), known, 'every migration applied exactly once');
      const organizations = await client.query<{ n: string }>('SELECT count(*) AS n FROM organizations');
      assert.equal(Number(organizations.rows[0]!.n), 1, 'one organization for the one tenant both bootstrapped');
    } finally {
      await client.end();
    }
    for (const api of apis) assert.doesNotMatch(api.output, /error|failed/i, api.output);
  });

  test('an instance created through one is visible and changeable through the other', async () => {
    const [first, second] = urls.map(on) as [ReturnType<typeof on>, ReturnType<typeof on>];
    emulator.control.createMailbox('two-apis@example.com');
    const oauth = await apiCall(first, 'GET', `/elements/gmail/oauth/url?${new URLSearchParams({ apiKey: SANDBOX_CLIENT_ID, apiSecret: SANDBOX_CLIENT_SECRET, callbackUrl: OAUTH_CALLBACK })}`);
    assert.equal(oauth.status, 200, JSON.stringify(oauth.body));
    const { code } = await approveConsent(oauth.body.oauthUrl, 'two-apis@example.com');
    const created = await apiCall(first, 'POST', '/instances', seedBody(code, { name: 'made through the first' }));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.id as number;

    const seen = await apiCall(second, 'GET', `/instances/${id}`);
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    assert.equal(seen.body.name, 'made through the first');
    // The second opens what the first sealed (one master key): a hub call with the instance's token.
    const hub = await apiCall({ api: second.api, auth: `${AUTH}, Element ${created.body.token}` }, 'GET', '/hubs/general/messages?pageSize=1');
    assert.equal(hub.status, 200, JSON.stringify(hub.body));

    const renamed = await apiCall(second, 'PATCH', `/instances/${id}`, { name: 'renamed through the second' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal((await apiCall(first, 'GET', `/instances/${id}`)).body.name, 'renamed through the second');
  });

  test('both stop cleanly', async () => {
    assert.deepEqual(await Promise.all(apis.map((api) => api.stop())), [0, 0]);
  });
});
