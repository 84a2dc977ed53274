// When dropping a grant revokes it at the provider: an instance deleted, or an instance whose creation
// failed after its code was exchanged. Per the element's authentication:
// - no revokeUrl (Microsoft): nothing is revoked; the grant is left to its user;
// - revocationEndsSharedGrant (Google, one authorization per client and account): revoked only when no
//   other instance holds the same grant (sharedGrant.ts);
// - otherwise each instance's grant is its own and is revoked.
// Revoking is best effort (oauthTokenClient.ts): a failure never blocks the delete.

import type { Kysely } from 'kysely';
import type { ElementDefinition, ElementRegistry } from '../elements/index.ts';
import type { Database, InstanceRow } from '../store/index.ts';
import { revokeToken } from './oauthTokenClient.ts';
import { grantSharedWithOtherInstances } from './sharedGrant.ts';

export interface RevocationDeps {
  db: Kysely<Database>;
  elements: ElementRegistry;
}

/** The instance (stored, or about to be: id -1) whose grant is dropped. */
export type GrantHolder = Pick<InstanceRow, 'id' | 'element_key' | 'configuration' | 'provider_account'>;

/** Revokes `token` (the holder's refresh token, else its access token) unless the rules above keep it. */
export async function revokeDroppedGrant(deps: RevocationDeps, element: ElementDefinition, holder: GrantHolder, token: string): Promise<void> {
  const { revokeUrl } = deps.elements.endpoints(element);
  if (revokeUrl === undefined) return;
  if (element.authentication.revocationEndsSharedGrant && (await grantSharedWithOtherInstances(deps.db, holder))) return;
  await revokeToken(revokeUrl, token);
}
