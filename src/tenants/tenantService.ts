// Organizations and users: creating them with random secrets (returned once, stored hashed), the
// first-start bootstrap, and authenticating API callers.

import type { Kysely } from 'kysely';
import { generateSecret, hashSecret } from '../crypto/index.ts';
import { Unauthorized } from '../errors/index.ts';
import type { Database } from '../store/index.ts';
import type { Credentials } from './authorizationHeader.ts';

export interface Caller {
  organizationId: number;
  userId: number;
}

export interface CreatedTenant {
  organizationId: number;
  organizationName: string;
  organizationSecret: string;
  userId: number;
  userEmail: string;
  userSecret: string;
}

export class TenantService {
  constructor(private readonly db: Kysely<Database>) {}

  async createOrganization(input: { name: string; userEmail: string; organizationSecret?: string; userSecret?: string }): Promise<CreatedTenant> {
    const organizationSecret = input.organizationSecret ?? generateSecret();
    const userSecret = input.userSecret ?? generateSecret();
    const now = Date.now();
    return this.db.transaction().execute(async (trx) => {
      const org = await trx
        .insertInto('organizations')
        .values({ name: input.name, secret_hash: hashSecret(organizationSecret), created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const user = await trx
        .insertInto('users')
        .values({ organization_id: org.id, email: input.userEmail, secret_hash: hashSecret(userSecret), created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      return {
        organizationId: org.id,
        organizationName: input.name,
        organizationSecret,
        userId: user.id,
        userEmail: input.userEmail,
        userSecret,
      };
    });
  }

  /**
   * First start: make sure a tenant exists. With fixed secrets (CHANGEHOOK_ORG_SECRET /
   * CHANGEHOOK_USER_SECRET) the tenant holding them is created if missing; otherwise one is created
   * only when the database has none. Returns the tenant when it was just created (to print its
   * secrets once), undefined when it already existed.
   */
  async bootstrap(fixed: { organizationSecret?: string; userSecret?: string }): Promise<CreatedTenant | undefined> {
    if (fixed.organizationSecret || fixed.userSecret) {
      if (!fixed.organizationSecret || !fixed.userSecret) {
        throw new Error('CHANGEHOOK_ORG_SECRET and CHANGEHOOK_USER_SECRET must be set together');
      }
      const existing = await this.findOrganizationBySecret(fixed.organizationSecret);
      if (existing) {
        const user = await this.db
          .selectFrom('users')
          .select('id')
          .where('organization_id', '=', existing)
          .where('secret_hash', '=', hashSecret(fixed.userSecret))
          .executeTakeFirst();
        if (!user) {
          await this.db
            .insertInto('users')
            .values({ organization_id: existing, email: 'admin@localhost', secret_hash: hashSecret(fixed.userSecret), created_at: Date.now() })
            .execute();
        }
        return undefined;
      }
      try {
        return await this.createOrganization({ name: 'Default organization', userEmail: 'admin@localhost', ...fixed });
      } catch (error) {
        // Another process starting at the same moment (a second API replica) created it first: the
        // secret is unique, so our insert failed. Theirs is the tenant; nothing was created here.
        if ((await this.findOrganizationBySecret(fixed.organizationSecret)) === undefined) throw error;
        return this.bootstrap(fixed);
      }
    }
    const any = await this.db.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
    if (any) return undefined;
    return this.createOrganization({ name: 'Default organization', userEmail: 'admin@localhost' });
  }

  private async findOrganizationBySecret(secret: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('organizations').select('id').where('secret_hash', '=', hashSecret(secret)).executeTakeFirst();
    return row?.id;
  }

  /**
   * The caller of a platform API call. The user secret identifies the user (and so the
   * organization); an Organization secret, when given, must be that same organization's. Lookups are
   * by hash (indexed, unique), so timing reveals nothing about a stored secret.
   */
  async authenticate(credentials: Credentials, options: { requireOrganization: boolean }): Promise<Caller> {
    if (!credentials.user) throw new Unauthorized('Authorization header must carry "User <user secret>"');
    if (options.requireOrganization && !credentials.organization) {
      throw new Unauthorized('Authorization header must carry "Organization <organization secret>"');
    }
    const user = await this.db
      .selectFrom('users')
      .select(['id', 'organization_id'])
      .where('secret_hash', '=', hashSecret(credentials.user))
      .executeTakeFirst();
    if (!user) throw new Unauthorized('User or Organization secret is not valid');
    if (credentials.organization) {
      const organizationId = await this.findOrganizationBySecret(credentials.organization);
      if (organizationId !== user.organization_id) throw new Unauthorized('User or Organization secret is not valid');
    }
    return { organizationId: user.organization_id, userId: user.id };
  }
}
