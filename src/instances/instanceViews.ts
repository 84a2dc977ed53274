// The API shape of an instance (Cloud Elements' instance object): its configuration with secrets
// masked, its Element token, its element's summary and its owner, read from the users table.

import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/index.ts';
import type { ElementRegistry } from '../elements/index.ts';
import type { Database, InstanceRow } from '../store/index.ts';
import { elementSummary, type ElementSummary } from './elementSummary.ts';
import { maskedConfiguration } from './instanceConfiguration.ts';
import { publicValues, unsealSecrets } from './instanceSealing.ts';

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

export class InstanceViews {
  constructor(private readonly deps: { db: Kysely<Database>; keyring: Keyring; elements: ElementRegistry }) {}

  /** The API shape of an instance, with its owner read from the users table. */
  async view(row: InstanceRow): Promise<InstanceView> {
    return this.viewWithOwner(row, (await this.owners([row.user_id])).get(row.user_id));
  }

  /** Views of many rows with one users query. */
  async views(rows: readonly InstanceRow[]): Promise<InstanceView[]> {
    const owners = await this.owners(rows.map((row) => row.user_id));
    return rows.map((row) => this.viewWithOwner(row, owners.get(row.user_id)));
  }

  private viewWithOwner(row: InstanceRow, owner: InstanceOwner | undefined): InstanceView {
    const element = this.deps.elements.get(row.element_key);
    const secretKeys = Object.keys(unsealSecrets(this.deps.keyring, row));
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
      configuration: maskedConfiguration(publicValues(row), secretKeys),
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

  private async owners(userIds: readonly number[]): Promise<Map<number, InstanceOwner>> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return new Map();
    const users = await this.deps.db.selectFrom('users').select(['id', 'email']).where('id', 'in', ids).execute();
    return new Map(users.map((user) => [user.id, { id: user.id, emailAddress: user.email, firstName: null, lastName: null }]));
  }
}
