// OpenID Connect id_tokens (v2.0 claims: iss, aud, sub, oid, tid, preferred_username, nonce…) signed
// RS256 with a key made on first use, published at `/{tenant}/discovery/v2.0/keys` as the
// identity platform publishes its own. msal-node decodes but does not verify them; the key makes
// the tokens verifiable by anyone who wants to.

import { createHash, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';

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
  private key: { privateKey: KeyObject; publicKey: KeyObject; kid: string } | undefined;

  sign(claims: IdTokenClaims): string {
    const { privateKey, kid } = this.keys();
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
    const header = { typ: 'JWT', alg: 'RS256', kid };
    const signingInput = `${base64UrlJson(header)}.${base64UrlJson(payload)}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url');
    return `${signingInput}.${signature}`;
  }

  jwks(issuer: string): { keys: Record<string, unknown>[] } {
    const { publicKey, kid } = this.keys();
    const jwk = publicKey.export({ format: 'jwk' });
    return { keys: [{ kty: 'RSA', use: 'sig', kid, n: String(jwk.n), e: String(jwk.e), issuer }] };
  }

  private keys(): { privateKey: KeyObject; publicKey: KeyObject; kid: string } {
    if (this.key === undefined) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const kid = createHash('sha1').update(publicKey.export({ format: 'der', type: 'spki' })).digest('base64url');
      this.key = { privateKey, publicKey, kid };
    }
    return this.key;
  }
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
