// The element interface's authentication flags, as the instances honour them, shown with a tiny
// element registered in the test and a token endpoint on loopback that records every request:
// - tokenRequestsCarryScope: the code exchange and every refresh send `scope` (the instance's
//   oauth.scope, else the element's default scopes); without it, no token request carries a scope;
// - revocationEndsSharedGrant: a grant is kept while another instance of the same client and account
//   exists; without it each instance's grant is its own and is revoked when the instance is deleted;
// - no revokeUrl: nothing is revoked.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '../../src/crypto/index.ts';
import type { ElementDefinition } from '../../src/elements/elementDefinition.ts';
import { ElementRegistry } from '../../src/elements/index.ts';
import { InstanceService, ProviderTokenManager } from '../../src/instances/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { TenantService, type Caller } from '../../src/tenants/index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/databases.ts';

interface RecordedRequest {
  path: string;
  form: URLSearchParams;
}

/** An OAuth token and revocation endpoint that answers every grant and records what it was sent. */
async function startTokenEndpoint(): Promise<{ origin: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  let issued = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      requests.push({ path: req.url ?? '', form });
      if (req.url === '/revoke') {
        res.writeHead(200).end();
        return;
      }
      issued += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: `access-${issued}`, refresh_token: `refresh-${issued}`, expires_in: 3600, scope: form.get('scope') ?? 'scope-a scope-b' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Flags = Pick<ElementDefinition['authentication'], 'revokeUrl' | 'revocationEndsSharedGrant' | 'tokenRequestsCarryScope'>;

function tinyElement(key: string, id: number, flags: Flags): ElementDefinition {
  return {
    id,
    key,
    name: `Tiny ${key}`,
    description: 'An element made for this test',
    vendor: 'Tiny',
    hub: key,
    operations: [],
    readProviderError: () => ({ message: 'error' }),
    authentication: {
      type: 'oauth2',
      authorizationUrl: 'https://tiny.example/authorize',
      tokenUrl: 'https://tiny.example/token',
      apiBaseUrl: 'https://tiny.example/api',
      defaultScopes: ['scope-a', 'scope-b'],
      authorizationParameters: {},
      ...flags,
    },
    configuration: [
      { key: 'oauth.api.key', name: 'Client id', type: 'TEXTFIELD_1000', description: 'Client id', required: true },
      { key: 'oauth.api.secret', name: 'Client secret', type: 'PASSWORD', description: 'Client secret', required: true, secret: true },
      { key: 'oauth.callback.url', name: 'Callback URL', type: 'TEXTFIELD_1000', description: 'Redirect URI', required: true },
    ],
    resources: [],
    defaultPollerConfiguration: {},
    events: { supported: false, methods: [] },
  };
}

const ELEMENTS = {
  scoped: tinyElement('scoped', 9001, { revokeUrl: 'https://tiny.example/revoke', tokenRequestsCarryScope: true }),
  plain: tinyElement('plain', 9002, { revokeUrl: 'https://tiny.example/revoke' }),
  shared: tinyElement('shared', 9003, { revokeUrl: 'https://tiny.example/revoke', revocationEndsSharedGrant: true }),
  norevoke: tinyElement('norevoke', 9004, {}),
};

for (const dialect of testDialects()) {
  describe(`element authentication flags on ${dialect}`, () => {
    let endpoint: Awaited<ReturnType<typeof startTokenEndpoint>>;
    let database: TestDatabase;
    let store: Store;
    let service: InstanceService;
    let tokens: ProviderTokenManager;
    let caller: Caller;
    const keyring = new Keyring(Buffer.alloc(32, 9));

    before(async () => {
      endpoint = await startTokenEndpoint();
      database = await createTestDatabase(dialect);
      store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
      const elements = new ElementRegistry({}, Object.values(ELEMENTS).map((element) => ({ element, baseUrl: endpoint.origin })));
      service = new InstanceService({
        db: store.db,
        keyring,
        elements,
        policy: { minRefreshIntervalMinutes: 1, allowPrivateCallbacks: true },
        syncPollSchedules: async () => {},
        accounts: { identifyAccount: async () => 'someone@tiny.example' },
      });
      tokens = new ProviderTokenManager({ db: store.db, keyring, clientCredentials: (row) => service.clientCredentials(row) });
      const tenant = await new TenantService(store.db).createOrganization({ name: 'Flags', userEmail: 'owner@tiny.example' });
      caller = { organizationId: tenant.organizationId, userId: tenant.userId };
    });
    after(async () => {
      await store.close();
      await database.drop();
      await endpoint.close();
    });

    function configuration(extra: Record<string, unknown> = {}) {
      return { 'oauth.api.key': 'tiny-client', 'oauth.api.secret': 'tiny-secret', 'oauth.callback.url': 'https://app.example/callback', ...extra };
    }

    /** The requests the endpoint receives while `action` runs. */
    async function requestsDuring(action: () => Promise<unknown>): Promise<RecordedRequest[]> {
      const start = endpoint.requests.length;
      await action();
      return endpoint.requests.slice(start);
    }

    async function createWithCode(key: keyof typeof ELEMENTS, extra: Record<string, unknown> = {}) {
      return service.create(caller, { name: `tiny ${key}`, element: { key }, providerData: { code: `code-${Math.random()}` }, configuration: configuration(extra) });
    }

    test('with tokenRequestsCarryScope, the code exchange, a provisioning refresh and every refresh send the scope', async () => {
      let created: Awaited<ReturnType<typeof createWithCode>> | undefined;
      const [exchange] = await requestsDuring(async () => {
        created = await createWithCode('scoped');
      });
      assert.equal(exchange?.form.get('grant_type'), 'authorization_code');
      assert.equal(exchange?.form.get('scope'), 'scope-a scope-b', "the element's default scopes, joined by spaces");

      const [refresh] = await requestsDuring(() => tokens.accessToken(created!.id, { forceRefresh: true }));
      assert.equal(refresh?.form.get('grant_type'), 'refresh_token');
      assert.equal(refresh?.form.get('scope'), 'scope-a scope-b');

      const configured = configuration({ 'oauth.scope': 'scope-a offline', 'oauth.user.refresh_token': 'brought-refresh-token' });
      let provisioned: Awaited<ReturnType<typeof createWithCode>> | undefined;
      const [provisioning] = await requestsDuring(async () => {
        provisioned = await service.create(caller, { name: 'provisioned', element: { key: 'scoped' }, externalAuthentication: 'initial', configuration: configured });
      });
      assert.equal(provisioning?.form.get('grant_type'), 'refresh_token');
      assert.equal(provisioning?.form.get('refresh_token'), 'brought-refresh-token');
      assert.equal(provisioning?.form.get('scope'), 'scope-a offline', "the instance's configured oauth.scope");
      const [later] = await requestsDuring(() => tokens.accessToken(provisioned!.id, { forceRefresh: true }));
      assert.equal(later?.form.get('scope'), 'scope-a offline');
    });

    test('without tokenRequestsCarryScope, no token request carries a scope', async () => {
      let created: Awaited<ReturnType<typeof createWithCode>> | undefined;
      const sent = await requestsDuring(async () => {
        created = await createWithCode('plain', { 'oauth.scope': 'scope-a' });
        await tokens.accessToken(created.id, { forceRefresh: true });
      });
      assert.deepEqual(
        sent.map((request) => [request.form.get('grant_type'), request.form.has('scope')]),
        [
          ['authorization_code', false],
          ['refresh_token', false],
        ],
      );
    });

    test('without revocationEndsSharedGrant, deleting an instance revokes its own grant though another shares client and account', async () => {
      const first = await createWithCode('plain');
      await createWithCode('plain');
      const firstRefreshToken = (await store.db.selectFrom('instances').select('refresh_token_encrypted').where('id', '=', first.id).executeTakeFirstOrThrow())
        .refresh_token_encrypted;
      const sent = await requestsDuring(() => service.delete(caller, first.id));
      assert.deepEqual(
        sent.map((request) => [request.path, request.form.get('token')]),
        [['/revoke', keyring.decrypt(firstRefreshToken!)]],
      );
    });

    test('with revocationEndsSharedGrant, a grant is revoked only with the last instance of its client and account', async () => {
      const first = await createWithCode('shared');
      const second = await createWithCode('shared');
      const kept = await requestsDuring(() => service.delete(caller, first.id));
      assert.deepEqual(kept, [], 'another instance still uses the grant');
      const revoked = await requestsDuring(() => service.delete(caller, second.id));
      assert.deepEqual(
        revoked.map((request) => request.path),
        ['/revoke'],
      );
    });

    test('without a revokeUrl, deleting an instance revokes nothing', async () => {
      const only = await createWithCode('norevoke');
      assert.deepEqual(await requestsDuring(() => service.delete(caller, only.id)), []);
    });
  });
}
