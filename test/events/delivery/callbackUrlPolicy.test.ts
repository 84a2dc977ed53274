// The callback URL policy on IPv6 literals: every form that embeds a private IPv4 address (compatible,
// mapped, translated, NAT64, 6to4, Teredo) and the non-public IPv6 ranges are refused, at create time
// (callbackUrlProblem) and at connect time (isPrivateAddress, which delivery calls on resolved
// addresses); public IPv6 addresses, and those forms carrying a public IPv4 address, are not.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callbackUrlProblem, isPrivateAddress } from '../../../src/events/delivery/callbackUrlPolicy.ts';

const refusedUrls = [
  // IPv4-compatible ::a.b.c.d, as written and as the URL parser rewrites it.
  'http://[::7f00:1]/', 'http://[::127.0.0.1]/', 'http://[::a00:1]/', 'http://[::169.254.169.254]/',
  // IPv4-mapped, dotted and hex.
  'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[::ffff:a9fe:a9fe]/', 'http://[0:0:0:0:0:ffff:c0a8:101]/',
  // IPv4-translated ::ffff:0:a.b.c.d.
  'http://[::ffff:0:7f00:1]/', 'http://[::ffff:0:10.1.2.3]/',
  // NAT64: the well-known /96 carrying a private address, and the local-use /48 whatever it carries.
  'http://[64:ff9b::7f00:1]/', 'http://[64:ff9b::192.168.0.1]/', 'http://[64:ff9b:1::7f00:1]/', 'http://[64:ff9b:1:0:8:808:800::]/',
  // 6to4: the IPv4 address is bits 16-48.
  'http://[2002:7f00:1::]/', 'http://[2002:a9fe:a9fe::1]/', 'http://[2002:c0a8:101:1::1]/',
  // Teredo: the client is the last 32 bits inverted (80ff:fffe = 127.0.0.1), or a private server.
  'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', 'http://[2001:0:a00:1:8000:63bf:f7f7:f7f7]/',
  // IPv4 documentation ranges (TEST-NET-1, -2, -3).
  'http://192.0.2.1/', 'http://198.51.100.7/', 'http://203.0.113.9/',
  // Non-public IPv6 ranges.
  'http://[::]/', 'http://[::1]/', 'http://[100::1]/', 'http://[100::ffff:ffff:ffff:ffff]/', 'http://[2001:db8::1]/',
  'http://[2001:2::1]/', 'http://[2001:10::1]/', 'http://[2001:20::1]/', 'http://[3fff::1]/', 'http://[fc00::1]/', 'http://[fd12:3456::1]/',
  'http://[fe80::1]/', 'http://[fec0::1]/', 'http://[ff02::1]/', 'http://[5f00::1]/', 'http://[1000::1]/',
];

const allowedUrls = [
  'http://[2606:4700::1111]/', 'https://[2606:4700:4700::1001]:8443/hook', 'http://[2a00:1450:4001:82a::200e]/',
  'http://[::ffff:8.8.8.8]/', 'http://[::ffff:808:808]/', 'http://[::ffff:0:808:808]/', 'http://[64:ff9b::808:808]/', 'http://[64:ff9b::8.8.8.8]/',
  'http://[2002:808:808::1]/', 'http://[2001:0:4136:e378:8000:63bf:f7f7:f7f7]/', 'http://[::808:808]/',
  'http://8.8.8.8/', 'https://1.1.1.1/',
];

test('IPv6 literals embedding a private IPv4 address, and non-public IPv6 ranges, are refused at create time', () => {
  for (const url of refusedUrls) {
    assert.match(callbackUrlProblem(url, { allowPrivate: false }) ?? 'allowed', /private/, url);
    assert.equal(callbackUrlProblem(url, { allowPrivate: true }), undefined, `${url} is allowed when private callbacks are`);
  }
});

test('public IPv6 literals, and IPv6 forms embedding a public IPv4 address, are allowed', () => {
  for (const url of allowedUrls) assert.equal(callbackUrlProblem(url, { allowPrivate: false }), undefined, url);
});

test('resolved addresses are judged the same way when delivery connects', () => {
  // As DNS answers them: not URL-normalised, in any case, sometimes with a zone.
  for (const address of ['::7f00:1', '::127.0.0.1', '::FFFF:7F00:1', '::ffff:0:127.0.0.1', '64:FF9B::7F00:1', '64:ff9b:1::a00:1', '2002:7f00:1::', '2001:0:4136:e378:8000:63bf:80ff:fffe', '100::', '2001:db8::', '::', 'fe80::1%eth0', '0:0:0:0:0:0:0:1']) {
    assert.equal(isPrivateAddress(address), true, address);
  }
  for (const address of ['2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::', '93.184.215.14', 'example.com']) {
    assert.equal(isPrivateAddress(address), false, address);
  }
});
