// The OAuth clients the emulator accepts, as a Google Cloud project's credentials page would hold
// them: id, secret and the authorised redirect URIs (exact match, as Google requires). A client
// registered without redirect URIs accepts any http(s) redirect, which is what a sandbox wants.

export const SANDBOX_CLIENT_ID = 'sandbox-client-id.apps.googleusercontent.com';
export const SANDBOX_CLIENT_SECRET = 'sandbox-client-secret';

export interface OAuthClientRegistration {
  clientId: string;
  clientSecret: string;
  /** Absent: any http(s) redirect URI is allowed. */
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
      if (!Array.isArray(client.redirectUris) || client.redirectUris.some((u) => typeof u !== 'string' || !isHttpUrl(u))) {
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
    if (!isHttpUrl(redirectUri)) return false;
    // Google refuses fragments in redirect URIs whatever the registration says.
    if (redirectUri.includes('#')) return false;
    return client.redirectUris === undefined || client.redirectUris.includes(redirectUri);
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
