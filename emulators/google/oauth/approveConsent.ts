// approveConsent(): what a user does in the browser, done by a script. It loads the consent page,
// reads the form as a browser would (action, inputs), fills in the email, presses "Allow" and
// returns what the redirect carries. There is no back door: if the page or the form changes in a
// way a browser would notice, this notices too.

import { request } from 'undici';

export interface ConsentResult {
  code: string;
  state?: string;
  /** The redirect_uri of the authorization request, as the token exchange must repeat it. */
  redirectUri: string;
  /** Full Location the browser would have been sent to. */
  location: string;
}

export class ConsentFailed extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly error?: string,
  ) {
    super(message);
    this.name = 'ConsentFailed';
  }
}

export async function approveConsent(authUrl: string, email: string, decision: 'allow' | 'deny' = 'allow'): Promise<ConsentResult> {
  const page = await request(authUrl, { method: 'GET' });
  const html = await page.body.text();
  // prompt=none may redirect straight away, without a page.
  if (page.statusCode === 302) return fromRedirect(authUrl, headerValue(page.headers.location));
  if (page.statusCode !== 200) throw new ConsentFailed(`consent page answered ${page.statusCode}: ${textOf(html)}`, page.statusCode);

  const form = readForm(html);
  const fields = new URLSearchParams();
  for (const [name, value] of form.inputs) fields.append(name, name === 'email' ? email : value);
  if (!form.inputs.some(([name]) => name === 'email')) throw new ConsentFailed('consent form has no email input');
  const button = form.buttons.find(([name, value]) => name === 'decision' && value === decision);
  if (button === undefined) throw new ConsentFailed(`consent form has no decision=${decision} button`);
  fields.append(button[0], button[1]);

  const action = new URL(form.action === '' ? authUrl : form.action, authUrl).toString();
  const answer = await request(action, {
    method: form.method,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
  const answerText = await answer.body.text();
  if (answer.statusCode !== 302) throw new ConsentFailed(`consent form answered ${answer.statusCode}: ${textOf(answerText)}`, answer.statusCode);
  return fromRedirect(authUrl, headerValue(answer.headers.location));
}

function fromRedirect(authUrl: string, location: string | undefined): ConsentResult {
  if (location === undefined) throw new ConsentFailed('redirect without a Location');
  const target = new URL(location);
  const error = target.searchParams.get('error');
  if (error !== null) throw new ConsentFailed(`authorization failed: ${error}`, 302, error);
  const code = target.searchParams.get('code');
  if (code === null) throw new ConsentFailed(`redirect carries no code: ${location}`);
  const state = target.searchParams.get('state');
  const redirectUri = new URL(authUrl).searchParams.get('redirect_uri') ?? `${target.origin}${target.pathname}`;
  return { code, ...(state !== null ? { state } : {}), redirectUri, location };
}

interface ParsedForm {
  method: 'POST' | 'GET';
  action: string;
  inputs: [string, string][];
  buttons: [string, string][];
}

/** Just enough HTML form reading for a plain server-rendered form (no scripts involved). */
function readForm(html: string): ParsedForm {
  const formMatch = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (formMatch === null) throw new ConsentFailed('consent page has no form');
  const formAttributes = attributesOf(formMatch[1] ?? '');
  const inner = formMatch[2] ?? '';
  const inputs: [string, string][] = [];
  for (const match of inner.matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = attributesOf(match[1] ?? '');
    const name = attrs.get('name');
    const type = (attrs.get('type') ?? 'text').toLowerCase();
    if (name === undefined || attrs.has('disabled')) continue;
    if (type === 'submit' || type === 'button' || type === 'image' || type === 'reset') continue;
    if ((type === 'checkbox' || type === 'radio') && !attrs.has('checked')) continue;
    inputs.push([name, attrs.get('value') ?? (type === 'checkbox' ? 'on' : '')]);
  }
  const buttons: [string, string][] = [];
  for (const match of inner.matchAll(/<button\b([^>]*)>/gi)) {
    const attrs = attributesOf(match[1] ?? '');
    const name = attrs.get('name');
    if (name !== undefined && (attrs.get('type') ?? 'submit').toLowerCase() === 'submit') buttons.push([name, attrs.get('value') ?? '']);
  }
  return { method: (formAttributes.get('method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET', action: formAttributes.get('action') ?? '', inputs, buttons };
}

function attributesOf(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of source.matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    attributes.set((match[1] as string).toLowerCase(), decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attributes;
}

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[lower] ?? '';
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function textOf(html: string): string {
  return html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
}
