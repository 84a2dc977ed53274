// Authorization codes, refresh tokens and access tokens with the identity platform's rules, as its
// documentation states them: a code lives 10 minutes, is bound to its client and redirect URI and is
// redeemed once (AADSTS54005 afterwards); PKCE (S256 or plain) is checked when the authorization
// request carried a challenge; refresh tokens only with `offline_access`, and every refresh returns a
// new one — the old one keeps working (Microsoft does not revoke a refresh token when it is used)
// until the grant is revoked. Revoking a user's grants ends every token of the user (AADSTS50173).

import { randomBytes } from 'node:crypto';
import { AUTHORIZATION_CODE_TTL_MS, verifierMatchesChallenge } from '../../shared/index.ts';
import { IdentityError } from '../microsoftErrors.ts';

export interface AccessTokenRecord {
  readonly token: string;
  readonly email: string;
  readonly clientId: string;
  /** Canonical scopes (Graph permissions and OIDC scopes). */
  readonly scopes: ReadonlySet<string>;
  expiresAt: number;
}

interface RefreshTokenRecord {
  readonly token: string;
  readonly email: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly issuedAt: number;
}

interface AuthorizationCodeRecord {
  readonly code: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly email: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: string;
  readonly nonce?: string;
  redeemed: boolean;
}

export interface CodeRequest {
  clientId: string;
  redirectUri: string;
  email: string;
  scopes: readonly string[];
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
}

export interface IssuedTokens {
  accessToken: AccessTokenRecord;
  refreshToken?: string;
  /** Canonical scopes the grant covers. */
  scopes: readonly string[];
  email: string;
  nonce?: string;
}

export class GrantStore {
  private readonly codes = new Map<string, AuthorizationCodeRecord>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  /** email → when its grants were last revoked (tokens issued before are void: "TokensValidFrom"). */
  private readonly revokedAt = new Map<string, number>();
  private issuedSinceSweep = 0;

  constructor(private readonly settings: { accessTokenTtlSeconds: number }) {}

  reset(): void {
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.revokedAt.clear();
  }

  issueCode(request: CodeRequest): string {
    const code = `1.${randomBytes(48).toString('base64url')}`;
    this.codes.set(code, { ...request, code, expiresAt: Date.now() + AUTHORIZATION_CODE_TTL_MS, redeemed: false });
    this.sweep();
    return code;
  }

  redeemCode(params: { code: string; clientId: string; redirectUri: string | undefined; codeVerifier: string | undefined }): IssuedTokens {
    const record = this.codes.get(params.code);
    if (record === undefined || record.clientId !== params.clientId) {
      throw new IdentityError(400, 'invalid_grant', 70000, "The provided value for the 'code' parameter is not valid.");
    }
    if (record.redeemed) {
      throw new IdentityError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
    }
    if (Date.now() > record.expiresAt) {
      throw new IdentityError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }
    if (params.redirectUri !== record.redirectUri) {
      throw new IdentityError(400, 'invalid_grant', 500112, `The reply address '${params.redirectUri ?? ''}' does not match the reply address '${record.redirectUri}' provided when requesting Authorization code.`);
    }
    if (record.codeChallenge !== undefined) {
      if (params.codeVerifier === undefined || params.codeVerifier === '') {
        throw new IdentityError(400, 'invalid_request', 50148, 'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.');
      }
      if (!verifierMatchesChallenge(params.codeVerifier, record.codeChallenge, record.codeChallengeMethod)) {
        throw new IdentityError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      }
    }
    const revoked = this.revokedAt.get(record.email);
    if (revoked !== undefined && revoked > record.expiresAt - AUTHORIZATION_CODE_TTL_MS) {
      throw new IdentityError(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.');
    }
    record.redeemed = true;
    return this.issue(record.email, record.clientId, record.scopes, record.nonce);
  }

  refresh(params: { refreshToken: string; clientId: string; scopes: readonly string[] }): IssuedTokens {
    const record = this.refreshTokens.get(params.refreshToken);
    if (record === undefined) {
      const revokedToken = this.revokedTokens.get(params.refreshToken);
      if (revokedToken !== undefined) {
        throw new IdentityError(
          400,
          'invalid_grant',
          50173,
          `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${new Date(revokedToken.issuedAt).toISOString()}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${new Date(this.revokedAt.get(revokedToken.email) ?? Date.now()).toISOString()}'.`,
        );
      }
      throw new IdentityError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    }
    if (record.clientId !== params.clientId) {
      throw new IdentityError(400, 'invalid_grant', 700005, 'Provided Authorization Code is intended to use against other tenant, thus rejected.');
    }
    // Asking for permissions the user never consented to needs a new interactive sign-in.
    const granted = new Set(record.scopes.map((s) => s.toLowerCase()));
    const missing = params.scopes.filter((s) => s !== 'offline_access' && s !== '.default' && !granted.has(s.toLowerCase()) && !isOidc(s));
    if (missing.length > 0) {
      throw new IdentityError(
        400,
        'invalid_grant',
        65001,
        `The user or administrator has not consented to use the application with ID '${params.clientId}'. Send an interactive authorization request for this user and resource.`,
      );
    }
    return this.issue(record.email, record.clientId, record.scopes);
  }

  /** The live access token, or why it is not (Graph words each case differently). */
  lookupAccessToken(token: string): { record: AccessTokenRecord } | { problem: 'unknown' | 'expired' } {
    const record = this.accessTokens.get(token);
    if (record === undefined) return { problem: 'unknown' };
    if (Date.now() >= record.expiresAt) return { problem: 'expired' };
    return { record };
  }

  expireAccessTokens(email?: string): number {
    let count = 0;
    const now = Date.now();
    for (const record of this.accessTokens.values()) {
      if (email !== undefined && record.email !== email) continue;
      if (record.expiresAt > now) {
        record.expiresAt = now - 1;
        count++;
      }
    }
    return count;
  }

  /** Every token of the user (or of everyone) stops working: refresh → invalid_grant, Graph → 401. */
  revokeGrants(email?: string): number {
    let count = 0;
    const now = Date.now();
    for (const [token, record] of this.refreshTokens) {
      if (email !== undefined && record.email !== email) continue;
      this.refreshTokens.delete(token);
      this.revokedTokens.set(token, record);
      this.revokedAt.set(record.email, now);
      count++;
    }
    for (const [token, record] of this.accessTokens) {
      if (email !== undefined && record.email !== email) continue;
      this.accessTokens.delete(token);
      this.revokedAt.set(record.email, now);
      count++;
    }
    if (email !== undefined) this.revokedAt.set(email, now);
    return count;
  }

  private readonly revokedTokens = new Map<string, RefreshTokenRecord>();

  private issue(email: string, clientId: string, scopes: readonly string[], nonce?: string): IssuedTokens {
    const now = Date.now();
    const accessToken: AccessTokenRecord = {
      token: `EwA${randomBytes(60).toString('base64url')}`,
      email,
      clientId,
      scopes: new Set(scopes),
      expiresAt: now + this.settings.accessTokenTtlSeconds * 1000,
    };
    this.accessTokens.set(accessToken.token, accessToken);
    let refreshToken: string | undefined;
    if (scopes.includes('offline_access')) {
      refreshToken = `M.C5${randomBytes(64).toString('base64url')}`;
      this.refreshTokens.set(refreshToken, { token: refreshToken, email, clientId, scopes: [...scopes], issuedAt: now });
    }
    this.sweep();
    return { accessToken, ...(refreshToken !== undefined ? { refreshToken } : {}), scopes, email, ...(nonce !== undefined ? { nonce } : {}) };
  }

  /** Drops expired codes and long-expired access tokens now and then, so a long run does not grow without end. */
  private sweep(): void {
    if (++this.issuedSinceSweep < 1000) return;
    this.issuedSinceSweep = 0;
    const now = Date.now();
    for (const [code, record] of this.codes) if (record.expiresAt < now) this.codes.delete(code);
    for (const [token, record] of this.accessTokens) if (record.expiresAt < now - 3600_000) this.accessTokens.delete(token);
  }
}

function isOidc(scope: string): boolean {
  return scope === 'openid' || scope === 'profile' || scope === 'email';
}
