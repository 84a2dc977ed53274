// GET /oauth/callback: a redirect URI you can register for your Google app while trying Changehook
// with curl. It shows the authorization code (or the provider's error) so it can be pasted into
// POST /instances as providerData.code. The page runs no script and loads nothing (a strict CSP), is
// never cached, and never reaches the request log with its code (the log keeps query names only).

import type { FastifyPluginAsync } from 'fastify';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

function page(status: number, body: string) {
  return { status, html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Changehook OAuth callback</title></head><body>${body}</body></html>` };
}

function render(query: Record<string, string | string[] | undefined>) {
  for (const name of ['code', 'state', 'error']) {
    if (Array.isArray(query[name])) return page(400, `<h1>Invalid redirect</h1><p id="error">${name} is given more than once</p>`);
  }
  const { code, state, error } = query as Record<string, string | undefined>;
  if (code) {
    return page(
      200,
      `<h1>Authorization code</h1><p>Use it once, within 10 minutes, as <code>providerData.code</code> in <code>POST /elements/api-v2/instances</code>.</p><pre id="code">${escapeHtml(code)}</pre><p>state: <span id="state">${escapeHtml(state ?? '')}</span></p>`,
    );
  }
  return page(400, `<h1>Authorization failed</h1><p id="error">${escapeHtml(error ?? 'no code in the redirect')}</p>`);
}

export const oauthCallbackRoute: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>('/oauth/callback', { schema: { hide: true } }, async (request, reply) => {
    const { status, html } = render(request.query);
    return reply.type('text/html; charset=utf-8').headers(SECURITY_HEADERS).status(status).send(html);
  });
};
