// The mailbox's owner, for the chaos harness: changes labels through the Gmail API with a grant of its
// own (as the user's mail client would), independent of Changehook's tokens, and refreshes that grant
// when the emulator expires access tokens.

import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SCOPES } from '../../emulators/google/index.ts';

const REDIRECT_URI = 'https://mail-client.example.com/oauth/callback';

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
      scope: SCOPES.modify,
      access_type: 'offline',
      prompt: 'consent',
    }).toString();
    const { code } = await approveConsent(url.toString(), this.email);
    await this.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    return this;
  }

  /** messages.modify; true when Gmail accepted it. */
  async modify(messageId: string, change: { addLabelIds?: string[]; removeLabelIds?: string[] }): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await fetch(`${this.googleBaseUrl}/gmail/v1/users/me/messages/${messageId}/modify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(change),
      });
      await response.arrayBuffer();
      if (response.ok) return true;
      if (response.status === 401) await this.token({ grant_type: 'refresh_token', refresh_token: this.refreshToken });
      else if (response.status !== 429 && response.status < 500) return false;
    }
    return false;
  }

  private async token(fields: Record<string, string>): Promise<void> {
    const response = await fetch(`${this.googleBaseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET }).toString(),
    });
    const body = (await response.json()) as { access_token?: string; refresh_token?: string; error?: string };
    if (!response.ok || !body.access_token) throw new Error(`token endpoint for ${this.email}: ${response.status} ${body.error ?? ''}`);
    this.accessToken = body.access_token;
    if (body.refresh_token) this.refreshToken = body.refresh_token;
  }
}
