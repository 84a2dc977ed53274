// The lifecycle of element instances, as the HTTP routes ask for it: authenticate and create, list,
// read, replace, patch and delete, always within the caller's organization. It composes the parts:
// body and configuration parsing (instanceBody.ts, authenticationRequest.ts), the grant
// (instanceAuthentication.ts), sealing (instanceSealing.ts), the instances model of the store, the
// poll schedules kept in step in the same transaction, grant revocation (grantRevocation.ts) and the
// API shape (instanceViews.ts).

import type { Kysely, Transaction } from 'kysely';
import { generateSecret, generateWebhookSecret, hashSecret, type Keyring } from '../crypto/index.ts';
import type { ElementRegistry } from '../elements/index.ts';
import { BadRequest, NotFound } from '../errors/index.ts';
import { instances, notifications, type Database, type InstanceChanges, type InstanceRow } from '../store/index.ts';
import type { Caller } from '../tenants/index.ts';
import { hasCallbackUrl, parseAuthentication, parseConfiguration, parsePatchCode, parseRequiredAuthentication } from './authenticationRequest.ts';
import { configurationEntries, findConfigurationEntry, parsePropertyValue, type ConfigurationEntry } from './configurationEntries.ts';
import { revokeDroppedGrant } from './grantRevocation.ts';
import { authenticateGrant, storedClientCredentials, type AccountIdentifier } from './instanceAuthentication.ts';
import { checkBody, checkElementOfPath, parseElement, parseName, parseTags, type InstanceBody } from './instanceBody.ts';
import type { ConfigurationPolicy } from './instanceConfiguration.ts';
import { publicValues, sealGrant, sealSettings, unsealSecrets } from './instanceSealing.ts';
import { InstanceViews, type InstanceView } from './instanceViews.ts';
import type { OAuthClientCredentials } from './oauthTokenClient.ts';

export type { AccountIdentifier } from './instanceAuthentication.ts';
export type { InstanceBody } from './instanceBody.ts';
export type { InstanceOwner, InstanceView } from './instanceViews.ts';

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

export class InstanceService {
  private readonly views: InstanceViews;

  constructor(private readonly deps: InstanceServiceDeps) {
    this.views = new InstanceViews(deps);
  }

  /** Token endpoint, client credentials and token-request scope of a stored instance. */
  clientCredentials(row: InstanceRow): OAuthClientCredentials {
    return storedClientCredentials(this.deps.elements, this.deps.keyring, row);
  }

  async create(caller: Caller, body: InstanceBody): Promise<InstanceView> {
    checkBody(body);
    const { keyring } = this.deps;
    const element = parseElement(this.deps.elements, body);
    const name = parseName(body.name);
    const tags = parseTags(body.tags);
    const { grant, configuration } = parseRequiredAuthentication(body);
    const config = parseConfiguration(configuration ?? {}, element, this.deps.policy, { requireCallbackUrl: grant.type === 'code' });
    // Validate everything before spending the single-use code; exchange (or refresh) before writing
    // anything, so a refused code or refresh token leaves no instance behind.
    const { tokens, account } = await authenticateGrant(this.deps, element, config, grant);
    const token = generateSecret();
    const settings = sealSettings(keyring, config);
    let row: InstanceRow;
    try {
      row = await this.deps.db.transaction().execute(async (trx) => {
        const inserted = await instances.createInstance(
          trx,
          {
            organizationId: caller.organizationId,
            userId: caller.userId,
            elementKey: element.key,
            name,
            tokenHash: hashSecret(token),
            tokenEncrypted: keyring.encrypt(token),
            tags,
            disabled: body.disabled === true,
            webhookSecretEncrypted: keyring.encrypt(generateWebhookSecret()),
            settings,
            grant: sealGrant(keyring, tokens, account),
          },
          Date.now(),
        );
        await this.deps.syncPollSchedules(trx, inserted);
        return inserted;
      });
    } catch (error) {
      // A grant made for this instance would otherwise stay alive with nothing to use or revoke it. A
      // refresh token the caller brought stays theirs (their other system may still use it).
      if (grant.type === 'code') {
        const unsaved = { id: -1, element_key: element.key, configuration: settings.configuration, provider_account: account ?? null };
        await revokeDroppedGrant(this.deps, element, unsaved, tokens.refreshToken ?? tokens.accessToken);
      }
      throw error;
    }
    return this.view(row);
  }

  async list(caller: Caller, filter: { tags?: string[] } = {}): Promise<InstanceView[]> {
    const rows = await instances.listInOrganization(this.deps.db, caller.organizationId);
    const wanted = filter.tags?.filter(Boolean) ?? [];
    return this.views.views(rows.filter((row) => wanted.length === 0 || (JSON.parse(row.tags) as string[]).some((tag) => wanted.includes(tag))));
  }

  async row(caller: Caller, id: number): Promise<InstanceRow> {
    const row = await instances.findInOrganization(this.deps.db, caller.organizationId, id);
    if (!row) throw new NotFound(`No instance with id ${id}`);
    return row;
  }

  async get(caller: Caller, id: number): Promise<InstanceView> {
    return this.view(await this.row(caller, id));
  }

  /** The instance a hub call's `Element <token>` names, within the caller's organization. */
  async byToken(caller: Caller, token: string): Promise<InstanceRow> {
    const row = await instances.findByTokenHash(this.deps.db, caller.organizationId, hashSecret(token));
    if (!row) throw new NotFound('No instance with that Element token in this organization');
    return row;
  }

  /** PUT: a whole new definition; with providerData.code the instance is re-authenticated. */
  async replace(caller: Caller, id: number, body: InstanceBody): Promise<InstanceView> {
    const row = await this.row(caller, id);
    checkBody(body);
    const element = this.deps.elements.get(row.element_key);
    if (body.element !== undefined && parseElement(this.deps.elements, body).key !== element.key) throw new BadRequest('element cannot be changed; create a new instance');
    const name = parseName(body.name);
    const tags = parseTags(body.tags);
    const { grant, configuration } = parseAuthentication(body, false);
    const config = parseConfiguration(configuration ?? {}, element, this.deps.policy, {
      stored: unsealSecrets(this.deps.keyring, row),
      requireCallbackUrl: grant ? grant.type === 'code' : hasCallbackUrl(row),
    });
    const auth = grant ? await authenticateGrant(this.deps, element, config, grant) : undefined;
    return this.update(row, {
      name,
      tags,
      ...(body.disabled !== undefined ? { disabled: body.disabled === true } : {}),
      settings: sealSettings(this.deps.keyring, config),
      ...(auth ? { grant: sealGrant(this.deps.keyring, auth.tokens, auth.account) } : {}),
    });
  }

  /** PATCH: change only what the body names; configuration keys are merged into the stored ones. */
  async patch(caller: Caller, id: number, body: InstanceBody): Promise<InstanceView> {
    const row = await this.row(caller, id);
    checkBody(body);
    const { keyring, policy } = this.deps;
    const element = this.deps.elements.get(row.element_key);
    const changes: InstanceChanges = {};
    if (body.name !== undefined) changes.name = parseName(body.name);
    if (body.tags !== undefined) changes.tags = parseTags(body.tags);
    if (body.disabled !== undefined) {
      if (typeof body.disabled !== 'boolean') throw new BadRequest('disabled must be true or false');
      changes.disabled = body.disabled;
    }
    if (body.configuration !== undefined) {
      if (body.configuration === null || typeof body.configuration !== 'object' || Array.isArray(body.configuration)) {
        throw new BadRequest('configuration must be an object');
      }
      const merged = { ...publicValues(row), ...unsealSecrets(keyring, row), ...(body.configuration as Record<string, unknown>) };
      changes.settings = sealSettings(keyring, parseConfiguration(merged, element, policy, { requireCallbackUrl: hasCallbackUrl(row) }));
    }
    const code = parsePatchCode(body);
    if (code) {
      const current = { ...publicValues({ configuration: changes.settings?.configuration ?? row.configuration }), ...unsealSecrets(keyring, row) };
      const config = parseConfiguration(current, element, policy, { requireCallbackUrl: true });
      const auth = await authenticateGrant(this.deps, element, config, { type: 'code', code });
      changes.grant = sealGrant(keyring, auth.tokens, auth.account);
    }
    return this.update(row, changes);
  }

  /**
   * Every PUT/PATCH is also how a user says "try again" (instances.applyUserChanges); a changed callback
   * URL also resumes the deliveries waiting on it. The schedules follow in the same transaction.
   */
  private async update(row: InstanceRow, changes: InstanceChanges): Promise<InstanceView> {
    const now = Date.now();
    const updated = await this.deps.db.transaction().execute(async (trx) => {
      const result = await instances.applyUserChanges(trx, row, changes, now);
      if (instances.changesCallbackUrl(row, changes)) await notifications.bringForwardWaitingOnCallback(trx, row.id, now);
      await this.deps.syncPollSchedules(trx, result, now, { intervalChanged: result.refresh_interval_minutes !== row.refresh_interval_minutes });
      return result;
    });
    return this.view(updated);
  }

  async delete(caller: Caller, id: number): Promise<void> {
    const row = await this.row(caller, id);
    // A concurrent DELETE of the same instance got there first; it also decides about the grant.
    if (!(await instances.deleteInstance(this.deps.db, caller.organizationId, row.id))) throw new NotFound(`No instance with id ${id}`);
    // Decided only now that the delete is committed, so that of two racing deletes the later one sees
    // the other gone and revokes (sharedGrant.ts).
    const grant = row.refresh_token_encrypted ?? row.access_token_encrypted;
    if (grant) await revokeDroppedGrant(this.deps, this.deps.elements.get(row.element_key), row, this.deps.keyring.decrypt(grant));
  }

  /** The API shape of an instance, with its owner read from the users table. */
  view(row: InstanceRow): Promise<InstanceView> {
    return this.views.view(row);
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
    return configurationEntries(element, publicValues(row), new Set(Object.keys(unsealSecrets(this.deps.keyring, row))));
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
    checkElementOfPath(this.deps.elements, body, element);
    return this.create(caller, { ...body, element: { key: element.key } });
  }
}
