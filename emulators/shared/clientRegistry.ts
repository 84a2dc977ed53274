// The OAuth clients an emulator accepts: id, secret and the registered redirect URIs (exact match, no
// fragment, as both Google and Microsoft require). The sandbox client is always there. A client
// registered without redirect URIs accepts what the provider's `openRedirect` rule allows.

export interface OAuthClientRegistration {
  clientId: string;
  clientSecret: string;
  /** Absent: any redirect URI the provider lets an unregistered web app use (see its clientRegistry.ts). */
  redirectUris?: string[];
}

export interface ClientRules {
  /** The client every emulator starts with and keeps across resets. */
  sandbox: OAuthClientRegistration;
  /** Whether a client without registered redirect URIs may redirect to this http(s) URL. */
  openRedirect(url: URL): boolean;
}

export class ClientRegistry {
  private readonly clients = new Map<string, OAuthClientRegistration>();

  constructor(
    private readonly rules: ClientRules,
    private readonly initial: readonly OAuthClientRegistration[],
  ) {
    this.reset();
  }

  reset(): void {
    this.clients.clear();
    this.register(this.rules.sandbox);
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
    // Fragments are refused whatever the registration says.
    if (url === undefined || redirectUri.includes('#')) return false;
    if (client.redirectUris !== undefined) return client.redirectUris.includes(redirectUri);
    return this.rules.openRedirect(url);
  }
}

function parseHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
