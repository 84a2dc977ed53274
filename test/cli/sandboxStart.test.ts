// `npm start -- --sandbox` as a newcomer runs it: a child process that prints the URL, the tenant
// secrets and the sandbox OAuth client; the product page's flow works with what it printed; SIGTERM
// shuts it down cleanly. Then `orgs create` and `migrate` on the same data directory.

import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { approveConsent } from '../../emulators/google/index.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-cli-'));
const cli = path.resolve('bin/changehook.mjs');
let child: ChildProcessWithoutNullStreams | undefined;

after(() => {
  child?.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function waitForOutput(proc: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in output within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing ${pattern}:\n${output}`));
    });
  });
}

test('the sandbox prints what a newcomer needs, and the seed flow works with it', async () => {
  child = spawn(process.execPath, [cli, 'serve', '--sandbox'], {
    env: { ...process.env, PORT: '0', CHANGEHOOK_SANDBOX_GOOGLE_PORT: '0', CHANGEHOOK_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  });
  const banner = await waitForOutput(child, /mailbox\s+\S+@\S+/);
  const url = /console\s+(http:\/\/\S+?)\/\s/.exec(banner)?.[1];
  const auth = /Authorization: (User \S+, Organization \S+)/.exec(banner)?.[1];
  const clientId = /OAuth client id\s+(\S+)/.exec(banner)?.[1];
  const clientSecret = /OAuth client secret\s+(\S+)/.exec(banner)?.[1];
  const redirect = /redirect URI\s+(\S+)/.exec(banner)?.[1];
  const mailbox = /mailbox\s+(\S+)/.exec(banner)?.[1];
  assert.ok(url && auth && clientId && clientSecret && redirect && mailbox, banner);

  const api = `${url}/elements/api-v2`;
  const oauth = await fetch(`${api}/elements/gmail/oauth/url?${new URLSearchParams({ apiKey: clientId, apiSecret: clientSecret, callbackUrl: redirect })}`, {
    headers: { authorization: auth },
  });
  assert.equal(oauth.status, 200);
  const { oauthUrl } = (await oauth.json()) as { oauthUrl: string };
  const consent = await approveConsent(oauthUrl, mailbox);
  assert.equal(consent.redirectUri, redirect);
  const callbackPage = await fetch(`${redirect}?code=${encodeURIComponent(consent.code)}&state=gmail`);
  assert.match(await callbackPage.text(), new RegExp(consent.code.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  const created = await fetch(`${api}/instances`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      element: { key: 'gmail' },
      providerData: { code: consent.code },
      configuration: {
        'oauth.api.key': clientId,
        'oauth.api.secret': clientSecret,
        'oauth.callback.url': redirect,
        'event.notification.enabled': true,
        'event.notification.callback.url': 'https://cloud-element.com/elements/api-v2/events/page.elementKey/',
        'event.poller.refresh_interval': '15',
        'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
      },
      tags: ['Docs'],
      name: 'API Instance with Polling',
    }),
  });
  const instance = (await created.json()) as { id: number; token: string };
  assert.equal(created.status, 200, JSON.stringify(instance));
  assert.equal(typeof instance.id, 'number');
  assert.ok(instance.token.length > 20);

  const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  child = undefined;
});

test('orgs create prints new secrets once; migrate reports an up-to-date schema', () => {
  const env = { ...process.env, CHANGEHOOK_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const created = execFileSync(process.execPath, [cli, 'orgs', 'create', '--name', 'Acme'], { env, encoding: 'utf8' });
  assert.match(created, /organization \d+ "Acme"/);
  assert.match(created, /Authorization: User \S+, Organization \S+/);
  assert.match(execFileSync(process.execPath, [cli, 'migrate'], { env, encoding: 'utf8' }), /up to date \(sqlite\)/);
  const rotated = execFileSync(process.execPath, [cli, 'keys', 'rotate'], { env, encoding: 'utf8' });
  assert.match(rotated, /re-encrypted \d+ secrets of \d+ instances under key \w+/);
  assert.equal(fs.readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim().split('\n').length, 1);
});

test('a wrong variable stops the start with its name', () => {
  assert.throws(
    () => execFileSync(process.execPath, [cli, 'serve'], { env: { ...process.env, PORT: 'eighty', CHANGEHOOK_DATA_DIR: dataDir }, encoding: 'utf8', stdio: 'pipe' }),
    (error: Error & { status?: number; stderr?: string }) => error.status === 78 && /PORT/.test(error.stderr ?? ''),
  );
});
