// The one reading of a hub URL into the operation path and query, and the poller using it through the engine.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitHubUrl } from '../../src/hubs/index.ts';

test('a configured poll URL becomes the operation path and its query', () => {
  assert.deepEqual(splitHubUrl('/hubs/general/messages?where=a%20%3D%201&x=1&x=2'), { path: '/messages', query: { where: 'a = 1', x: ['1', '2'] } });
  assert.deepEqual(splitHubUrl('/hubs/general/messages/abc'), { path: '/messages/abc', query: {} });
  assert.deepEqual(splitHubUrl('/hubs/general'), { path: '/', query: {} });
});

test('whichever hub the URL names, the path after it is the operation', () => {
  assert.deepEqual(splitHubUrl('/hubs/mail/messages'), { path: '/messages', query: {} });
  assert.deepEqual(splitHubUrl('/hubsx/messages'), { path: '/hubsx/messages', query: {} });
});

test('a bare operation path passes through, and the given query wins over the URL', () => {
  assert.deepEqual(splitHubUrl('messages', { pageSize: '5' }), { path: '/messages', query: { pageSize: '5' } });
  assert.deepEqual(splitHubUrl('/hubs/general/messages?pageSize=10&q=x', { pageSize: '5' }), { path: '/messages', query: { pageSize: '5', q: 'x' } });
});

test('a question mark inside the query is part of a value', () => {
  assert.deepEqual(splitHubUrl("/hubs/general/messages?where=subject='why?'"), { path: '/messages', query: { where: "subject='why?'" } });
});
