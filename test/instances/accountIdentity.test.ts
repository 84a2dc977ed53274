// A new grant's account (shown as providerAccount) is asked of the provider through the provider client,
// like every other provider call: a passing outage is retried rather than leaving the account unknown,
// and the call is counted in the provider metrics.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../support/databases.ts';
import { apiCall, authorizationCode, seedBody, startTestApp, type TestApp } from '../support/testApp.ts';

for (const dialect of testDialects()) {
  describe(`account identification on ${dialect}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(dialect);
    });
    after(() => app.close());

    test('users.getProfile failing once is retried, and counted', async () => {
      const email = 'identify@example.com';
      const code = await authorizationCode(app, email);
      app.emulator.control.injectFault({ method: 'users.getProfile', pathPattern: '/profile', status: 503, times: 1 });
      const created = await apiCall(app, 'POST', '/instances', seedBody(code, { configuration: { 'event.notification.enabled': false } }));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.providerAccount, email);

      const scrape = await app.server.services.metrics.scrape();
      const count = (status: string) => {
        const line = scrape.split('\n').find((l) => l.startsWith('changehook_provider_calls_total{') && l.includes('method="users.getProfile"') && l.includes(`status="${status}"`));
        return line === undefined ? 0 : Number(line.split(' ').at(-1));
      };
      assert.equal(count('503'), 1);
      assert.equal(count('200'), 1);
    });
  });
}
