// The one host normalisation behind both callback checks: the URL policy (when a callback is set) and
// the agent's literal check (when one is delivered to) read every spelling of a host the same way.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertPublicLiteral } from '../../../src/events/delivery/callbackAgent.ts';
import { callbackHost, callbackUrlProblem, isLoopbackName } from '../../../src/events/delivery/callbackUrlPolicy.ts';

test('callbackHost drops IPv6 brackets and a trailing dot, in lower case', () => {
  assert.equal(callbackHost(new URL('https://[::1]:8443/hook')), '::1');
  assert.equal(callbackHost(new URL('https://LocalHost./hook')), 'localhost');
  assert.equal(callbackHost(new URL('https://Hooks.Example.com./x')), 'hooks.example.com');
});

test('isLoopbackName: localhost and its subdomains only', () => {
  assert.equal(isLoopbackName('localhost'), true);
  assert.equal(isLoopbackName('app.localhost'), true);
  assert.equal(isLoopbackName('localhost.example.com'), false);
  assert.equal(isLoopbackName('notlocalhost'), false);
});

test('the policy and the agent refuse the same spellings of a loopback host', () => {
  for (const url of ['http://localhost./x', 'http://LOCALHOST/x', 'http://a.localhost./x', 'http://[::1]/x', 'http://127.0.0.1./x']) {
    assert.ok(callbackUrlProblem(url, { allowPrivate: false }), `policy: ${url}`);
    assert.throws(() => assertPublicLiteral(new URL(url)), `agent: ${url}`);
  }
  for (const url of ['https://hooks.example.com./x', 'https://[2606:4700:4700::1111]/x']) {
    assert.equal(callbackUrlProblem(url, { allowPrivate: false }), undefined, url);
    assert.doesNotThrow(() => assertPublicLiteral(new URL(url)), url);
  }
});
