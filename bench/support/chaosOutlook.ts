// The Outlook mailbox's owner, for the chaos harness: reads, flags, moves and deletes messages through
// Microsoft Graph with a grant of its own (as the user's mail client would), independent of Changehook's
// tokens; refreshes that grant when Graph answers 401 (the refresh carries the scope, as Microsoft's
// token endpoint requires), and asks for consent again when the grant was revoked (invalid_grant).

import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../../emulators/microsoft/index.ts';

const REDIRECT_URI = 'https://mail-client.example.com/oauth/callback';
const SCOPE = 'offline_access User.Read Mail.ReadWrite';

class GrantRevoked extends Error {
  constructor(email: string) {
    super(`the grant of ${email} was revoked`);
  }
}

export type GraphObject = Record<string, unknown>;

export class OutlookMailboxOwner {
  private accessToken = '';
  private refreshToken = '';
  /** Consents given (the first, and one after each revoked grant). */
  consents = 0;
  /** The last refusal Graph or the token endpoint answered (for error messages). */
  lastRefusal = '';
  /** 429s Graph answered the owner (its waits). */
  throttled = 0;

  constructor(
    private readonly microsoftBaseUrl: string,
    readonly email: string,
  ) {}

  async authorize(): Promise<this> {
    const url = new URL('/common/oauth2/v2.0/authorize', this.microsoftBaseUrl);
    url.search = new URLSearchParams({
      client_id: SANDBOX_CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      response_mode: 'query',
      scope: SCOPE,
      login_hint: this.email,
    }).toString();
    const { code } = await approveConsent(url.toString(), this.email);
    await this.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    this.consents += 1;
    return this;
  }

  /**
   * One Graph call as the mailbox's owner (under /v1.0/me): the parsed answer ({} for 204), or undefined
   * when Graph refused it. A 401 refreshes the grant (at most three times); a 429 is waited out (its
   * Retry-After, at most 2 s) for up to a minute — the owner shares the mailbox's concurrency limit with
   * Changehook's polls, which an injected latency keeps busy —, and a 5xx is tried again up to three times.
   * Refusals that throttling and faults never cause (4xx) end the call: the op did not happen.
   */
  async call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<GraphObject | undefined> {
    const deadline = Date.now() + 60_000;
    let renewals = 0;
    let failures = 0;
    while (Date.now() < deadline) {
      const response = await fetch(`${this.microsoftBaseUrl}/v1.0/me${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.accessToken}`,
          // Ids that survive a move, as the element asks for (the emulator's ids never change anyway).
          prefer: 'IdType="ImmutableId"',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.ok) return text ? (JSON.parse(text) as GraphObject) : {};
      this.lastRefusal = `${method} ${path}: ${response.status} ${text.slice(0, 300)}`;
      if (response.status === 401 && renewals < 3) {
        renewals += 1;
        await this.renew();
      } else if (response.status === 429) {
        this.throttled += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 1000 * (Number(response.headers.get('retry-after')) || 1))));
      } else if (response.status >= 500 && failures < 3) {
        failures += 1;
        await new Promise((resolve) => setTimeout(resolve, 250));
      } else return undefined;
    }
    return undefined;
  }

  /** A new access token; a revoked grant (invalid_grant) is granted again through the consent page. */
  private async renew(): Promise<void> {
    try {
      await this.token({ grant_type: 'refresh_token', refresh_token: this.refreshToken });
    } catch (error) {
      if (!(error instanceof GrantRevoked)) throw error;
      await this.authorize();
    }
  }

  private async token(fields: Record<string, string>): Promise<void> {
    const response = await fetch(`${this.microsoftBaseUrl}/common/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      // Microsoft wants the scope on the code exchange and on every refresh.
      body: new URLSearchParams({ ...fields, scope: SCOPE, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET }).toString(),
    });
    const body = (await response.json()) as { access_token?: string; refresh_token?: string; error?: string };
    if (body.error === 'invalid_grant' && fields.grant_type === 'refresh_token') throw new GrantRevoked(this.email);
    if (!response.ok || !body.access_token) {
      this.lastRefusal = `token endpoint (${fields.grant_type}): ${response.status} ${JSON.stringify(body).slice(0, 300)}`;
      throw new Error(`token endpoint for ${this.email}: ${response.status} ${body.error ?? ''}`);
    }
    this.accessToken = body.access_token;
    if (body.refresh_token) this.refreshToken = body.refresh_token;
  }
}
