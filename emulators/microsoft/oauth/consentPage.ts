// The identity platform's look and wording of the sign-in/consent screen and of its error page (the
// plain-HTML form itself is shared/consentPage.ts).

import { type ConsentPageLook, type ConsentPageModel, escapeHtml, renderConsentPage as renderPage, renderMessagePage } from '../../shared/index.ts';
import { describeScope } from './scopes.ts';

export { escapeHtml, type ConsentPageModel } from '../../shared/index.ts';

const STYLE = `body{font-family:"Segoe UI",Arial,sans-serif;background:#f2f2f2;margin:0;padding:40px 16px;color:#1b1b1b}
main{max-width:440px;margin:0 auto;background:#fff;box-shadow:0 2px 6px rgba(0,0,0,.2);padding:44px}
h1{font-size:24px;font-weight:600;margin:0 0 12px}p{line-height:1.5;font-size:15px}
label{display:block;margin:16px 0 6px;font-size:14px}
input[type=email]{width:100%;box-sizing:border-box;padding:8px 0;font-size:15px;border:none;border-bottom:1px solid #666}
ul{padding-left:20px}li{margin:6px 0;font-size:14px}
.actions{display:flex;gap:8px;justify-content:flex-end;margin-top:28px}
button{font-size:15px;padding:6px 28px;border:none;background:#ccc;cursor:pointer}
button[value=allow]{background:#0067b8;color:#fff}
.error{color:#e81123}.code{font-family:monospace;color:#444;font-size:13px}`;

const MICROSOFT_LOOK: ConsentPageLook = {
  style: STYLE,
  title: 'Sign in to your account (Changehook Microsoft emulator)',
  heading: 'Permissions requested',
  intro: (clientId) => `<strong>${clientId}</strong> would like to:`,
  emailLabel: 'Email, phone, or Skype',
  providerName: 'Microsoft',
  allowLabel: 'Accept',
  describeScope,
};

export function renderConsentPage(model: ConsentPageModel): string {
  return renderPage(MICROSOFT_LOOK, model);
}

/** "Sorry, but we're having trouble signing you in." with the AADSTS code, as login.microsoftonline.com shows it. */
export function renderSignInErrorPage(aadsts: number, text: string): string {
  return renderMessagePage(
    STYLE,
    'Sign in to your account',
    `<h1>Sign in</h1>
<p>Sorry, but we’re having trouble signing you in.</p>
<p class="error">AADSTS${aadsts}: ${escapeHtml(text)}</p>`,
  );
}
