// OpenID Connect id_tokens for grants that asked for `openid`: RS256 JWTs signed with a key made on
// first use (key generation is slow, and most runs never need it), published at the same
// certificate endpoints Google uses so `OAuth2Client.verifyIdToken` can check them.

import { createHash, generateKeyPairSync, createSign, type KeyObject } from 'node:crypto';

const ISSUER = 'https://accounts.google.com';

export class IdTokenSigner {
  private key: { privateKey: KeyObject; publicKey: KeyObject; kid: string } | undefined;

  sign(claims: { clientId: string; email: string; subject: string; nonce?: string; accessToken: string; includeEmail: boolean; ttlSeconds: number }): string {
    const { privateKey, kid } = this.keys();
    const now = Math.floor(Date.now() / 1000);
    const atHashBytes = createHash('sha256').update(claims.accessToken).digest();
    const payload: Record<string, string | number | boolean> = {
      iss: ISSUER,
      azp: claims.clientId,
      aud: claims.clientId,
      sub: claims.subject,
      at_hash: atHashBytes.subarray(0, atHashBytes.length / 2).toString('base64url'),
      iat: now,
      exp: now + claims.ttlSeconds,
    };
    if (claims.includeEmail) {
      payload.email = claims.email;
      payload.email_verified = true;
    }
    if (claims.nonce !== undefined) payload.nonce = claims.nonce;
    const header = { alg: 'RS256', kid, typ: 'JWT' };
    const signingInput = `${base64UrlJson(header)}.${base64UrlJson(payload)}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url');
    return `${signingInput}.${signature}`;
  }

  /** `/oauth2/v3/certs` */
  jwks(): { keys: Record<string, string>[] } {
    const { publicKey, kid } = this.keys();
    const jwk = publicKey.export({ format: 'jwk' });
    return { keys: [{ kty: 'RSA', alg: 'RS256', use: 'sig', kid, n: String(jwk.n), e: String(jwk.e) }] };
  }

  /** `/oauth2/v1/certs`: kid → PEM, the shape google-auth-library reads by default. */
  pemCerts(): Record<string, string> {
    const { publicKey, kid } = this.keys();
    return { [kid]: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
  }

  private keys(): { privateKey: KeyObject; publicKey: KeyObject; kid: string } {
    if (this.key === undefined) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const kid = createHash('sha1').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex');
      this.key = { privateKey, publicKey, kid };
    }
    return this.key;
  }
}

/** Google's `sub`: a stable 21-digit number per account. */
export function subjectFor(email: string): string {
  const digest = createHash('sha256').update(email).digest();
  return `1${(digest.readBigUInt64BE(0) % 10n ** 20n).toString().padStart(20, '0')}`;
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
