// The HTML of an emulator's sign-in/consent screen and of its error pages. The form is deliberately
// plain HTML (no script): a browser and a script that submits the form the way a browser does
// (approveConsent) reach the same code path, so tests of a product's OAuth flow exercise what users
// click. The provider's look and wording come in as a ConsentPageLook.

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export interface ConsentPageModel {
  /** Path and query of the authorization request; the form posts back to exactly this. */
  action: string;
  clientId: string;
  scopes: readonly string[];
  loginHint: string;
  errorMessage?: string;
}

export interface ConsentPageLook {
  /** The page's CSS. */
  style: string;
  title: string;
  heading: string;
  /** The line naming the app, given its client id already escaped. */
  intro(clientIdHtml: string): string;
  emailLabel: string;
  /** A line between the address and the list of scopes, if the provider shows one. */
  scopesIntro?: string;
  /** e.g. `Google`, in "Changehook's Google emulator". */
  providerName: string;
  allowLabel: string;
  describeScope(scope: string): string;
}

export function renderConsentPage(look: ConsentPageLook, model: ConsentPageModel): string {
  const scopes = model.scopes.map((s) => `<li>${escapeHtml(look.describeScope(s))} <span class="code">(${escapeHtml(s)})</span></li>`).join('\n');
  const error = model.errorMessage === undefined ? '' : `<p class="error" role="alert">${escapeHtml(model.errorMessage)}</p>`;
  const scopesIntro = look.scopesIntro === undefined ? '' : `<p>${look.scopesIntro}</p>\n`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${look.title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${look.style}</style></head>
<body><main>
<h1>${look.heading}</h1>
<p>${look.intro(escapeHtml(model.clientId))}</p>
${error}
<form method="post" action="${escapeHtml(model.action)}">
<label for="email">${look.emailLabel}</label>
<input type="email" id="email" name="email" value="${escapeHtml(model.loginHint)}" autocomplete="username" required autofocus>
${scopesIntro}<ul>
${scopes}
</ul>
<p class="code">Changehook's ${look.providerName} emulator: no password is asked; any address works and gets a mailbox.</p>
<div class="actions">
<button type="submit" name="decision" value="deny" formnovalidate>Cancel</button>
<button type="submit" name="decision" value="allow">${look.allowLabel}</button>
</div>
</form>
</main></body></html>
`;
}

/** A page in the provider's look with a title and ready HTML paragraphs (its error pages). */
export function renderMessagePage(style: string, title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title><style>${style}</style></head>
<body><main>
${bodyHtml}
</main></body></html>
`;
}
