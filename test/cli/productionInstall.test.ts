// The Dockerfile's steps, run outside Docker (no Docker engine runs here): build and pack the checkout
// as the build stage does (`npm pack`, whose prepack compiles src/ and emulators/ and builds the
// console), then install the tarball in a clean folder as the runtime stage does (`npm ci --omit=dev`
// against the npm-shrinkwrap.json it carries), and start it from there: `changehook migrate`, then
// `changehook serve --sandbox` answering /readyz, serving the console, and turning one emulated email
// into one signed webhook end to end.
//
// The installed package must hold no TypeScript tooling (no tsx, typescript, esbuild, vite) and no
// sources, and the running server no esbuild service beside it: it runs the compiled JavaScript.
//
// Speed: packages come from npm's cache filled by the checkout's own `npm ci` (--prefer-offline). The
// one native addon, better-sqlite3, would compile from source for a minute (its prebuilt binaries are
// on GitHub, out of reach here); prebuild-install is instead given the binary the checkout's install
// compiled, as a local prebuild (its documented --local-prebuilds), and still unpacks and loads it.

import assert from 'node:assert/strict';
import { type SpawnSyncOptions, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { approveConsent } from '../../emulators/google/index.ts';
import { seedBody } from '../support/testApp.ts';
import { verifyDelivery, waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';

const checkout = path.resolve('.');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'changehook-production-'));
const staged = path.join(scratch, 'checkout');
const packed = path.join(scratch, 'packed');
const app = path.join(scratch, 'app');
const dataDir = path.join(scratch, 'data');
const installedCli = path.join(app, 'bin', 'changehook.mjs');

/** What the tarball may hold: the command, the compiled code, the built console, the lockfile, the README. */
const PACKAGE_FILES = /^package\/(bin\/changehook\.mjs|dist\/(src|emulators)\/.+\.js|console\/dist\/.+|scripts\/prepare\.mjs|npm-shrinkwrap\.json|package\.json|README\.md)$/;
const DEV_TOOLS = ['tsx', 'typescript', 'esbuild', 'vite', '@biomejs', 'react', 'react-dom', 'playwright-core'];

/**
 * A production machine's environment: nothing of the `npm test` run that started this test (npm_*
 * variables would point npm at the checkout), and no node_modules/.bin of the checkout on PATH.
 */
function productionEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^npm_/i.test(name) || name === 'INIT_CWD' || name.startsWith('CHANGEHOOK_') || name === 'DATABASE_URL') continue;
    env[name] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((entry) => !entry.includes(`node_modules${path.sep}.bin`))
    .join(path.delimiter);
  return { ...env, ...extra };
}

function run(command: string, args: string[], options: SpawnSyncOptions): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return String(result.stdout);
}

/** The checkout as a fresh clone of it would be (tracked and new files, nothing ignored), with its node_modules. */
function stageCheckout(): void {
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: checkout }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!fs.existsSync(path.join(checkout, file))) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(staged, file)), { recursive: true });
    fs.copyFileSync(path.join(checkout, file), path.join(staged, file));
  }
  fs.symlinkSync(path.join(checkout, 'node_modules'), path.join(staged, 'node_modules'), 'dir');
}

/** better-sqlite3's addon as the checkout's install built it, named as prebuild-install looks for it. */
function localPrebuilds(): string {
  const dir = path.join(scratch, 'prebuilds');
  fs.mkdirSync(dir);
  const addon = path.join(checkout, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(fs.readFileSync(path.join(addon, 'package.json'), 'utf8')) as { version: string };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  run('tar', ['-czf', path.join(dir, name), '-C', addon, 'build/Release/better_sqlite3.node'], {});
  return dir;
}

/** Process ids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return children;
}

function waitForOutput(proc: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in output within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    proc.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing ${pattern}:\n${output}`));
    });
  });
}

describe('the packed package installed for production', () => {
  let tarball: string;
  let server: ChildProcessWithoutNullStreams | undefined;
  let receiver: WebhookReceiver | undefined;

  before(() => {
    stageCheckout();
    fs.mkdirSync(packed);
    // The build stage: npm pack runs prepack (npm run build) in the fresh checkout.
    run('npm', ['pack', '--pack-destination', packed], { cwd: staged, env: productionEnv() });
    const [name] = fs.readdirSync(packed);
    assert.ok(name?.endsWith('.tgz'), 'npm pack wrote a tarball');
    tarball = path.join(packed, name);
    assert.equal(fs.existsSync(path.join(staged, 'npm-shrinkwrap.json')), false, 'postpack removed the lockfile copy');

    // The runtime stage: the package's own folder, its locked production dependencies, no dev tools.
    fs.mkdirSync(app);
    run('tar', ['-xzf', tarball, '--strip-components=1', '-C', app], {});
    run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: app,
      env: productionEnv({ npm_config_better_sqlite3_local_prebuilds: localPrebuilds() }),
    });
  });

  after(async () => {
    server?.kill('SIGKILL');
    await receiver?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('the tarball holds the compiled code, the built console and the lockfile, and nothing else', () => {
    const entries = run('tar', ['-tzf', tarball], {}).split('\n').filter(Boolean);
    const unexpected = entries.filter((entry) => !PACKAGE_FILES.test(entry));
    assert.deepEqual(unexpected, [], 'files the tarball should not hold');
    for (const needed of ['package/dist/src/cli/main.js', 'package/dist/emulators/google/index.js', 'package/console/dist/index.html', 'package/npm-shrinkwrap.json']) {
      assert.ok(entries.includes(needed), `${needed} is packed`);
    }
    assert.ok(!entries.some((entry) => entry.endsWith('.map')), 'no source maps');
  });

  test('the production install has no dev tools and no TypeScript sources', () => {
    const installed = fs.readdirSync(path.join(app, 'node_modules'));
    assert.deepEqual(
      DEV_TOOLS.filter((tool) => installed.includes(tool)),
      [],
      'dev tools in the production node_modules',
    );
    const sources = fs.readdirSync(app, { recursive: true, encoding: 'utf8' }).filter((file) => !file.startsWith('node_modules') && file.endsWith('.ts'));
    assert.deepEqual(sources, []);
  });

  test('migrate, then serve --sandbox from the installed package: ready, console served, one email becomes one webhook', async () => {
    const env = productionEnv({ CHANGEHOOK_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    // As the image runs it: `changehook` on the PATH, a link to the package's bin (shebang, exec bit).
    const onPath = path.join(scratch, 'path');
    fs.mkdirSync(onPath);
    fs.symlinkSync(installedCli, path.join(onPath, 'changehook'));
    const migrated = spawnSync('changehook', ['migrate'], { env: { ...env, PATH: `${onPath}${path.delimiter}${env.PATH}` }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(migrated.status, 0, migrated.stderr);
    assert.match(migrated.stdout, /database is up to date \(sqlite\)/);

    server = spawn(process.execPath, [installedCli, 'serve', '--sandbox'], {
      cwd: app,
      env: { ...env, PORT: '0', CHANGEHOOK_SANDBOX_GOOGLE_PORT: '0', CHANGEHOOK_SANDBOX_MICROSOFT_PORT: '0' },
    });
    const banner = await waitForOutput(server, /mailbox\s+\S+@\S+/);
    const url = /console\s+(http:\/\/\S+?)\/\s/.exec(banner)?.[1];
    const auth = /Authorization: (User \S+, Organization \S+)/.exec(banner)?.[1];
    const emulatorUrl = /Google emulator on (http:\/\/\S+)/.exec(banner)?.[1];
    const clientId = /OAuth client id\s+(\S+)/.exec(banner)?.[1];
    const clientSecret = /OAuth client secret\s+(\S+)/.exec(banner)?.[1];
    const redirect = /redirect URI\s+(\S+)/.exec(banner)?.[1];
    const mailbox = /mailbox\s+(\S+)/.exec(banner)?.[1];
    assert.ok(url && auth && emulatorUrl && clientId && clientSecret && redirect && mailbox, banner);

    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    const consolePage = await fetch(`${url}/`);
    assert.equal(consolePage.status, 200, 'the packed console is served');
    assert.match(await consolePage.text(), /<script type="module"[^>]+src="\/assets\/index-[^"]+\.js"/);
    assert.deepEqual(childrenOf(server.pid!), [], 'no process beside the server (tsx would run an esbuild service)');

    receiver = await new WebhookReceiver().start();
    const api = `${url}/elements/api-v2`;
    const oauth = await fetch(`${api}/elements/gmail/oauth/url?${new URLSearchParams({ apiKey: clientId, apiSecret: clientSecret, callbackUrl: redirect })}`, {
      headers: { authorization: auth },
    });
    assert.equal(oauth.status, 200);
    const consent = await approveConsent(((await oauth.json()) as { oauthUrl: string }).oauthUrl, mailbox);
    const created = await fetch(`${api}/instances`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      // The product page's body, with the client, redirect URI and mailbox the banner printed, our
      // receiver and a one-second poll.
      body: JSON.stringify(
        seedBody(consent.code, {
          name: 'production install',
          configuration: {
            'oauth.api.key': clientId,
            'oauth.api.secret': clientSecret,
            'oauth.callback.url': redirect,
            'event.notification.callback.url': receiver.url,
            'event.poller.refresh_interval': '0.0167',
          },
        }),
      ),
    });
    const instance = (await created.json()) as { id: number };
    assert.equal(created.status, 200, JSON.stringify(instance));
    const get = <T>(route: string) => fetch(`${api}${route}`, { headers: { authorization: auth } }).then((r) => r.json() as Promise<T>);
    await waitFor(async () => {
      const shown = await get<{ eventsPolling: { resources: { baselineDate: string | null }[] } }>(`/instances/${instance.id}`);
      return shown.eventsPolling.resources.every((r) => r.baselineDate);
    }, 'the baseline poll');

    const sent = await fetch(`${emulatorUrl}/__emulator/mailboxes/${encodeURIComponent(mailbox)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'alice@example.com', to: mailbox, subject: 'Hello from production', text: 'one event' }),
    });
    assert.equal(sent.status, 201);
    const message = (await sent.json()) as { id: string };
    const delivery = await waitFor(() => receiver!.deliveries.find((d) => d.json.message.events.some((e: { objectId: string }) => e.objectId === message.id)), 'the webhook');
    assert.equal(delivery.json.message.instanceId, instance.id);
    assert.equal(delivery.json.message.events[0].eventType, 'CREATED');
    verifyDelivery(delivery, (await get<{ secret: string }>(`/instances/${instance.id}/webhook-secret`)).secret);

    const exited = new Promise<number | null>((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
    server = undefined;
  });
});
