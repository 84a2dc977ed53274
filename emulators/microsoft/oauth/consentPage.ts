// The HTML of the sign-in/consent screen and of the identity platform's error page. The form is plain
// HTML (no script): a browser and a script that submits it the way a browser does (approveConsent)
// reach the same code path, so tests of a product's OAuth flow exercise what users click.

import { describeScope } from './scopes.ts';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

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

export interface ConsentPageModel {
  /** Path and query of the authorization request; the form posts back to exactly this. */
  action: string;
  clientId: string;
  scopes: readonly string[];
  loginHint: string;
  errorMessage?: string;
}

export function renderConsentPage(model: ConsentPageModel): string {
  const scopes = model.scopes.map((s) => `<li>${escapeHtml(describeScope(s))} <span class="code">(${escapeHtml(s)})</span></li>`).join('\n');
  const error = model.errorMessage === undefined ? '' : `<p class="error" role="alert">${escapeHtml(model.errorMessage)}</p>`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to your account (Changehook Microsoft emulator)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><main>
<h1>Permissions requested</h1>
<p><strong>${escapeHtml(model.clientId)}</strong> would like to:</p>
${error}
<form method="post" action="${escapeHtml(model.action)}">
<label for="email">Email, phone, or Skype</label>
<input type="email" id="email" name="email" value="${escapeHtml(model.loginHint)}" autocomplete="username" required autofocus>
<ul>
${scopes}
</ul>
<p class="code">Changehook's Microsoft emulator: no password is asked; any address works and gets a mailbox.</p>
<div class="actions">
<button type="submit" name="decision" value="deny" formnovalidate>Cancel</button>
<button type="submit" name="decision" value="allow">Accept</button>
</div>
</form>
</main></body></html>
`;
}

/** "Sorry, but we're having trouble signing you in." with the AADSTS code, as login.microsoftonline.com shows it. */
export function renderSignInErrorPage(aadsts: number, text: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to your account</title><style>${STYLE}</style></head>
<body><main>
<h1>Sign in</h1>
<p>Sorry, but we’re having trouble signing you in.</p>
<p class="error">AADSTS${aadsts}: ${escapeHtml(text)}</p>
</main></body></html>
`;
}
