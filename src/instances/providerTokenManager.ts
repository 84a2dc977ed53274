// Gives callers a usable access token for an instance. Tokens are refreshed shortly before they
// expire, and only one refresh per instance runs at a time: in-process callers share one promise,
// and processes sharing the database take a lease on the instance row, so a rotating refresh token is
// never used twice. `invalid_grant` marks the instance invalid with the reason, for the API to show.

import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { ProviderError } from '../errors/index.ts';
import type { Keyring } from '../crypto/index.ts';
import { claimRefreshLease, instances, releaseRefreshLease, type Database, type InstanceRow } from '../store/index.ts';
import { GrantRevoked, refreshAccessToken, type OAuthClientCredentials } from './oauthTokenClient.ts';

/** Refresh this long before expiry so a token never dies in the middle of a poll. */
const REFRESH_MARGIN_MS = 5 * 60_000;
const LEASE_MS = 30_000;
const WAIT_STEP_MS = 50;

export interface TokenManagerDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  /** The token endpoint and client credentials of an instance (they live in its configuration). */
  clientCredentials(row: InstanceRow): OAuthClientCredentials;
  now?: () => number;
}

export class InstanceNotValid extends ProviderError {}

export class ProviderTokenManager {
  private readonly inFlight = new Map<number, Promise<string>>();
  /**
   * Access tokens this process already holds, until shortly before they expire: an idle poll then
   * costs no database read. Another process refreshing does not invalidate ours (Google keeps several
   * access tokens valid); a revoked one answers 401, and the caller asks again with forceRefresh.
   */
  private readonly cache = new Map<number, { token: string; expiresAt: number }>();
  private readonly owner = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  private readonly now: () => number;

  constructor(private readonly deps: TokenManagerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * A valid access token. `forceRefresh` after the provider answered 401 to `refused`: a stored token
   * other than `refused` (another call or process refreshed meanwhile) is used instead of refreshing again.
   */
  async accessToken(instanceId: number, options: { forceRefresh?: boolean; refused?: string } = {}): Promise<string> {
    const cached = this.cache.get(instanceId);
    if (!options.forceRefresh && cached && cached.expiresAt - REFRESH_MARGIN_MS > this.now()) return cached.token;
    this.cache.delete(instanceId);
    const row = await this.load(instanceId);
    if (row.access_token_encrypted && (row.access_token_expires_at ?? 0) - REFRESH_MARGIN_MS > this.now()) {
      const stored = this.deps.keyring.decrypt(row.access_token_encrypted);
      if (!options.forceRefresh || (options.refused !== undefined && stored !== options.refused)) {
        return this.remember(instanceId, stored, row.access_token_expires_at ?? 0);
      }
    }
    const staleToken = row.access_token_encrypted;
    let pending = this.inFlight.get(instanceId);
    if (!pending) {
      pending = this.refreshOnce(instanceId, staleToken).finally(() => this.inFlight.delete(instanceId));
      this.inFlight.set(instanceId, pending);
    }
    return pending;
  }

  private remember(instanceId: number, token: string, expiresAt: number): string {
    this.cache.set(instanceId, { token, expiresAt });
    return token;
  }

  private async load(instanceId: number): Promise<InstanceRow> {
    const row = await instances.findInstance(this.deps.db, instanceId);
    if (!row) throw new ProviderError(`Instance ${instanceId} no longer exists`, { statusCode: 404 });
    if (!row.valid) {
      throw new InstanceNotValid(`Instance ${instanceId} is not valid: ${row.invalid_reason ?? 'it must be authenticated again'}`, { statusCode: 403 });
    }
    return row;
  }

  private async refreshOnce(instanceId: number, staleToken: string | null): Promise<string> {
    const deadline = this.now() + LEASE_MS * 2;
    for (;;) {
      const now = this.now();
      if (await claimRefreshLease(this.deps.db, instanceId, this.owner, now, now + LEASE_MS)) return this.refreshUnderLease(instanceId, staleToken);
      // Another process is refreshing: wait for its token rather than spending the refresh token twice.
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      const row = await this.load(instanceId);
      if (row.access_token_encrypted && row.access_token_encrypted !== staleToken) {
        return this.remember(instanceId, this.deps.keyring.decrypt(row.access_token_encrypted), row.access_token_expires_at ?? 0);
      }
      if (this.now() > deadline) throw new ProviderError(`Timed out waiting for another process to refresh instance ${instanceId}'s token`, { statusCode: 503 });
    }
  }

  private async refreshUnderLease(instanceId: number, staleToken: string | null): Promise<string> {
    try {
      const row = await this.load(instanceId);
      // Someone refreshed between our read and our lease: use their token.
      if (row.access_token_encrypted && row.access_token_encrypted !== staleToken && (row.access_token_expires_at ?? 0) - REFRESH_MARGIN_MS > this.now()) {
        await releaseRefreshLease(this.deps.db, instanceId, this.owner);
        return this.remember(instanceId, this.deps.keyring.decrypt(row.access_token_encrypted), row.access_token_expires_at ?? 0);
      }
      if (!row.refresh_token_encrypted) {
        await this.markInvalid(instanceId, 'the provider gave no refresh token (authorize with access_type=offline)');
        throw new InstanceNotValid(`Instance ${instanceId} has no refresh token; it must be authenticated again`, { statusCode: 403 });
      }
      const tokens = await refreshAccessToken(this.deps.clientCredentials(row), this.deps.keyring.decrypt(row.refresh_token_encrypted));
      const accessTokenEncrypted = this.deps.keyring.encrypt(tokens.accessToken);
      await instances.storeRefreshedTokens(
        this.deps.db,
        instanceId,
        {
          accessTokenEncrypted,
          accessTokenExpiresAt: tokens.expiresAt,
          // Google may rotate refresh tokens; keep the new one when it comes.
          ...(tokens.refreshToken ? { refreshTokenEncrypted: this.deps.keyring.encrypt(tokens.refreshToken) } : {}),
        },
        this.now(),
      );
      return this.remember(instanceId, tokens.accessToken, tokens.expiresAt);
    } catch (error) {
      await releaseRefreshLease(this.deps.db, instanceId, this.owner);
      if (error instanceof GrantRevoked) {
        await this.markInvalid(instanceId, error.message);
        throw new InstanceNotValid(`Instance ${instanceId} is not valid: ${error.message}`, { statusCode: 403, providerError: 'invalid_grant' }, { cause: error });
      }
      throw error;
    }
  }

  private async markInvalid(instanceId: number, reason: string): Promise<void> {
    await instances.markInvalid(this.deps.db, instanceId, reason, this.now());
  }
}
