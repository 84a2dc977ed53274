// Secrets at rest: AES-256-GCM under the master key. Each ciphertext names the key that sealed it
// ("v1.<keyId>.<iv>.<tag>.<data>", base64url parts) so older keys can still open it while
// `changehook keys rotate` re-seals everything under the current key.

import crypto from 'node:crypto';

export class Keyring {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  /** `current` seals; `previous` keys only open what they sealed before a rotation. */
  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new Error('master keys must be 32 bytes');
      this.keys.set(keyIdOf(key), key);
    }
    this.currentKeyId = keyIdOf(current);
  }

  encrypt(plaintext: string): string {
    const key = this.keys.get(this.currentKeyId)!;
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(this.currentKeyId));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.currentKeyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  decrypt(sealed: string): string {
    const [version, keyId, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !keyId || iv === undefined || tag === undefined || data === undefined) {
      throw new Error('not a Changehook ciphertext');
    }
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`no master key with id ${keyId}: set CHANGEHOOK_PREVIOUS_MASTER_KEYS to the key that sealed it`);
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Whether a ciphertext is sealed under a key other than the current one. */
  needsRotation(sealed: string): boolean {
    return sealed.split('.')[1] !== this.currentKeyId;
  }
}

/** A short public fingerprint of a key; never reveals the key. */
export function keyIdOf(key: Buffer): string {
  return crypto.createHash('sha256').update('changehook-key-id:').update(key).digest('hex').slice(0, 12);
}

export function generateMasterKey(): Buffer {
  return crypto.randomBytes(32);
}
