// OpenID Connect id_tokens for grants that asked for `openid`: Google's claims, RS256 JWTs signed with
// the emulator's key (shared/signingKey.ts), published at the same certificate endpoints Google uses
// so `OAuth2Client.verifyIdToken` can check them.

import { createHash } from 'node:crypto';
import { SigningKey } from '../../shared/index.ts';

const ISSUER = 'https://accounts.google.com';

export class IdTokenSigner {
  private readonly key = new SigningKey('hex');

  sign(claims: { clientId: string; email: string; subject: string; nonce?: string; accessToken: string; includeEmail: boolean; ttlSeconds: number }): string {
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
    return this.key.signJwt({ alg: 'RS256', kid: this.key.kid, typ: 'JWT' }, payload);
  }

  /** `/oauth2/v3/certs` */
  jwks(): { keys: Record<string, string>[] } {
    const { n, e } = this.key.publicJwk();
    return { keys: [{ kty: 'RSA', alg: 'RS256', use: 'sig', kid: this.key.kid, n, e }] };
  }

  /** `/oauth2/v1/certs`: kid → PEM, the shape google-auth-library reads by default. */
  pemCerts(): Record<string, string> {
    return { [this.key.kid]: this.key.publicPem() };
  }
}

/** Google's `sub`: a stable 21-digit number per account. */
export function subjectFor(email: string): string {
  const digest = createHash('sha256').update(email).digest();
  return `1${(digest.readBigUInt64BE(0) % 10n ** 20n).toString().padStart(20, '0')}`;
}
