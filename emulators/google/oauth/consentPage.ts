// Google's look and wording of the consent screen and of the OAuth error page (the plain-HTML form
// itself is shared/consentPage.ts).

import { type ConsentPageLook, type ConsentPageModel, escapeHtml, renderConsentPage as renderPage, renderMessagePage } from '../../shared/index.ts';
import { describeScope } from './scopes.ts';

export { escapeHtml, type ConsentPageModel } from '../../shared/index.ts';

const STYLE = `body{font-family:Roboto,Arial,sans-serif;background:#f0f4f9;margin:0;padding:40px 16px;color:#1f1f1f}
main{max-width:480px;margin:0 auto;background:#fff;border-radius:28px;padding:36px 40px}
h1{font-size:24px;font-weight:400;margin:0 0 8px}p{line-height:1.5}
label{display:block;margin:20px 0 6px;font-size:14px}
input[type=email],input[type=text]{width:100%;box-sizing:border-box;padding:12px;font-size:16px;border:1px solid #747775;border-radius:4px}
ul{padding-left:20px}li{margin:6px 0}
.actions{display:flex;gap:12px;justify-content:flex-end;margin-top:28px}
button{font-size:14px;padding:10px 24px;border-radius:20px;border:1px solid #747775;background:#fff;cursor:pointer}
button[value=allow]{background:#0b57d0;color:#fff;border-color:#0b57d0}
.error{color:#b3261e}.code{font-family:monospace;color:#444}`;

const GOOGLE_LOOK: ConsentPageLook = {
  style: STYLE,
  title: 'Sign in - Google Accounts (Changehook emulator)',
  heading: 'Sign in with Google',
  intro: (clientId) => `<strong>${clientId}</strong> wants access to your Google Account.`,
  emailLabel: 'Email',
  scopesIntro: 'This will allow the app to:',
  providerName: 'Google',
  allowLabel: 'Allow',
  describeScope,
};

export function renderConsentPage(model: ConsentPageModel): string {
  return renderPage(GOOGLE_LOOK, model);
}

/** Google's "Access blocked: Authorization Error" page, e.g. `Error 400: redirect_uri_mismatch`. */
export function renderOAuthErrorPage(error: string, detail: string, googleCode = 400): string {
  return renderMessagePage(
    STYLE,
    'Error 400 (OAuth2 Error)',
    `<h1>Access blocked: Authorization Error</h1>
<p class="error">Error ${googleCode}: ${escapeHtml(error)}</p>
<p>${escapeHtml(detail)}</p>`,
  );
}
