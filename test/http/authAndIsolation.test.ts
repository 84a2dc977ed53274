// The Authorization header forms, the 401 body, brute-force slowing, and tenant isolation: another
// organization's instance is a 404 on every instance route.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TenantService } from '../../src/tenants/index.ts';
import { testDialects } from '../support/databases.ts';
import { apiCall, authorizationCode, createInstance, seedBody, startTestApp, type TestApp } from '../support/testApp.ts';

for (const dialect of testDialects()) {
  describe(`authorization and isolation on ${dialect}`, () => {
    let app: TestApp;
    let otherAuth: string;
    before(async () => {
      app = await startTestApp(dialect);
      const other = await new TenantService(app.server.services.store.db).createOrganization({ name: 'Other', userEmail: 'other@localhost' });
      otherAuth = `User ${other.userSecret}, Organization ${other.organizationSecret}`;
    });
    after(() => app.close());

    test('header parts in any order, any case, extra whitespace', async () => {
      for (const header of [
        app.auth,
        `Organization ${app.orgSecret}, User ${app.userSecret}`,
        `  user   ${app.userSecret} ,organization ${app.orgSecret}  `,
      ]) {
        const response = await apiCall(app, 'GET', '/instances', undefined, { authorization: header });
        assert.equal(response.status, 200, header);
      }
    });

    test('missing, malformed or wrong secrets are 401 with the error body', async () => {
      for (const header of [
        '',
        'Bearer abc',
        `User ${app.userSecret}`,
        `User ${app.userSecret}, Organization wrong-organization-secret`,
        `User wrong-user-secret, Organization ${app.orgSecret}`,
        `User ${app.userSecret}, User ${app.userSecret}, Organization ${app.orgSecret}`,
      ]) {
        const response = await apiCall(app, 'GET', '/instances', undefined, { authorization: header });
        assert.equal(response.status, 401, header);
        assert.equal(typeof response.body.requestId, 'string');
        assert.equal(typeof response.body.message, 'string');
        assert.ok(!response.body.message.includes(app.userSecret), 'the error never echoes a secret');
      }
    });

    test("a user secret with another organization's secret is refused", async () => {
      const otherOrgSecret = otherAuth.split('Organization ')[1]!;
      const response = await apiCall(app, 'GET', '/instances', undefined, { authorization: `User ${app.userSecret}, Organization ${otherOrgSecret}` });
      assert.equal(response.status, 401);
    });

    test("another organization's instance is a 404 on every route", async () => {
      const instance = await createInstance(app, 'isolated@example.com');
      const other = { api: app.api, auth: otherAuth };
      assert.deepEqual((await apiCall(other, 'GET', '/instances')).body, []);
      assert.equal((await apiCall(other, 'GET', `/instances/${instance.id}`)).status, 404);
      assert.equal((await apiCall(other, 'PATCH', `/instances/${instance.id}`, { name: 'stolen' })).status, 404);
      const code = await authorizationCode(app, 'isolated@example.com');
      assert.equal((await apiCall(other, 'PUT', `/instances/${instance.id}`, seedBody(code))).status, 404);
      assert.equal((await apiCall(other, 'DELETE', `/instances/${instance.id}`)).status, 404);
      const mine = await apiCall(app, 'GET', `/instances/${instance.id}`);
      assert.equal(mine.status, 200);
      assert.equal(mine.body.name, 'API Instance with Polling');
    });

    test('repeated failed authentication from one address is slowed with 429', async () => {
      let status = 0;
      for (let i = 0; i < 40 && status !== 429; i += 1) {
        status = (await apiCall(app, 'GET', '/instances', undefined, { authorization: `User guess-${i}, Organization guess` })).status;
      }
      assert.equal(status, 429);
    });
  });
}
