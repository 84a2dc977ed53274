// The SSRF guard of deliveries: literal private addresses are refused before connecting, and a host
// name is checked after DNS, when connecting, so a name resolving to loopback is refused too.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { assertPublicLiteral, connectionFailureText, createCallbackAgent, PrivateAddressRefused, type HostResolver } from '../../../src/events/delivery/callbackAgent.ts';
import { callbackUrlProblem } from '../../../src/events/delivery/callbackUrlPolicy.ts';

let server: http.Server;
let port = 0;
before(async () => {
  server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('literal private, loopback and link-local addresses are refused before connecting', () => {
  for (const url of ['http://127.0.0.1/x', 'http://10.1.2.3/', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://[::ffff:192.168.1.1]/', 'http://[::127.0.0.1]/', 'http://[64:ff9b::a9fe:a9fe]/', 'http://[2002:7f00:1::]/', 'http://localhost/', 'http://LOCALHOST./']) {
    assert.throws(() => assertPublicLiteral(new URL(url)), PrivateAddressRefused, url);
  }
  assert.doesNotThrow(() => assertPublicLiteral(new URL('https://cloud-element.com/elements/api-v2/events/page.elementKey/')));
});

test('a refusal does not name the address the host resolved to: tenants read it', async () => {
  const rebinding: HostResolver = (_hostname, _options, callback) => callback(null, [{ address: '10.11.12.13', family: 4 }]);
  const guarded = createCallbackAgent({ allowPrivate: false, resolve: rebinding });
  const error = await request(`http://hooks.example.com:${port}/`, { dispatcher: guarded }).then(
    () => assert.fail('refused'),
    (failure: unknown) => failure,
  );
  await guarded.close();
  const text = connectionFailureText(error);
  assert.match(text, /private or loopback/);
  assert.doesNotMatch(text, /10\.11\.12\.13/);
});

test('at create time: form and literal addresses only; a host name need not resolve', () => {
  assert.equal(callbackUrlProblem('https://cloud-element.com/elements/api-v2/events/page.elementKey/', { allowPrivate: false }), undefined);
  assert.equal(callbackUrlProblem('https://no-such-host.invalid/hook', { allowPrivate: false }), undefined);
  assert.match(callbackUrlProblem('http://127.0.0.1:8080/hook', { allowPrivate: false })!, /private/);
  assert.match(callbackUrlProblem('http://localhost./hook', { allowPrivate: false })!, /private/);
  assert.match(callbackUrlProblem('ftp://example.com/', { allowPrivate: false })!, /http/);
  assert.match(callbackUrlProblem('http://user:pw@example.com/', { allowPrivate: false })!, /credentials/);
  assert.equal(callbackUrlProblem('http://127.0.0.1:8080/hook', { allowPrivate: true }), undefined);
});

test('a host name that resolves to loopback is refused when connecting (DNS rebinding)', async () => {
  // A DNS server that answers every name with loopback: what a rebinding attacker's DNS would do.
  const rebinding: HostResolver = (_hostname, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]);
  const guarded = createCallbackAgent({ allowPrivate: false, resolve: rebinding });
  await assert.rejects(request(`http://hooks.example.com:${port}/`, { dispatcher: guarded }), (error: Error & { cause?: Error }) => {
    return error instanceof PrivateAddressRefused || error.cause instanceof PrivateAddressRefused;
  });
  await guarded.close();
  // An IPv6 answer carrying loopback (IPv4-translated, NAT64, 6to4) is refused the same way.
  for (const address of ['::ffff:0:7f00:1', '64:ff9b::7f00:1', '2002:7f00:1::1']) {
    const embedding: HostResolver = (_hostname, _options, callback) => callback(null, [{ address, family: 6 }]);
    const agent = createCallbackAgent({ allowPrivate: false, resolve: embedding });
    await assert.rejects(request(`http://hooks.example.com:${port}/`, { dispatcher: agent, headersTimeout: 2000 }), (error: Error & { cause?: Error }) => {
      return error instanceof PrivateAddressRefused || error.cause instanceof PrivateAddressRefused;
    }, address);
    await agent.close();
  }
  const publicDns: HostResolver = (_hostname, _options, callback) => callback(null, [{ address: '93.184.215.14', family: 4 }]);
  const allowed = createCallbackAgent({ allowPrivate: false, resolve: publicDns });
  // The guard lets a public address through (the connection itself then fails: no network here).
  await assert.rejects(request(`http://hooks.example.com:${port}/`, { dispatcher: allowed, headersTimeout: 2000 }), (error: Error & { cause?: Error }) => {
    return !(error instanceof PrivateAddressRefused || error.cause instanceof PrivateAddressRefused);
  });
  await allowed.close();
  const open = createCallbackAgent({ allowPrivate: true });
  const response = await request(`http://127.0.0.1:${port}/`, { dispatcher: open });
  assert.equal(await response.body.text(), 'ok');
  await open.close();
});
