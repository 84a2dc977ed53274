// Tenant secrets and instance tokens: random, shown once, stored only as SHA-256 hashes. They carry
// 256 bits of entropy, so a fast hash is enough (no password stretching needed), and lookups by hash
// stay indexable.

import crypto from 'node:crypto';

export function generateSecret(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time check of a presented secret against a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && crypto.timingSafeEqual(presented, stored);
}
