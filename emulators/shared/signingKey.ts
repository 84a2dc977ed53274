// The RSA key an emulator signs its OpenID Connect id_tokens with (RS256 JWTs): made on first use, as
// key generation is slow and most runs never need it. Each provider builds its own claims and header
// and publishes the public key in its own format.

import { createHash, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';

interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
}

export class SigningKey {
  private key: KeyPair | undefined;

  /** `kid` is the SHA-1 of the public key (DER), written in this encoding. */
  constructor(private readonly kidEncoding: 'hex' | 'base64url') {}

  get kid(): string {
    return this.keys().kid;
  }

  /** A compact JWS: header and payload as given (the header's `kid` is the caller's to set), signed RS256. */
  signJwt(header: Record<string, string>, payload: Record<string, unknown>): string {
    const signingInput = `${base64UrlJson(header)}.${base64UrlJson(payload)}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(this.keys().privateKey).toString('base64url');
    return `${signingInput}.${signature}`;
  }

  /** The public key's modulus and exponent, base64url, as a JWK carries them. */
  publicJwk(): { n: string; e: string } {
    const jwk = this.keys().publicKey.export({ format: 'jwk' });
    return { n: String(jwk.n), e: String(jwk.e) };
  }

  publicPem(): string {
    return this.keys().publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  private keys(): KeyPair {
    if (this.key === undefined) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const kid = createHash('sha1').update(publicKey.export({ format: 'der', type: 'spki' })).digest(this.kidEncoding);
      this.key = { privateKey, publicKey, kid };
    }
    return this.key;
  }
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
