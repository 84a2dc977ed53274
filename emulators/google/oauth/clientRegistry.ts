// The OAuth clients the emulator accepts, as a Google Cloud project's credentials page would hold
// them: id, secret and the authorised redirect URIs (exact match, as Google requires; the registry is
// shared/clientRegistry.ts). A client registered without redirect URIs accepts any http(s) redirect,
// which is what a sandbox wants.

import { ClientRegistry as SharedClientRegistry, type ClientRules, type OAuthClientRegistration } from '../../shared/index.ts';

export type { OAuthClientRegistration } from '../../shared/index.ts';

export const SANDBOX_CLIENT_ID = 'sandbox-client-id.apps.googleusercontent.com';
export const SANDBOX_CLIENT_SECRET = 'sandbox-client-secret';

const GOOGLE_CLIENT_RULES: ClientRules = {
  sandbox: { clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET },
  openRedirect: () => true,
};

export class ClientRegistry extends SharedClientRegistry {
  constructor(initial: readonly OAuthClientRegistration[]) {
    super(GOOGLE_CLIENT_RULES, initial);
  }
}
