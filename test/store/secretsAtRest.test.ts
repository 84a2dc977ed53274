// Secrets at rest: nothing the tests handed to Changehook, or that Google handed back (access and
// refresh tokens), nor the instance's whsec_ webhook secret, appears in the SQLite file or in a
// PostgreSQL dump; `keys rotate` re-seals everything under a new key.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Keyring, generateMasterKey } from '../../src/crypto/index.ts';
import { reencryptInstanceSecrets } from '../../src/instances/index.ts';
import { sqliteFile } from '../../src/store/index.ts';
import { testDialects } from '../support/databases.ts';
import { apiCall, createInstance, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startTestApp, type TestApp } from '../support/testApp.ts';

function storedBytes(app: TestApp): string {
  if (app.database.dialect === 'sqlite') {
    // Include the WAL: recent writes may not be checkpointed into the main file yet.
    return ['', '-wal']
      .map((suffix) => sqliteFile(app.database.dataDir) + suffix)
      .filter((file) => fs.existsSync(file))
      .map((file) => fs.readFileSync(file).toString('latin1'))
      .join('\n');
  }
  return execFileSync('pg_dump', ['--data-only', app.database.databaseUrl!], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/**
 * The instance's refresh token, opened with the product's key — and shown to be the one Google issued:
 * the emulator's token endpoint accepts it (a search for a made-up value would prove nothing).
 */
async function googleRefreshToken(app: TestApp, instanceId: number): Promise<string> {
  const { services } = app.server;
  const row = await services.store.db.selectFrom('instances').select('refresh_token_encrypted').where('id', '=', instanceId).executeTakeFirstOrThrow();
  assert.ok(row.refresh_token_encrypted, 'the instance holds a refresh token');
  const refreshToken = services.keyring.decrypt(row.refresh_token_encrypted);
  const response = await fetch(`${app.emulator.baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET }),
  });
  assert.equal(response.status, 200, `Google refused the stored refresh token: ${await response.text()}`);
  return refreshToken;
}

for (const dialect of testDialects()) {
  describe(`secrets at rest on ${dialect}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(dialect);
    });
    after(() => app.close());

    test('no secret appears in the stored bytes', async () => {
      const signatureKey = 'signature-key-that-must-not-leak-42';
      const instance = await createInstance(app, 'secrets@example.com', { configuration: { 'event.notification.signature.key': signatureKey } });
      const accessToken = await app.server.services.tokens.accessToken(instance.id);
      const shown = await apiCall(app, 'GET', `/instances/${instance.id}`);
      assert.equal(shown.body.configuration['event.notification.signature.key'], '********');
      const webhookSecret = (await apiCall(app, 'GET', `/instances/${instance.id}/webhook-secret`)).body.secret as string;
      assert.match(webhookSecret, /^whsec_/);
      const refreshToken = await googleRefreshToken(app, instance.id);
      const bytes = storedBytes(app);
      assert.ok(bytes.length > 1000, 'read the database');
      assert.ok(bytes.includes('secrets@example.com'), 'non-secret data is there, so the search is meaningful');
      for (const [what, secret] of [
        ['organization secret', app.orgSecret],
        ['user secret', app.userSecret],
        ['instance token', instance.token],
        ['client secret', SANDBOX_CLIENT_SECRET],
        ['signature key', signatureKey],
        ['access token', accessToken],
        ['refresh token', refreshToken],
        ['webhook secret', webhookSecret],
        ['webhook secret without its prefix', webhookSecret.slice('whsec_'.length)],
      ] as const) {
        assert.ok(!bytes.includes(secret), `${what} found in the ${dialect} store`);
      }
    });

    test('keys rotate re-encrypts every secret under the new key', async () => {
      const instance = await createInstance(app, 'rotate@example.com');
      const { services } = app.server;
      const newKey = generateMasterKey();
      const rotated = new Keyring(newKey, [app.config.masterKey ?? fs.readFileSync(path.join(app.database.dataDir, 'master.key'), 'utf8').trim().split('\n').map((l) => Buffer.from(l, 'base64'))[0]!]);
      const result = await reencryptInstanceSecrets(services.store.db, rotated);
      assert.ok(result.values >= 4, `re-encrypted ${result.values} values`);
      const onlyNewKey = new Keyring(newKey);
      const row = await services.store.db.selectFrom('instances').selectAll().where('id', '=', instance.id).executeTakeFirstOrThrow();
      assert.equal(onlyNewKey.decrypt(row.token_encrypted), instance.token);
      assert.ok(JSON.parse(onlyNewKey.decrypt(row.secret_configuration))['oauth.api.secret']);
      assert.equal((await reencryptInstanceSecrets(services.store.db, rotated)).values, 0, 'a second run has nothing left to do');
    });
  });
}
