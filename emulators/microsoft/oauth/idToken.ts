// OpenID Connect id_tokens (v2.0 claims: iss, aud, sub, oid, tid, preferred_username, nonce…) signed
// RS256 with the emulator's key (shared/signingKey.ts), published at `/{tenant}/discovery/v2.0/keys` as the
// identity platform publishes its own. msal-node decodes but does not verify them; the key makes
// the tokens verifiable by anyone who wants to.

import { createHash } from 'node:crypto';
import { SigningKey } from '../../shared/index.ts';

export interface IdTokenClaims {
  issuer: string;
  clientId: string;
  email: string;
  name: string;
  objectId: string;
  tenantId: string;
  nonce?: string;
  ttlSeconds: number;
}

export class IdTokenSigner {
  private readonly key = new SigningKey('base64url');

  sign(claims: IdTokenClaims): string {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, string | number> = {
      ver: '2.0',
      iss: claims.issuer,
      sub: createHash('sha256').update(`${claims.objectId}:${claims.clientId}`).digest('base64url').slice(0, 43),
      aud: claims.clientId,
      exp: now + claims.ttlSeconds,
      iat: now,
      nbf: now,
      name: claims.name,
      preferred_username: claims.email,
      email: claims.email,
      oid: claims.objectId,
      tid: claims.tenantId,
      aio: createHash('sha256').update(`${now}:${claims.email}`).digest('base64url').slice(0, 40),
    };
    if (claims.nonce !== undefined) payload.nonce = claims.nonce;
    return this.key.signJwt({ typ: 'JWT', alg: 'RS256', kid: this.key.kid }, payload);
  }

  jwks(issuer: string): { keys: Record<string, unknown>[] } {
    const { n, e } = this.key.publicJwk();
    return { keys: [{ kty: 'RSA', use: 'sig', kid: this.key.kid, n, e, issuer }] };
  }
}
