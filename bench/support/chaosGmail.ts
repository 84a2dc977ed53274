// The mailbox's owner, for the chaos harness: changes labels, trashes and deletes through the Gmail API with a grant of its
// own (as the user's mail client would), independent of Changehook's tokens, refreshes that grant
// when the emulator expires access tokens, and asks for consent again when the grant was revoked.

import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SCOPES } from '../../emulators/google/index.ts';

const REDIRECT_URI = 'https://mail-client.example.com/oauth/callback';

class GrantRevoked extends Error {
  constructor(email: string) {
    super(`the grant of ${email} was revoked`);
  }
}

export class MailboxOwner {
  private accessToken = '';
  private refreshToken = '';

  constructor(
    private readonly googleBaseUrl: string,
    readonly email: string,
  ) {}

  async authorize(): Promise<this> {
    const url = new URL('/o/oauth2/v2/auth', this.googleBaseUrl);
    url.search = new URLSearchParams({
      client_id: SANDBOX_CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: SCOPES.mail, // full access: messages.delete needs it
      access_type: 'offline',
      prompt: 'consent',
    }).toString();
    const { code } = await approveConsent(url.toString(), this.email);
    await this.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    return this;
  }

  /** messages.modify; true when Gmail accepted it. */
  async modify(messageId: string, change: { addLabelIds?: string[]; removeLabelIds?: string[] }): Promise<boolean> {
    return (await this.call('POST', `/messages/${messageId}/modify`, change)) !== undefined;
  }

  /**
   * One Gmail API call as the mailbox's owner (under /gmail/v1/users/me): the parsed answer, or undefined
   * when Gmail refused it. A 401 refreshes the grant; 429 and 5xx are tried again (at most three tries).
   */
  async call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<Record<string, unknown> | undefined> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await fetch(`${this.googleBaseUrl}/gmail/v1/users/me${path}`, {
        method,
        headers: { authorization: `Bearer ${this.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.ok) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (response.status === 401) await this.renew();
      else if (response.status !== 429 && response.status < 500) return undefined;
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
    const response = await fetch(`${this.googleBaseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET }).toString(),
    });
    const body = (await response.json()) as { access_token?: string; refresh_token?: string; error?: string };
    if (body.error === 'invalid_grant' && fields.grant_type === 'refresh_token') throw new GrantRevoked(this.email);
    if (!response.ok || !body.access_token) throw new Error(`token endpoint for ${this.email}: ${response.status} ${body.error ?? ''}`);
    this.accessToken = body.access_token;
    if (body.refresh_token) this.refreshToken = body.refresh_token;
  }
}
