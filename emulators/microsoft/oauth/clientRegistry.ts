// The app registrations the emulator accepts, as an Entra ID "App registrations" page would hold
// them: client id, client secret and the redirect URIs of the Web platform (exact match). A client
// registered without redirect URIs (the sandbox client) accepts what Microsoft lets any web app
// register: https anywhere, http only on a loopback host (localhost, 127.0.0.1, [::1]).

export const SANDBOX_CLIENT_ID = '00000000-0000-4000-8000-00000000c0de';
export const SANDBOX_CLIENT_SECRET = 'sandbox-outlook-client-secret';

export interface OAuthClientRegistration {
  clientId: string;
  clientSecret: string;
  /** Absent: any https redirect URI, or an http one on a loopback host. */
  redirectUris?: string[];
}

export class ClientRegistry {
  private readonly clients = new Map<string, OAuthClientRegistration>();

  constructor(private readonly initial: readonly OAuthClientRegistration[]) {
    this.reset();
  }

  reset(): void {
    this.clients.clear();
    this.register({ clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET });
    for (const client of this.initial) this.register(client);
  }

  register(client: OAuthClientRegistration): void {
    if (typeof client.clientId !== 'string' || client.clientId.length === 0) throw new TypeError('clientId is required');
    if (typeof client.clientSecret !== 'string' || client.clientSecret.length === 0) throw new TypeError('clientSecret is required');
    if (client.redirectUris !== undefined) {
      if (!Array.isArray(client.redirectUris) || client.redirectUris.some((u) => typeof u !== 'string' || parseHttpUrl(u) === undefined)) {
        throw new TypeError('redirectUris must be a list of http(s) URLs');
      }
    }
    this.clients.set(client.clientId, {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      ...(client.redirectUris !== undefined ? { redirectUris: [...client.redirectUris] } : {}),
    });
  }

  get(clientId: string): OAuthClientRegistration | undefined {
    return this.clients.get(clientId);
  }

  list(): OAuthClientRegistration[] {
    return [...this.clients.values()];
  }

  allowsRedirect(client: OAuthClientRegistration, redirectUri: string): boolean {
    const url = parseHttpUrl(redirectUri);
    if (url === undefined || redirectUri.includes('#')) return false;
    if (client.redirectUris !== undefined) return client.redirectUris.includes(redirectUri);
    return url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname);
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function parseHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
