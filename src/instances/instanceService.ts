// The lifecycle of element instances: authenticate (code exchange, or an existing refresh token with
// externalAuthentication "initial") and create, list, read, replace, patch and delete, always within
// the caller's organization. Deleting revokes the provider grant unless another instance shares it.

import type { Kysely, Transaction } from 'kysely';
import { generateSecret, generateWebhookSecret, hashSecret, type Keyring } from '../crypto/index.ts';

import type { ElementDefinition, ElementRegistry } from '../elements/index.ts';
import { BadRequest, NotFound } from '../errors/index.ts';
import type { Database, InstanceRow, InstanceRowUpdate } from '../store/index.ts';
import type { Caller } from '../tenants/index.ts';
import {
  maskedConfiguration,
  type ConfigurationPolicy,
  type InstanceConfiguration,
} from './instanceConfiguration.ts';
import {
  configurationEntries,
  findConfigurationEntry,
  parsePropertyValue,
  type ConfigurationEntry,
} from './configurationEntries.ts';
import { elementSummary, type ElementSummary } from './elementSummary.ts';
import { exchangeAuthorizationCode, refreshAccessToken, revokeToken, type OAuthClientCredentials, type ProviderTokens } from './oauthTokenClient.ts';
import {
  hasCallbackUrl,
  parseAuthentication,
  parseConfiguration,
  parsePatchCode,
  parseRequiredAuthentication,
  REFRESH_TOKEN_KEY,
  type AuthenticationGrant,
} from './authenticationRequest.ts';
import { grantSharedWithOtherInstances } from './sharedGrant.ts';
import { parseName, parseTags } from './instanceBody.ts';

export interface InstanceBody {
  element?: { key?: unknown; id?: unknown };
  providerData?: { code?: unknown };
  /** "initial": provision from `configuration["oauth.user.refresh_token"]` instead of providerData.code. */
  externalAuthentication?: unknown;
  configuration?: unknown;
  tags?: unknown;
  name?: unknown;
  disabled?: unknown;
}

export interface InstanceView {
  id: number;
  name: string;
  createdDate: string;
  updatedDate: string;
  token: string;
  element: ElementSummary;
  elementId: number;
  tags: string[];
  provisionInteractions: unknown[];
  valid: boolean;
  invalidReason?: string;
  disabled: boolean;
  maxCacheSize: number;
  cacheTimeToLive: number;
  configuration: Record<string, string>;
  eventsEnabled: boolean;
  eventsNotificationCallbackUrl: string | null;
  eventsPollerRefreshInterval: number | null;
  traceLoggingEnabled: boolean;
  cachingEnabled: boolean;
  externalAuthentication: 'none';
  providerAccount?: string;
  /** CE's owner object: the tenant user who created the instance (names are not kept: null). */
  user: InstanceOwner;
}

export interface InstanceOwner {
  id: number;
  emailAddress: string | null;
  firstName: string | null;
  lastName: string | null;
}

/**
 * Brings an instance's poll schedules in step with the instance, inside the same transaction. The poller
 * owns it; the composition root passes it in, so instances do not import the poller.
 */
export type PollScheduleSync = (trx: Transaction<Database>, instance: InstanceRow, now?: number, options?: { intervalChanged?: boolean }) => Promise<void>;

export interface InstanceServiceDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  elements: ElementRegistry;
  policy: ConfigurationPolicy;
  syncPollSchedules: PollScheduleSync;
  /** Names the provider account behind a fresh grant through the provider client (HubService). */
  accounts: AccountIdentifier;
}

/** The provider account behind an element's fresh access token; undefined if unknown. */
export interface AccountIdentifier {
  identifyAccount(elementKey: string, accessToken: string): Promise<string | undefined>;
}

/** Scopes asked for in configuration.oauth.scope that the refreshed token was not granted. */
function missingScopes(requested: string | undefined, granted: string | undefined): string[] {
  if (!requested || granted === undefined) return [];
  const have = new Set(granted.split(/\s+/).filter(Boolean));
  return requested.split(/\s+/).filter((scope) => scope && !have.has(scope));
}

export class InstanceService {
  constructor(private readonly deps: InstanceServiceDeps) {}

  private element(body: InstanceBody): ElementDefinition {
    const ref = body.element;
    if (!ref || typeof ref !== 'object') throw new BadRequest('element is required, e.g. {"key": "gmail"}');
    const keyOrId = ref.key ?? ref.id;
    if ((typeof keyOrId !== 'string' || !keyOrId) && typeof keyOrId !== 'number') {
      throw new BadRequest('element.key is required, e.g. "gmail"');
    }
    return this.deps.elements.get(String(keyOrId));
  }

  /** Token endpoint and client credentials of a stored instance. */
  clientCredentials(row: InstanceRow): OAuthClientCredentials {
    const element = this.deps.elements.get(row.element_key);
    const publicValues = JSON.parse(row.configuration) as Record<string, string>;
    const secretValues = this.secrets(row);
    return {
      tokenUrl: this.deps.elements.endpoints(element).tokenUrl,
      clientId: publicValues['oauth.api.key'] ?? '',
      clientSecret: secretValues['oauth.api.secret'] ?? '',
    };
  }

  private secrets(row: InstanceRow): Record<string, string> {
    return JSON.parse(this.deps.keyring.decrypt(row.secret_configuration)) as Record<string, string>;
  }

  /**
   * Tokens and account for a grant: a code is exchanged; an existing refresh token is refreshed once,
   * which proves it (and the client credentials) before anything is stored. The account is identified
   * the same way for both.
   */
  private async authenticate(element: ElementDefinition, config: InstanceConfiguration, grant: AuthenticationGrant): Promise<{ tokens: ProviderTokens; account?: string }> {
    const endpoints = this.deps.elements.endpoints(element);
    const credentials = { tokenUrl: endpoints.tokenUrl, clientId: config.clientId, clientSecret: config.clientSecret };
    let tokens: ProviderTokens;
    if (grant.type === 'code') {
      if (!config.callbackUrl) throw new BadRequest('configuration.oauth.callback.url is required: the redirect URI the authorization code was issued for');
      tokens = await exchangeAuthorizationCode(credentials, { code: grant.code, redirectUri: config.callbackUrl });
    } else {
      const refreshed = await refreshAccessToken(credentials, grant.refreshToken, `refresh configuration.${REFRESH_TOKEN_KEY}`);
      // Google may rotate the refresh token; otherwise the one given stays the instance's.
      tokens = { ...refreshed, refreshToken: refreshed.refreshToken ?? grant.refreshToken };
      const missing = missingScopes(config.scope, tokens.scope);
      if (missing.length > 0) {
        throw new BadRequest(`configuration.oauth.scope asks for ${missing.join(' ')}, which configuration.${REFRESH_TOKEN_KEY} was not granted (granted: ${tokens.scope})`);
      }
    }
    const account = await this.deps.accounts.identifyAccount(element.key, tokens.accessToken);
    return { tokens, account };
  }

  private tokenColumns(tokens: ProviderTokens, account: string | undefined): InstanceRowUpdate {
    const { keyring } = this.deps;
    return {
      access_token_encrypted: keyring.encrypt(tokens.accessToken),
      refresh_token_encrypted: tokens.refreshToken ? keyring.encrypt(tokens.refreshToken) : null,
      access_token_expires_at: tokens.expiresAt,
      granted_scope: tokens.scope ?? null,
      provider_account: account ?? null,
      valid: 1,
      invalid_reason: null,
    };
  }

  private configurationColumns(config: InstanceConfiguration): InstanceRowUpdate {
    return {
      configuration: JSON.stringify(config.publicValues),
      secret_configuration: this.deps.keyring.encrypt(JSON.stringify(config.secretValues)),
      events_enabled: config.eventsEnabled ? 1 : 0,
      callback_url: config.notificationCallbackUrl ?? null,
      refresh_interval_minutes: config.refreshIntervalMinutes,
      poller_configuration: JSON.stringify(config.pollerConfiguration),
    };
  }

  async create(caller: Caller, body: InstanceBody): Promise<InstanceView> {
    if (!body || typeof body !== 'object') throw new BadRequest('request body must be a JSON object');
    const element = this.element(body);
    const name = parseName(body.name);
    const tags = parseTags(body.tags);
    const { grant, configuration } = parseRequiredAuthentication(body);
    const config = parseConfiguration(configuration ?? {}, element, this.deps.policy, { requireCallbackUrl: grant.type === 'code' });
    // Validate everything before spending the single-use code; exchange (or refresh) before writing
    // anything, so a refused code or refresh token leaves no instance behind.
    const { tokens, account } = await this.authenticate(element, config, grant);
    const token = generateSecret();
    const now = Date.now();
    let row: InstanceRow;
    try {
      row = await this.deps.db.transaction().execute(async (trx) => {
        const inserted = await trx
        .insertInto('instances')
        .values({
          organization_id: caller.organizationId,
          user_id: caller.userId,
          element_key: element.key,
          name,
          token_hash: hashSecret(token),
          token_encrypted: this.deps.keyring.encrypt(token),
          tags: JSON.stringify(tags),
          configuration: '{}',
          secret_configuration: '',
          valid: 1,
          disabled: body.disabled === true ? 1 : 0,
          events_enabled: 0,
          webhook_secret_encrypted: this.deps.keyring.encrypt(generateWebhookSecret()),
          created_at: now,
          updated_at: now,
          ...this.configurationColumns(config),
          ...this.tokenColumns(tokens, account),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
        await this.deps.syncPollSchedules(trx, inserted);
        return inserted;
      });
    } catch (error) {
      // A grant made for this instance would otherwise stay alive with nothing to use or revoke it. A
      // refresh token the caller brought stays theirs (their other system may still use it), and a
      // grant other instances share stays too (see sharedGrant.ts).
      if (grant.type === 'code') {
        const unsaved = { id: -1, element_key: element.key, configuration: JSON.stringify(config.publicValues), provider_account: account ?? null };
        if (!(await grantSharedWithOtherInstances(this.deps.db, unsaved))) {
          await revokeToken(this.deps.elements.endpoints(element).revokeUrl, tokens.refreshToken ?? tokens.accessToken);
        }
      }
      throw error;
    }
    return this.view(row);
  }

  async list(caller: Caller, filter: { tags?: string[] } = {}): Promise<InstanceView[]> {
    const rows = await this.deps.db
      .selectFrom('instances')
      .selectAll()
      .where('organization_id', '=', caller.organizationId)
      .orderBy('id')
      .execute();
    const wanted = filter.tags?.filter(Boolean) ?? [];
    return this.views(rows.filter((row) => wanted.length === 0 || (JSON.parse(row.tags) as string[]).some((tag) => wanted.includes(tag))));
  }

  async row(caller: Caller, id: number): Promise<InstanceRow> {
    const row = await this.deps.db
      .selectFrom('instances')
      .selectAll()
      .where('organization_id', '=', caller.organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFound(`No instance with id ${id}`);
    return row;
  }

  async get(caller: Caller, id: number): Promise<InstanceView> {
    return this.view(await this.row(caller, id));
  }

  /** The instance a hub call's `Element <token>` names, within the caller's organization. */
  async byToken(caller: Caller, token: string): Promise<InstanceRow> {
    const row = await this.deps.db
      .selectFrom('instances')
      .selectAll()
      .where('organization_id', '=', caller.organizationId)
      .where('token_hash', '=', hashSecret(token))
      .executeTakeFirst();
    if (!row) throw new NotFound('No instance with that Element token in this organization');
    return row;
  }

  /** PUT: a whole new definition; with providerData.code the instance is re-authenticated. */
  async replace(caller: Caller, id: number, body: InstanceBody): Promise<InstanceView> {
    const row = await this.row(caller, id);
    if (!body || typeof body !== 'object') throw new BadRequest('request body must be a JSON object');
    const element = this.deps.elements.get(row.element_key);
    if (body.element !== undefined && this.element(body).key !== element.key) throw new BadRequest('element cannot be changed; create a new instance');
    const name = parseName(body.name);
    const tags = parseTags(body.tags);
    const { grant, configuration } = parseAuthentication(body, false);
    const config = parseConfiguration(configuration ?? {}, element, this.deps.policy, {
      stored: this.secrets(row),
      requireCallbackUrl: grant ? grant.type === 'code' : hasCallbackUrl(row),
    });
    const auth = grant ? await this.authenticate(element, config, grant) : undefined;
    return this.update(row, {
      name,
      tags: JSON.stringify(tags),
      disabled: body.disabled === undefined ? row.disabled : body.disabled === true ? 1 : 0,
      ...this.configurationColumns(config),
      ...(auth ? this.tokenColumns(auth.tokens, auth.account) : {}),
    });
  }

  /** PATCH: change only what the body names; configuration keys are merged into the stored ones. */
  async patch(caller: Caller, id: number, body: InstanceBody): Promise<InstanceView> {
    const row = await this.row(caller, id);
    if (!body || typeof body !== 'object') throw new BadRequest('request body must be a JSON object');
    const element = this.deps.elements.get(row.element_key);
    const changes: InstanceRowUpdate = {};
    if (body.name !== undefined) changes.name = parseName(body.name);
    if (body.tags !== undefined) changes.tags = JSON.stringify(parseTags(body.tags));
    if (body.disabled !== undefined) {
      if (typeof body.disabled !== 'boolean') throw new BadRequest('disabled must be true or false');
      changes.disabled = body.disabled ? 1 : 0;
    }
    if (body.configuration !== undefined) {
      if (body.configuration === null || typeof body.configuration !== 'object' || Array.isArray(body.configuration)) {
        throw new BadRequest('configuration must be an object');
      }
      const stored = { ...(JSON.parse(row.configuration) as Record<string, string>), ...this.secrets(row) };
      const merged = { ...stored, ...(body.configuration as Record<string, unknown>) };
      Object.assign(changes, this.configurationColumns(parseConfiguration(merged, element, this.deps.policy, { requireCallbackUrl: hasCallbackUrl(row) })));
    }
    const code = parsePatchCode(body);
    if (code) {
      const config = parseConfiguration(
        { ...(JSON.parse(changes.configuration ?? row.configuration) as Record<string, string>), ...this.secrets(row) },
        element,
        this.deps.policy,
        { requireCallbackUrl: true },
      );
      const auth = await this.authenticate(element, config, { type: 'code', code });
      Object.assign(changes, this.tokenColumns(auth.tokens, auth.account));
    }
    return this.update(row, changes);
  }

  /**
   * Every PUT/PATCH is also how a user says "try again": it re-enables polling disabled after repeated
   * failures, and a changed callback URL lifts a 410 Gone and resumes the deliveries waiting on it.
   */
  private async update(row: InstanceRow, changes: InstanceRowUpdate): Promise<InstanceView> {
    const now = Date.now();
    const callbackChanged = changes.callback_url !== undefined && changes.callback_url !== row.callback_url;
    const updated = await this.deps.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('instances')
        .set({
          ...changes,
          polling_disabled: 0,
          polling_disabled_reason: null,
          ...(callbackChanged ? { callback_gone: 0 } : {}),
          updated_at: now,
        })
        .where('id', '=', row.id)
        .where('organization_id', '=', row.organization_id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (callbackChanged) {
        await trx
          .updateTable('notifications')
          .set({ next_attempt_at: now })
          .where('instance_id', '=', row.id)
          .where('status', 'in', ['NEW', 'RETRYING'])
          .where('next_attempt_at', 'is', null)
          .execute();
      }
      await this.deps.syncPollSchedules(trx, result, now, { intervalChanged: result.refresh_interval_minutes !== row.refresh_interval_minutes });
      return result;
    });
    return this.view(updated);
  }

  async delete(caller: Caller, id: number): Promise<void> {
    const row = await this.row(caller, id);
    const deleted = await this.deps.db.deleteFrom('instances').where('id', '=', row.id).where('organization_id', '=', caller.organizationId).executeTakeFirst();
    // A concurrent DELETE of the same instance got there first; it also decides about the grant.
    if (Number(deleted.numDeletedRows) === 0) throw new NotFound(`No instance with id ${id}`);
    // Asked only now that the delete is committed, so that of two racing deletes the later one sees
    // the other gone and revokes (sharedGrant.ts).
    const grant = row.refresh_token_encrypted ?? row.access_token_encrypted;
    if (grant && !(await grantSharedWithOtherInstances(this.deps.db, row))) {
      const element = this.deps.elements.get(row.element_key);
      await revokeToken(this.deps.elements.endpoints(element).revokeUrl, this.deps.keyring.decrypt(grant));
    }
  }

  /** The API shape of an instance, with its owner read from the users table. */
  async view(row: InstanceRow): Promise<InstanceView> {
    return this.viewWithOwner(row, (await this.owners([row.user_id])).get(row.user_id));
  }

  private viewWithOwner(row: InstanceRow, owner: InstanceOwner | undefined): InstanceView {
    const element = this.deps.elements.get(row.element_key);
    const secretKeys = Object.keys(this.secrets(row));
    return {
      id: row.id,
      name: row.name,
      createdDate: new Date(row.created_at).toISOString(),
      updatedDate: new Date(row.updated_at).toISOString(),
      token: this.deps.keyring.decrypt(row.token_encrypted),
      element: elementSummary(element),
      elementId: element.id,
      tags: JSON.parse(row.tags) as string[],
      provisionInteractions: [],
      valid: row.valid === 1,
      ...(row.invalid_reason ? { invalidReason: row.invalid_reason } : {}),
      disabled: row.disabled === 1,
      maxCacheSize: 0,
      cacheTimeToLive: 0,
      configuration: maskedConfiguration(JSON.parse(row.configuration) as Record<string, string>, secretKeys),
      eventsEnabled: row.events_enabled === 1,
      eventsNotificationCallbackUrl: row.callback_url,
      eventsPollerRefreshInterval: row.refresh_interval_minutes,
      traceLoggingEnabled: false,
      cachingEnabled: false,
      externalAuthentication: 'none',
      ...(row.provider_account ? { providerAccount: row.provider_account } : {}),
      user: owner ?? { id: row.user_id, emailAddress: null, firstName: null, lastName: null },
    };
  }

  /** Views of many rows with one users query. */
  private async views(rows: readonly InstanceRow[]): Promise<InstanceView[]> {
    const owners = await this.owners(rows.map((row) => row.user_id));
    return rows.map((row) => this.viewWithOwner(row, owners.get(row.user_id)));
  }

  private async owners(userIds: readonly number[]): Promise<Map<number, InstanceOwner>> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return new Map();
    const users = await this.deps.db.selectFrom('users').select(['id', 'email']).where('id', 'in', ids).execute();
    return new Map(users.map((user) => [user.id, { id: user.id, emailAddress: user.email, firstName: null, lastName: null }]));
  }

  /** CE's configuration entries of an instance (GET /instances/{id}/configuration). */
  async configurationEntries(caller: Caller, id: number): Promise<ConfigurationEntry[]> {
    return this.entriesOf(await this.row(caller, id));
  }

  async configurationEntry(caller: Caller, id: number, configId: number): Promise<ConfigurationEntry> {
    return findConfigurationEntry(await this.configurationEntries(caller, id), configId, id);
  }

  /**
   * PATCH …/configuration/{configId} `{"propertyValue": …}`: the same change, validation and effects
   * (schedules, callback resumption) as PATCH /instances/{id} with `{"configuration": {key: value}}`.
   */
  async patchConfigurationEntry(caller: Caller, id: number, configId: number, body: unknown): Promise<ConfigurationEntry> {
    const entry = await this.configurationEntry(caller, id, configId);
    const value = parsePropertyValue(body, entry);
    const updated = await this.patch(caller, id, { configuration: { [entry.key]: value } });
    return findConfigurationEntry(this.entriesOf(await this.row(caller, updated.id)), configId, id);
  }

  private entriesOf(row: InstanceRow): ConfigurationEntry[] {
    const element = this.deps.elements.get(row.element_key);
    return configurationEntries(element, JSON.parse(row.configuration) as Record<string, string>, new Set(Object.keys(this.secrets(row))));
  }

  /**
   * PUT / DELETE /instances/enabled: enables or disables an instance (the route finds it by its Element
   * token) through the PATCH path (a disabled instance keeps its configuration and cursors; its polling is paused).
   */
  async setEnabled(caller: Caller, id: number, enabled: boolean): Promise<InstanceView> {
    return this.patch(caller, id, { disabled: !enabled });
  }

  /** GET /elements/{keyOrId}/instances: the caller's instances of one element (404 for an unknown element). */
  async listForElement(caller: Caller, keyOrId: string): Promise<InstanceView[]> {
    const element = this.deps.elements.get(keyOrId);
    return (await this.list(caller)).filter((instance) => instance.element.key === element.key);
  }

  /** POST /elements/{keyOrId}/instances: POST /instances with the element taken from the path. */
  async createForElement(caller: Caller, keyOrId: string, body: InstanceBody): Promise<InstanceView> {
    const element = this.deps.elements.get(keyOrId);
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('request body must be a JSON object');
    if (body.element !== undefined && body.element !== null) {
      let named: ElementDefinition | undefined;
      try {
        named = this.element(body);
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
      }
      if (named?.key !== element.key) {
        throw new BadRequest(`element in the body must name the element of the path (${element.key}, id ${element.id}) or be left out`);
      }
    }
    return this.create(caller, { ...body, element: { key: element.key } });
  }
}
