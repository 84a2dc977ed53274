// approveConsent(): what a user does in the browser, done by a script: load the consent page, fill in
// the email, press Accept, return what the redirect carries. Reading a plain HTML form is the same
// for every provider, so this is the Google emulator's helper applied to Microsoft's page; it adds
// the `client_info` Microsoft puts on the redirect.

import { approveConsent as submitConsentForm, ConsentFailed } from '../../google/oauth/approveConsent.ts';

export { ConsentFailed };

export interface ConsentResult {
  code: string;
  state?: string;
  /** The redirect_uri of the authorization request, as the token exchange must repeat it. */
  redirectUri: string;
  /** Full Location the browser would have been sent to. */
  location: string;
  /** The same as `location`. */
  redirectUrl: string;
  /** Microsoft's base64url `{"uid","utid"}` of the signed-in account. */
  clientInfo?: string;
}

/** Fails with ConsentFailed (its `error`, e.g. `access_denied`) when the redirect carries an error. */
export async function approveConsent(authorizeUrl: string, email: string, decision: 'allow' | 'deny' = 'allow'): Promise<ConsentResult> {
  const result = await submitConsentForm(authorizeUrl, email, decision);
  const clientInfo = new URL(result.location).searchParams.get('client_info');
  return { ...result, redirectUrl: result.location, ...(clientInfo !== null ? { clientInfo } : {}) };
}
