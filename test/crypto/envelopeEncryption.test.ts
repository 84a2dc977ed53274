import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Keyring, generateMasterKey, keyIdOf } from '../../src/crypto/index.ts';

test('encrypts with a fresh IV and opens what it sealed', () => {
  const keyring = new Keyring(generateMasterKey());
  const a = keyring.encrypt('refresh-token-1');
  const b = keyring.encrypt('refresh-token-1');
  assert.notEqual(a, b);
  assert.ok(!a.includes('refresh-token-1'));
  assert.equal(keyring.decrypt(a), 'refresh-token-1');
  assert.equal(a.split('.')[1], keyring.currentKeyId);
});

test('a tampered ciphertext or a wrong key is refused', () => {
  const keyring = new Keyring(generateMasterKey());
  const sealed = keyring.encrypt('secret');
  const parts = sealed.split('.');
  parts[4] = Buffer.from('xxxxxx').toString('base64url');
  assert.throws(() => keyring.decrypt(parts.join('.')));
  assert.throws(() => new Keyring(generateMasterKey()).decrypt(sealed), /no master key/);
  assert.throws(() => keyring.decrypt('plain text'), /not a Changehook ciphertext/);
});

test('previous keys open old ciphertexts; needsRotation tells which', () => {
  const oldKey = generateMasterKey();
  const sealedByOld = new Keyring(oldKey).encrypt('x');
  const rotated = new Keyring(generateMasterKey(), [oldKey]);
  assert.equal(rotated.decrypt(sealedByOld), 'x');
  assert.equal(rotated.needsRotation(sealedByOld), true);
  assert.equal(rotated.needsRotation(rotated.encrypt('x')), false);
  assert.equal(keyIdOf(oldKey).length, 12);
});
