// The elements Changehook knows (registeredElements.ts), looked up by key or numeric id, and their
// provider endpoints resolved against configuration (a configured origin sends every call of an
// element to one place, an emulator's).

import { NotFound } from '../errors/index.ts';
import type { ElementHub, HubElements } from '../hubs/index.ts';
import type { ElementDefinition } from './elementDefinition.ts';
import { registeredElements, type ProviderOrigins, type RegisteredElement } from './registeredElements.ts';

export interface ProviderEndpoints {
  authorizationUrl: string;
  tokenUrl: string;
  revokeUrl?: string;
  apiBaseUrl: string;
}

export class ElementRegistry implements HubElements {
  private readonly elements: readonly ElementDefinition[];
  /** Element key → the origin that replaces its provider's. */
  private readonly baseUrls: ReadonlyMap<string, string | undefined>;

  constructor(origins: ProviderOrigins = {}, registered: readonly RegisteredElement[] = registeredElements(origins)) {
    this.elements = registered.map((entry) => entry.element);
    this.baseUrls = new Map(registered.map((entry) => [entry.element.key, entry.baseUrl]));
  }

  list(): readonly ElementDefinition[] {
    return this.elements;
  }

  get(keyOrId: string): ElementDefinition {
    const element = this.elements.find((e) => e.key === keyOrId || String(e.id) === keyOrId);
    if (!element) throw new NotFound(`No element with key or id '${keyOrId}'`);
    return element;
  }

  endpoints(element: ElementDefinition): ProviderEndpoints {
    const { authorizationUrl, tokenUrl, revokeUrl, apiBaseUrl } = element.authentication;
    const base = this.baseUrls.get(element.key);
    if (!base) return { authorizationUrl, tokenUrl, revokeUrl, apiBaseUrl };
    const rebase = (url: string) => {
      const parsed = new URL(url);
      return `${base}${parsed.pathname}`;
    };
    return {
      authorizationUrl: rebase(authorizationUrl),
      tokenUrl: rebase(tokenUrl),
      revokeUrl: revokeUrl === undefined ? undefined : rebase(revokeUrl),
      apiBaseUrl: rebase(apiBaseUrl),
    };
  }

  /** For the hub engine, which knows elements as ElementHub. */
  apiBaseUrl(element: ElementHub): string {
    return this.endpoints(this.get(element.key)).apiBaseUrl;
  }

  /** The provider's authorization URL for a client, as `GET /elements/{key}/oauth/url` returns it. */
  oauthUrl(element: ElementDefinition, input: { apiKey: string; callbackUrl: string; scope?: string; state?: string }): string {
    const url = new URL(this.endpoints(element).authorizationUrl);
    url.searchParams.set('client_id', input.apiKey);
    url.searchParams.set('redirect_uri', input.callbackUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', input.scope?.trim() || element.authentication.defaultScopes.join(' '));
    for (const [name, value] of Object.entries(element.authentication.authorizationParameters)) url.searchParams.set(name, value);
    url.searchParams.set('state', input.state || element.key);
    return url.toString();
  }
}
