// Provider tokens: refreshed when expired, one refresh for many concurrent callers even across
// "processes" (two token managers on one database), and invalid_grant marking the instance invalid.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProviderTokenManager } from '../../src/instances/index.ts';
import { testDialects } from '../support/databases.ts';
import { apiCall, createInstance, startTestApp, type TestApp } from '../support/testApp.ts';

for (const dialect of testDialects()) {
  describe(`provider tokens on ${dialect}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(dialect);
    });
    after(() => app.close());

    function secondProcess(): ProviderTokenManager {
      const { services } = app.server;
      return new ProviderTokenManager({ db: services.store.db, keyring: services.keyring, clientCredentials: (row) => services.instances.clientCredentials(row) });
    }

    async function profileStatus(accessToken: string): Promise<number> {
      const response = await fetch(`${app.emulator.baseUrl}/gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${accessToken}` } });
      await response.arrayBuffer();
      return response.status;
    }

    test('a fresh token is used as is; an expired one is refreshed once for all concurrent callers', async () => {
      const instance = await createInstance(app, 'tokens@example.com');
      const tokens = app.server.services.tokens;
      const first = await tokens.accessToken(instance.id);
      assert.equal(await profileStatus(first), 200);
      assert.equal(await tokens.accessToken(instance.id), first, 'no refresh while the token is fresh');

      await app.emulator.control.expireAccessTokens('tokens@example.com');
      assert.equal(await profileStatus(first), 401, 'the emulator really expired it');
      const other = secondProcess();
      // As the provider client asks after a 401: refresh, unless the refused token was replaced meanwhile.
      const results = await Promise.all([
        tokens.accessToken(instance.id, { forceRefresh: true, refused: first }),
        tokens.accessToken(instance.id, { forceRefresh: true, refused: first }),
        other.accessToken(instance.id, { forceRefresh: true, refused: first }),
        other.accessToken(instance.id, { forceRefresh: true, refused: first }),
      ]);
      assert.equal(new Set(results).size, 1, `one refresh serves every caller, got ${new Set(results).size} tokens`);
      assert.notEqual(results[0], first);
      assert.equal(await profileStatus(results[0]!), 200);
    });

    test('invalid_grant marks the instance invalid with the reason, visible in the API', async () => {
      const instance = await createInstance(app, 'revoked@example.com');
      await app.emulator.control.revokeGrants('revoked@example.com');
      await assert.rejects(app.server.services.tokens.accessToken(instance.id, { forceRefresh: true }), /invalid_grant/);
      const shown = await apiCall(app, 'GET', `/instances/${instance.id}`);
      assert.equal(shown.body.valid, false);
      assert.match(shown.body.invalidReason, /invalid_grant/);
      await assert.rejects(app.server.services.tokens.accessToken(instance.id), /not valid/);
    });
  });
}
