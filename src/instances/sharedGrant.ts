// Whether another instance holds the grant an instance drops, for elements whose provider keeps one
// authorization per (OAuth client, account) — `revocationEndsSharedGrant`, Google: revoking any of its
// tokens ends every token of it, so revoking for one instance would turn every other instance of the
// same mailbox and client invalid. Such a grant is revoked (grantRevocation.ts) only when no other
// instance — in any organization, since a client may be shared — uses the same element, client id and
// account.
//
// Races. The caller deletes its row (committed) before asking: of two deletes of the last two such
// instances, the one that commits second sees the other's row gone and revokes (both may; revoking
// twice is harmless), so the grant does not outlive them. Still open: an instance created for the same
// account and client while the last one is being deleted shares the grant being revoked; it turns
// invalid (`invalid_grant`) at its first token refresh and must be authenticated again.

import type { Kysely } from 'kysely';
import type { Database, InstanceRow } from '../store/index.ts';

const CLIENT_ID_KEY = 'oauth.api.key';

/** The OAuth client id an instance authenticated with (its public configuration). */
export function instanceClientId(row: Pick<InstanceRow, 'configuration'>): string | undefined {
  const value = (JSON.parse(row.configuration) as Record<string, unknown>)[CLIENT_ID_KEY];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Whether another instance may hold the same grant as `row`: same element, same client id, and the
 * same account — or an account that is unknown on either side (identification can fail), which is
 * counted as the same, because revoking a grant still in use is the worse mistake.
 */
export async function grantSharedWithOtherInstances(
  db: Kysely<Database>,
  row: Pick<InstanceRow, 'id' | 'element_key' | 'configuration' | 'provider_account'>,
): Promise<boolean> {
  const clientId = instanceClientId(row);
  if (clientId === undefined) return true;
  // Configuration is stored as JSON.stringify of its values. LIKE's wildcards in a client id (and
  // SQLite's case-insensitive LIKE) can only widen the match, which keeps the grant: the safe side. A
  // backslash, PostgreSQL's LIKE escape, is turned into a wildcard for the same reason.
  const pattern = `%${JSON.stringify(CLIENT_ID_KEY)}:${JSON.stringify(clientId).replace(/[\\]/g, '_')}%`;
  let query = db
    .selectFrom('instances')
    .select('id')
    .where('element_key', '=', row.element_key)
    .where('id', '!=', row.id)
    .where('configuration', 'like', pattern);
  const account = row.provider_account;
  if (account !== null) query = query.where((eb) => eb.or([eb('provider_account', '=', account), eb('provider_account', 'is', null)]));
  return (await query.limit(1).executeTakeFirst()) !== undefined;
}
