// The signing secrets of an instance, decrypted once per distinct ciphertext: a busy callback gets many
// notifications, and its secrets change only when the instance is reconfigured (new ciphertext).

import type { Keyring } from '../../crypto/index.ts';

export interface SigningSecrets {
  signatureKey?: string;
  webhookSecret: string;
}

const MAX_CACHED = 10_000;

export class SigningSecretCache {
  private readonly cache = new Map<string, SigningSecrets>();

  constructor(private readonly keyring: Keyring) {}

  secretsFor(secretConfiguration: string, webhookSecretEncrypted: string): SigningSecrets {
    const key = `${secretConfiguration}|${webhookSecretEncrypted}`;
    let secrets = this.cache.get(key);
    if (!secrets) {
      const configuration = JSON.parse(this.keyring.decrypt(secretConfiguration)) as Record<string, string>;
      secrets = { signatureKey: configuration['event.notification.signature.key'], webhookSecret: this.keyring.decrypt(webhookSecretEncrypted) };
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(key, secrets);
    }
    return secrets;
  }
}
