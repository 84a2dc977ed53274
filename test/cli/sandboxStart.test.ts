// `npm start -- --sandbox` as a newcomer runs it: a child process that prints the URL, the tenant
// secrets and, per provider, its emulator and sandbox OAuth client; the product page's flow works with
// what it printed, for Gmail and Outlook alike; SIGTERM shuts it and its emulators down cleanly; a
// provider's explicit base URL skips its emulator. Then `orgs create` and `migrate` on the same data
// directory.

import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { approveConsent } from '../../emulators/google/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { startServer } from '../../src/cli/serve.ts';

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

/** The banner's block of one provider: `<vendor> emulator on <url> …` or `<vendor>: … no emulator started`, with its fields. */
function providerSection(banner: string, vendor: string): { started: boolean; url?: string; fields: Record<string, string> } | undefined {
  const block = banner.split(/\n\s*\n/).find((text) => text.startsWith(`${vendor} emulator on `) || text.startsWith(`${vendor}: `));
  if (!block) return undefined;
  const fields: Record<string, string> = {};
  for (const line of block.split('\n').slice(1)) {
    const match = /^\s+(\S.*?)\s{2,}(\S+)/.exec(line);
    if (match) fields[match[1]!] = match[2]!;
  }
  const started = block.startsWith(`${vendor} emulator on `);
  return { started, url: started ? /emulator on (\S+)/.exec(block)?.[1] : /uses (\S+)/.exec(block)?.[1], fields };
}

/** The whole banner: it ends with the last provider's mailbox line and a blank line. */
const BANNER_END = /redirect URI[\s\S]*mailbox\s+\S+@\S+\n\n$/;

function instanceBody(element: string, code: string, client: { id: string; secret: string }, redirect: string) {
  return {
    element: { key: element },
    providerData: { code },
    configuration: {
      'oauth.api.key': client.id,
      'oauth.api.secret': client.secret,
      'oauth.callback.url': redirect,
      'event.notification.enabled': true,
      'event.notification.callback.url': 'https://cloud-element.com/elements/api-v2/events/page.elementKey/',
      'event.poller.refresh_interval': '15',
      'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
    },
    tags: ['Docs'],
    name: 'API Instance with Polling',
  };
}

/** Whether anything accepts connections on a loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('the sandbox prints what a newcomer needs, for every emulator, and the seed flow works with it for both elements', async () => {
  child = spawn(process.execPath, [cli, 'serve', '--sandbox'], {
    env: { ...process.env, PORT: '0', CHANGEHOOK_SANDBOX_GOOGLE_PORT: '0', CHANGEHOOK_SANDBOX_MICROSOFT_PORT: '0', CHANGEHOOK_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  });
  const banner = await waitForOutput(child, BANNER_END);
  const url = /console\s+(http:\/\/\S+?)\/\s/.exec(banner)?.[1];
  const auth = /Authorization: (User \S+, Organization \S+)/.exec(banner)?.[1];
  const redirect = /redirect URI\s+(\S+)/.exec(banner)?.[1];
  assert.ok(url && auth && redirect, banner);
  const api = `${url}/elements/api-v2`;

  const google = providerSection(banner, 'Google');
  const microsoft = providerSection(banner, 'Microsoft');
  assert.ok(google?.started, `no Google emulator in the banner:\n${banner}`);
  assert.ok(microsoft?.started, `no Microsoft emulator in the banner:\n${banner}`);
  assert.deepEqual([google.fields['OAuth client id'], google.fields['OAuth client secret']], ['sandbox-client-id.apps.googleusercontent.com', 'sandbox-client-secret']);
  assert.deepEqual([microsoft.fields['OAuth client id'], microsoft.fields['OAuth client secret']], ['00000000-0000-4000-8000-00000000c0de', 'sandbox-outlook-client-secret']);
  assert.notEqual(google.url, microsoft.url);

  // The Microsoft emulator's HTTPS side, for tools like @azure/msal-node: the printed CA file verifies it.
  const httpsUrl = microsoft.fields.HTTPS;
  const caFile = microsoft.fields['CA certificate'];
  assert.ok(httpsUrl?.startsWith('https://') && caFile, banner);
  const ca = fs.readFileSync(caFile, 'utf8');
  assert.match(ca, /BEGIN CERTIFICATE/);
  const tlsStatus = await new Promise<number | undefined>((resolve, reject) => {
    https.get(`${httpsUrl}/common/discovery/instance`, { ca }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).once('error', reject);
  });
  assert.equal(typeof tlsStatus, 'number');

  for (const [element, section] of [
    ['gmail', google],
    ['outlookemail', microsoft],
  ] as const) {
    const client = { id: section.fields['OAuth client id']!, secret: section.fields['OAuth client secret']! };
    const mailbox = section.fields.mailbox!;
    const oauth: Response = await fetch(`${api}/elements/${element}/oauth/url?${new URLSearchParams({ apiKey: client.id, apiSecret: client.secret, callbackUrl: redirect })}`, {
      headers: { authorization: auth },
    });
    assert.equal(oauth.status, 200);
    const { oauthUrl } = (await oauth.json()) as { oauthUrl: string };
    // Each element is pointed at its own emulator.
    assert.ok(oauthUrl.startsWith(`${section.url}/`), `${element}: ${oauthUrl} is not on ${section.url}`);
    const consent = await approveConsent(oauthUrl, mailbox);
    assert.equal(consent.redirectUri, redirect);
    const callbackPage = await fetch(`${redirect}?code=${encodeURIComponent(consent.code)}&state=${element}`);
    assert.match(await callbackPage.text(), new RegExp(consent.code.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

    const created: Response = await fetch(`${api}/instances`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(instanceBody(element, consent.code, client, redirect)),
    });
    const instance = (await created.json()) as { id: number; token: string; element: { key: string }; providerAccount: string };
    assert.equal(created.status, 200, JSON.stringify(instance));
    assert.equal(typeof instance.id, 'number');
    assert.ok(instance.token.length > 20);
    assert.equal(instance.element.key, element);
    assert.equal(instance.providerAccount, mailbox);
  }

  const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  child = undefined;
});

test('closing the sandbox server closes every emulator it started', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-cli-close-'));
  const config = loadConfig({
    PORT: '0',
    CHANGEHOOK_SANDBOX: '1',
    CHANGEHOOK_SANDBOX_GOOGLE_PORT: '0',
    CHANGEHOOK_SANDBOX_MICROSOFT_PORT: '0',
    CHANGEHOOK_DATA_DIR: dir,
    LOG_LEVEL: 'silent',
  });
  const server = await startServer(config, 'serve');
  try {
    const started = (server.sandbox ?? []).filter((provider) => provider.emulator);
    assert.deepEqual(started.map((provider) => provider.vendor).sort(), ['Google', 'Microsoft']);
    const ports = started.flatMap(({ emulator }) => [emulator!.baseUrl, emulator!.httpsBaseUrl].filter((url) => url !== undefined).map((url) => Number(new URL(url).port)));
    assert.equal(ports.length, 3, 'the Google emulator, and the Microsoft one over HTTP and HTTPS');
    for (const port of ports) assert.equal(await listening(port), true, `nothing listens on ${port}`);
    await server.close();
    for (const port of ports) assert.equal(await listening(port), false, `port ${port} still listens after close()`);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const { vendor, variable, portVariable, other } of [
  { vendor: 'Microsoft', variable: 'CHANGEHOOK_MICROSOFT_BASE_URL', portVariable: 'CHANGEHOOK_SANDBOX_MICROSOFT_PORT', other: 'Google' },
  { vendor: 'Google', variable: 'CHANGEHOOK_GOOGLE_BASE_URL', portVariable: 'CHANGEHOOK_SANDBOX_GOOGLE_PORT', other: 'Microsoft' },
]) {
  test(`an explicit ${variable} skips the sandbox's ${vendor} emulator; the ${other} one still starts`, async () => {
    const skippedPort = await freePort();
    const explicit = 'http://127.0.0.1:9';
    const ports = { CHANGEHOOK_SANDBOX_GOOGLE_PORT: '0', CHANGEHOOK_SANDBOX_MICROSOFT_PORT: '0', [portVariable]: String(skippedPort) };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-cli-explicit-'));
    const proc = spawn(process.execPath, [cli, 'serve', '--sandbox'], {
      env: { ...process.env, PORT: '0', ...ports, [variable]: explicit, CHANGEHOOK_DATA_DIR: dir, LOG_LEVEL: 'warn' },
    });
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    try {
      const banner = await waitForOutput(proc, BANNER_END);
      const skipped = providerSection(banner, vendor);
      assert.ok(skipped && !skipped.started, `the ${vendor} emulator was started:\n${banner}`);
      assert.equal(skipped.url, explicit);
      assert.match(banner, new RegExp(`${vendor}: .*${variable}.*no emulator started`));
      assert.ok(providerSection(banner, other)?.started, `no ${other} emulator:\n${banner}`);
      assert.equal(await listening(skippedPort), false, `something listens on the ${vendor} sandbox port`);
    } finally {
      proc.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

for (const { provider, clientId } of [
  { provider: 'google', clientId: 'sandbox-client-id.apps.googleusercontent.com' },
  { provider: 'microsoft', clientId: '00000000-0000-4000-8000-00000000c0de' },
]) {
  test(`changehook emulator ${provider} runs that emulator alone and stops on SIGTERM`, async () => {
    const proc = spawn(process.execPath, [cli, 'emulator', provider, '--port', '0'], { env: { ...process.env, LOG_LEVEL: 'warn' } });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    try {
      const output = await waitForOutput(proc, /sandbox client:\s+id \S+/);
      assert.equal(/sandbox client:\s+id (\S+)/.exec(output)?.[1], clientId);
      const origin = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      assert.ok(origin, output);
      assert.equal((await fetch(`${origin}/__emulator/mailboxes`)).status, 200);
      proc.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      proc.kill('SIGKILL');
    }
  });
}

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
