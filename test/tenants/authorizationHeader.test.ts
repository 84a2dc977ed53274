import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuthorizationHeader } from '../../src/tenants/index.ts';

test('parses the three parts in any order and case', () => {
  assert.deepEqual(parseAuthorizationHeader('User u1, Organization o1, Element e1'), { user: 'u1', organization: 'o1', element: 'e1' });
  assert.deepEqual(parseAuthorizationHeader('element e1,user u1'), { user: 'u1', element: 'e1' });
  assert.deepEqual(parseAuthorizationHeader('  Organization   o1 ,  User\tu1  '), { user: 'u1', organization: 'o1' });
});

test('refuses unknown, repeated or malformed parts', () => {
  assert.throws(() => parseAuthorizationHeader(undefined), /required/);
  assert.throws(() => parseAuthorizationHeader('Bearer abc'), /Bearer/);
  assert.throws(() => parseAuthorizationHeader('User a, User b'), /twice/);
  assert.throws(() => parseAuthorizationHeader('User'), /User/);
  assert.throws(() => parseAuthorizationHeader('User a b'), /User/);
});
