// Authorization codes, refresh tokens and access tokens, with Google's rules: a code lives 10 minutes,
// is bound to its client and redirect URI and works once (a replay revokes what it issued); refresh
// tokens only for access_type=offline; revoking any token removes the app's whole authorization for
// that user, so every token of the (user, client) pair stops working at once.

import { randomBytes } from 'node:crypto';
import { AUTHORIZATION_CODE_TTL_MS, verifierMatchesChallenge } from '../../shared/index.ts';
import { OAuthError } from '../googleErrors.ts';

export interface AccessTokenRecord {
  readonly token: string;
  readonly email: string;
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
  expiresAt: number;
  readonly offline: boolean;
}

interface RefreshTokenRecord {
  readonly token: string;
  readonly email: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
}

interface AuthorizationCodeRecord {
  readonly code: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly email: string;
  readonly scopes: readonly string[];
  readonly offline: boolean;
  readonly issueRefreshToken: boolean;
  readonly expiresAt: number;
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: string;
  readonly nonce?: string;
  /** Set when exchanged; a replay revokes exactly these. */
  issued?: { accessToken: string; refreshToken?: string };
}

/** Everything one user granted one client, cumulated over consents (include_granted_scopes). */
interface Authorization {
  readonly scopes: Set<string>;
  readonly accessTokens: Set<string>;
  readonly refreshTokens: Set<string>;
}

export interface IssuedTokens {
  accessToken: AccessTokenRecord;
  refreshToken?: string;
  /** Scopes of this token, space separated, as the token response's `scope`. */
  scope: string;
  nonce?: string;
}

export interface CodeRequest {
  clientId: string;
  redirectUri: string;
  email: string;
  scopes: readonly string[];
  offline: boolean;
  /** prompt=consent forces a new refresh token even when the user already gave one to this client. */
  forceConsent: boolean;
  includeGrantedScopes: boolean;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
}

export class GrantStore {
  private readonly codes = new Map<string, AuthorizationCodeRecord>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly authorizations = new Map<string, Authorization>();
  private issuedSinceSweep = 0;

  constructor(
    private readonly settings: { accessTokenTtlSeconds: number },
    private readonly now: () => number = Date.now,
  ) {}

  reset(): void {
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.authorizations.clear();
  }

  get accessTokenTtlSeconds(): number {
    return this.settings.accessTokenTtlSeconds;
  }

  /** Scopes the user already granted this client (what `prompt=none` and include_granted_scopes build on). */
  grantedScopes(email: string, clientId: string): ReadonlySet<string> {
    return this.authorizations.get(authorizationKey(email, clientId))?.scopes ?? new Set();
  }

  issueCode(request: CodeRequest): string {
    this.sweep();
    const authorization = this.authorizationFor(request.email, request.clientId);
    const scopes = request.includeGrantedScopes ? [...new Set([...authorization.scopes, ...request.scopes])] : [...request.scopes];
    // Google hands out a refresh token on the first offline consent of a user to a client, and again
    // only when the app forces the consent screen (prompt=consent). Apps that forget this lose
    // their refresh token on re-authentication; the emulator reproduces it so they find out here.
    const issueRefreshToken = request.offline && (request.forceConsent || authorization.refreshTokens.size === 0);
    const code = `4/0${randomToken(48)}`;
    this.codes.set(code, {
      code,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      email: request.email,
      scopes,
      offline: request.offline,
      issueRefreshToken,
      expiresAt: this.now() + AUTHORIZATION_CODE_TTL_MS,
      ...(request.codeChallenge !== undefined ? { codeChallenge: request.codeChallenge, codeChallengeMethod: request.codeChallengeMethod ?? 'plain' } : {}),
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    });
    return code;
  }

  exchangeCode(params: { code: string; clientId: string; redirectUri: string | undefined; codeVerifier: string | undefined }): IssuedTokens {
    const record = this.codes.get(params.code);
    if (record === undefined) throw new OAuthError(400, 'invalid_grant', 'Malformed auth code.');
    if (record.issued !== undefined) {
      // RFC 6749 §4.1.2: a replayed code should revoke the tokens it produced, and Google does so.
      this.dropAccessToken(record.issued.accessToken);
      if (record.issued.refreshToken !== undefined) this.dropRefreshToken(record.issued.refreshToken);
      throw new OAuthError(400, 'invalid_grant', 'Bad Request');
    }
    if (record.expiresAt <= this.now()) {
      this.codes.delete(params.code);
      throw new OAuthError(400, 'invalid_grant', 'Bad Request');
    }
    if (record.clientId !== params.clientId) throw new OAuthError(400, 'invalid_grant', 'Bad Request');
    if (params.redirectUri === undefined || params.redirectUri === '') {
      throw new OAuthError(400, 'invalid_request', 'Missing parameter: redirect_uri');
    }
    if (record.redirectUri !== params.redirectUri) throw new OAuthError(400, 'redirect_uri_mismatch', 'Bad Request');
    if (record.codeChallenge !== undefined) {
      if (params.codeVerifier === undefined) throw new OAuthError(400, 'invalid_grant', 'Missing code verifier.');
      if (!verifierMatchesChallenge(params.codeVerifier, record.codeChallenge, record.codeChallengeMethod)) throw new OAuthError(400, 'invalid_grant', 'Invalid code verifier.');
    }

    const authorization = this.authorizationFor(record.email, record.clientId);
    for (const scope of record.scopes) authorization.scopes.add(scope);
    const accessToken = this.newAccessToken(record.email, record.clientId, record.scopes, record.offline);
    let refreshToken: string | undefined;
    if (record.issueRefreshToken) {
      refreshToken = `1//0${randomToken(64)}`;
      this.refreshTokens.set(refreshToken, { token: refreshToken, email: record.email, clientId: record.clientId, scopes: record.scopes });
      authorization.refreshTokens.add(refreshToken);
    }
    record.issued = { accessToken: accessToken.token, ...(refreshToken !== undefined ? { refreshToken } : {}) };
    return {
      accessToken,
      ...(refreshToken !== undefined ? { refreshToken } : {}),
      scope: record.scopes.join(' '),
      ...(record.nonce !== undefined ? { nonce: record.nonce } : {}),
    };
  }

  refresh(params: { refreshToken: string; clientId: string }): IssuedTokens {
    const record = this.refreshTokens.get(params.refreshToken);
    if (record === undefined) throw new OAuthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    if (record.clientId !== params.clientId) throw new OAuthError(401, 'unauthorized_client', 'Unauthorized');
    const accessToken = this.newAccessToken(record.email, record.clientId, record.scopes, true);
    return { accessToken, scope: record.scopes.join(' ') };
  }

  /** The live access token, or undefined when unknown, expired or revoked (all one 401 to the caller). */
  authenticate(token: string): AccessTokenRecord | undefined {
    const record = this.accessTokens.get(token);
    if (record === undefined) return undefined;
    if (record.expiresAt <= this.now()) {
      this.dropAccessToken(token);
      return undefined;
    }
    return record;
  }

  /** /revoke: any access or refresh token; removes the app's whole authorization for that user. */
  revokeToken(token: string): boolean {
    const owner = this.authenticate(token) ?? this.refreshTokens.get(token);
    if (owner === undefined) return false;
    this.removeAuthorization(owner.email, owner.clientId);
    return true;
  }

  expireAccessTokens(email?: string): number {
    const now = this.now();
    let count = 0;
    for (const record of this.accessTokens.values()) {
      if (email === undefined || record.email === email) {
        record.expiresAt = Math.min(record.expiresAt, now);
        count++;
      }
    }
    return count;
  }

  /** As if the user removed the app in their Google account settings. */
  revokeGrants(email?: string): number {
    let count = 0;
    for (const key of [...this.authorizations.keys()]) {
      const [owner, clientId] = splitAuthorizationKey(key);
      if (email === undefined || owner === email) {
        this.removeAuthorization(owner, clientId);
        count++;
      }
    }
    return count;
  }

  private removeAuthorization(email: string, clientId: string): void {
    const key = authorizationKey(email, clientId);
    const authorization = this.authorizations.get(key);
    if (authorization === undefined) return;
    for (const token of authorization.accessTokens) this.accessTokens.delete(token);
    for (const token of authorization.refreshTokens) this.refreshTokens.delete(token);
    this.authorizations.delete(key);
  }

  private newAccessToken(email: string, clientId: string, scopes: readonly string[], offline: boolean): AccessTokenRecord {
    this.sweep();
    const token = `ya29.a0${randomToken(96)}`;
    const record: AccessTokenRecord = {
      token,
      email,
      clientId,
      scopes: new Set(scopes),
      expiresAt: this.now() + this.settings.accessTokenTtlSeconds * 1000,
      offline,
    };
    this.accessTokens.set(token, record);
    this.authorizationFor(email, clientId).accessTokens.add(token);
    return record;
  }

  private dropAccessToken(token: string): void {
    const record = this.accessTokens.get(token);
    if (record === undefined) return;
    this.accessTokens.delete(token);
    this.authorizations.get(authorizationKey(record.email, record.clientId))?.accessTokens.delete(token);
  }

  private dropRefreshToken(token: string): void {
    const record = this.refreshTokens.get(token);
    if (record === undefined) return;
    this.refreshTokens.delete(token);
    this.authorizations.get(authorizationKey(record.email, record.clientId))?.refreshTokens.delete(token);
  }

  private authorizationFor(email: string, clientId: string): Authorization {
    const key = authorizationKey(email, clientId);
    let authorization = this.authorizations.get(key);
    if (authorization === undefined) {
      authorization = { scopes: new Set(), accessTokens: new Set(), refreshTokens: new Set() };
      this.authorizations.set(key, authorization);
    }
    return authorization;
  }

  /** Long-running sandboxes mint a token per refresh; drop dead ones now and then so memory stays flat. */
  private sweep(): void {
    if (++this.issuedSinceSweep < 1024) return;
    this.issuedSinceSweep = 0;
    const now = this.now();
    for (const [token, record] of this.accessTokens) if (record.expiresAt <= now) this.dropAccessToken(token);
    for (const [code, record] of this.codes) if (record.expiresAt <= now) this.codes.delete(code);
  }
}

function authorizationKey(email: string, clientId: string): string {
  return `${email}\n${clientId}`;
}

function splitAuthorizationKey(key: string): [string, string] {
  const at = key.indexOf('\n');
  return [key.slice(0, at), key.slice(at + 1)];
}

function randomToken(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4))
    .toString('base64url')
    .slice(0, length);
}
