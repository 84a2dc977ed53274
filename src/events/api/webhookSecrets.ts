// The per-instance Standard Webhooks secret: read it (decrypted) or rotate it. Stored encrypted with the
// keyring, within the caller's organization.

import type { Kysely } from 'kysely';
import { generateWebhookSecret, type Keyring } from '../../crypto/index.ts';
import { instances, type Database } from '../../store/index.ts';
import type { Caller } from '../../tenants/index.ts';
import type { OwnedInstances } from './ownedInstances.ts';

export class WebhookSecrets {
  constructor(private readonly deps: { db: Kysely<Database>; keyring: Keyring; instances: OwnedInstances }) {}

  async webhookSecret(caller: Caller, instanceId: number): Promise<{ secret: string }> {
    const row = await this.deps.instances.row(caller, instanceId);
    return { secret: this.deps.keyring.decrypt(row.webhook_secret_encrypted) };
  }

  async rotateWebhookSecret(caller: Caller, instanceId: number): Promise<{ secret: string }> {
    await this.deps.instances.row(caller, instanceId);
    const secret = generateWebhookSecret();
    await instances.setWebhookSecret(this.deps.db, caller.organizationId, instanceId, this.deps.keyring.encrypt(secret), Date.now());
    return { secret };
  }
}
