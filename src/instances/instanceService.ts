// The lifecycle of element instances: authenticate (code exchange) and create, list, read, replace,
// patch and delete, always within the caller's organization.

import type { Kysely } from 'kysely';
import { generateSecret, generateWebhookSecret, hashSecret, type Keyring } from '../crypto/index.ts';

import type { ElementDefinition, ElementRegistry } from '../elements/index.ts';
import { BadRequest, NotFound } from '../errors/index.ts';
import type { Database, InstanceRow, InstanceRowUpdate } from '../store/index.ts';
import type { Caller } from '../tenants/index.ts';
import {
  maskedConfiguration,
  parseInstanceConfiguration,
  type ConfigurationPolicy,
  type InstanceConfiguration,
} from './instanceConfiguration.ts';
import { syncPollSchedules } from '../events/poller/scheduleSync.ts';
import { exchangeAuthorizationCode, revokeToken, type OAuthClientCredentials, type ProviderTokens } from './oauthTokenClient.ts';

export interface InstanceBody {
  element?: { key?: unknown; id?: unknown };
  providerData?: { code?: unknown };
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
  element: { id: number; key: string; name: string; hub: string };
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
  user: { id: number };
}

export interface InstanceServiceDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  elements: ElementRegistry;
  policy: ConfigurationPolicy;
}

function parseName(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.trim()) throw new BadRequest('name is required and must be a non-empty string');
  if (raw.length > 255) throw new BadRequest('name must be at most 255 characters');
  return raw.trim();
}

const MAX_TAGS = 50;
const MAX_CODE_LENGTH = 4096;

function parseTags(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new BadRequest('tags must be an array of strings');
  if (raw.length > MAX_TAGS) throw new BadRequest(`tags must hold at most ${MAX_TAGS} tags, got ${raw.length}`);
  return raw.map((tag, index) => {
    if (typeof tag !== 'string' || !tag.trim()) throw new BadRequest(`tags[${index}] must be a non-empty string`);
    if (tag.length > 255) throw new BadRequest(`tags[${index}] must be at most 255 characters`);
    return tag.trim();
  });
}

function parseCode(body: InstanceBody, required: boolean): string | undefined {
  const providerData = body.providerData;
  if (providerData === undefined || providerData === null) {
    if (required) throw new BadRequest('providerData.code is required: the authorization grant code from the OAuth redirect');
    return undefined;
  }
  if (typeof providerData !== 'object' || Array.isArray(providerData)) throw new BadRequest('providerData must be an object');
  const code = providerData.code;
  if (code === undefined && !required) return undefined;
  if (typeof code !== 'string' || !code.trim()) throw new BadRequest('providerData.code must be a non-empty string');
  if (code.length > MAX_CODE_LENGTH) throw new BadRequest(`providerData.code must be at most ${MAX_CODE_LENGTH} characters`);
  return code.trim();
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

  private async authenticate(element: ElementDefinition, config: InstanceConfiguration, code: string): Promise<{ tokens: ProviderTokens; account?: string }> {
    const endpoints = this.deps.elements.endpoints(element);
    const tokens = await exchangeAuthorizationCode(
      { tokenUrl: endpoints.tokenUrl, clientId: config.clientId, clientSecret: config.clientSecret },
      { code, redirectUri: config.callbackUrl },
    );
    const account = await element.identifyAccount?.(endpoints.apiBaseUrl, tokens.accessToken);
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
    const code = parseCode(body, true)!;
    const config = parseInstanceConfiguration(body.configuration ?? {}, element, this.deps.policy);
    // Validate everything before spending the single-use code; exchange before writing anything, so a
    // refused code leaves no instance behind.
    const { tokens, account } = await this.authenticate(element, config, code);
    const token = generateSecret();
    const now = Date.now();
    try {
      const row = await this.deps.db.transaction().execute(async (trx) => {
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
        await syncPollSchedules(trx, inserted);
        return inserted;
      });
      return this.view(row);
    } catch (error) {
      // The grant would otherwise stay alive with no instance to use or revoke it.
      await revokeToken(this.deps.elements.endpoints(element).revokeUrl, tokens.refreshToken ?? tokens.accessToken);
      throw error;
    }
  }

  async list(caller: Caller, filter: { tags?: string[] } = {}): Promise<InstanceView[]> {
    const rows = await this.deps.db
      .selectFrom('instances')
      .selectAll()
      .where('organization_id', '=', caller.organizationId)
      .orderBy('id')
      .execute();
    const wanted = filter.tags?.filter(Boolean) ?? [];
    return rows
      .filter((row) => wanted.length === 0 || (JSON.parse(row.tags) as string[]).some((tag) => wanted.includes(tag)))
      .map((row) => this.view(row));
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
    const config = parseInstanceConfiguration(body.configuration ?? {}, element, this.deps.policy, this.secrets(row));
    const code = parseCode(body, false);
    const auth = code ? await this.authenticate(element, config, code) : undefined;
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
      Object.assign(changes, this.configurationColumns(parseInstanceConfiguration(merged, element, this.deps.policy)));
    }
    const code = parseCode(body, false);
    if (code) {
      const config = parseInstanceConfiguration(
        { ...(JSON.parse(changes.configuration ?? row.configuration) as Record<string, string>), ...this.secrets(row) },
        element,
        this.deps.policy,
      );
      const auth = await this.authenticate(element, config, code);
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
      await syncPollSchedules(trx, result, now, { intervalChanged: result.refresh_interval_minutes !== row.refresh_interval_minutes });
      return result;
    });
    return this.view(updated);
  }

  async delete(caller: Caller, id: number): Promise<void> {
    const row = await this.row(caller, id);
    await this.deps.db.deleteFrom('instances').where('id', '=', row.id).where('organization_id', '=', caller.organizationId).execute();
    const grant = row.refresh_token_encrypted ?? row.access_token_encrypted;
    if (grant) {
      const element = this.deps.elements.get(row.element_key);
      await revokeToken(this.deps.elements.endpoints(element).revokeUrl, this.deps.keyring.decrypt(grant));
    }
  }

  view(row: InstanceRow): InstanceView {
    const element = this.deps.elements.get(row.element_key);
    const secretKeys = Object.keys(this.secrets(row));
    return {
      id: row.id,
      name: row.name,
      createdDate: new Date(row.created_at).toISOString(),
      updatedDate: new Date(row.updated_at).toISOString(),
      token: this.deps.keyring.decrypt(row.token_encrypted),
      element: { id: element.id, key: element.key, name: element.name, hub: element.hub },
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
      user: { id: row.user_id },
    };
  }
}
