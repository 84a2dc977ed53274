// The HTML of the consent screen and of the OAuth error page. The consent form is deliberately
// plain HTML (no script): a browser and a script that submits the form the way a browser does
// reach the same code path, so tests of a product's OAuth flow exercise what users will click.

import { describeScope } from './scopes.ts';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

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
<head><meta charset="utf-8"><title>Sign in - Google Accounts (Changehook emulator)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><main>
<h1>Sign in with Google</h1>
<p><strong>${escapeHtml(model.clientId)}</strong> wants access to your Google Account.</p>
${error}
<form method="post" action="${escapeHtml(model.action)}">
<label for="email">Email</label>
<input type="email" id="email" name="email" value="${escapeHtml(model.loginHint)}" autocomplete="username" required autofocus>
<p>This will allow the app to:</p>
<ul>
${scopes}
</ul>
<p class="code">Changehook's Google emulator: no password is asked; any address works and gets a mailbox.</p>
<div class="actions">
<button type="submit" name="decision" value="deny" formnovalidate>Cancel</button>
<button type="submit" name="decision" value="allow">Allow</button>
</div>
</form>
</main></body></html>
`;
}

/** Google's "Access blocked: Authorization Error" page, e.g. `Error 400: redirect_uri_mismatch`. */
export function renderOAuthErrorPage(error: string, detail: string, googleCode = 400): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Error 400 (OAuth2 Error)</title><style>${STYLE}</style></head>
<body><main>
<h1>Access blocked: Authorization Error</h1>
<p class="error">Error ${googleCode}: ${escapeHtml(error)}</p>
<p>${escapeHtml(detail)}</p>
</main></body></html>
`;
}
