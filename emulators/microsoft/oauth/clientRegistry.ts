// The app registrations the emulator accepts, as an Entra ID "App registrations" page would hold
// them: client id, client secret and the redirect URIs of the Web platform (exact match; the registry
// is shared/clientRegistry.ts). A client registered without redirect URIs (the sandbox client) accepts
// what Microsoft lets any web app register: https anywhere, http only on a loopback host (localhost,
// 127.0.0.1, [::1]).

import { ClientRegistry as SharedClientRegistry, type ClientRules, type OAuthClientRegistration } from '../../shared/index.ts';

export type { OAuthClientRegistration } from '../../shared/index.ts';

export const SANDBOX_CLIENT_ID = '00000000-0000-4000-8000-00000000c0de';
export const SANDBOX_CLIENT_SECRET = 'sandbox-outlook-client-secret';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const MICROSOFT_CLIENT_RULES: ClientRules = {
  sandbox: { clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET },
  openRedirect: (url) => url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname),
};

export class ClientRegistry extends SharedClientRegistry {
  constructor(initial: readonly OAuthClientRegistration[]) {
    super(MICROSOFT_CLIENT_RULES, initial);
  }
}
