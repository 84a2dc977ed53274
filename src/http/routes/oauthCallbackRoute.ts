// GET /oauth/callback: a redirect URI you can register for your Google app while trying Changehook
// with curl. It shows the authorization code (or the provider's error) so it can be pasted into
// POST /instances as providerData.code.

import type { FastifyInstance } from 'fastify';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function oauthCallbackRoute(app: FastifyInstance): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/oauth/callback', { schema: { hide: true } }, async (request, reply) => {
    const { code, state, error } = request.query;
    const body = code
      ? `<h1>Authorization code</h1><p>Use it once, within 10 minutes, as <code>providerData.code</code> in <code>POST /elements/api-v2/instances</code>.</p><pre id="code">${escapeHtml(code)}</pre><p>state: <span id="state">${escapeHtml(state ?? '')}</span></p>`
      : `<h1>Authorization failed</h1><p id="error">${escapeHtml(error ?? 'no code in the redirect')}</p>`;
    return reply
      .type('text/html; charset=utf-8')
      .status(code ? 200 : 400)
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Changehook OAuth callback</title></head><body>${body}</body></html>`);
  });
}
