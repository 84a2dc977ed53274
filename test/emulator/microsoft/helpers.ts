// Shared set-up for the Microsoft emulator tests over plain HTTP: start an emulator, sign a user in
// through the consent form and the token endpoint the way an app does, call Graph.

import {
  approveConsent,
  type MicrosoftEmulator,
  type MicrosoftEmulatorOptions,
  SANDBOX_CLIENT_ID,
  SANDBOX_CLIENT_SECRET,
  startMicrosoftEmulator,
} from '../../../emulators/microsoft/index.ts';

export { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET };

export const REDIRECT_URI = 'http://localhost:3000/oauth/callback';
export const MAIL_SCOPE = 'offline_access openid profile email User.Read Mail.ReadWrite Mail.Send';

export async function startEmulator(options: MicrosoftEmulatorOptions = {}): Promise<MicrosoftEmulator> {
  return startMicrosoftEmulator({ port: 0, httpsPort: 0, ...options });
}

export function authorizeUrl(baseUrl: string, params: Record<string, string> = {}, tenant = 'common'): string {
  const query = new URLSearchParams({ client_id: SANDBOX_CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: 'code', scope: MAIL_SCOPE, state: 'st', ...params });
  return `${baseUrl}/${tenant}/oauth2/v2.0/authorize?${query.toString()}`;
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown> & { access_token?: string; refresh_token?: string; error?: string; error_description?: string; error_codes?: number[] };
}

export async function postToken(baseUrl: string, form: Record<string, string>, tenant = 'common'): Promise<TokenAnswer> {
  const response = await fetch(`${baseUrl}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as TokenAnswer['body'] };
}

export async function signIn(baseUrl: string, email: string, scope = MAIL_SCOPE): Promise<{ accessToken: string; refreshToken: string }> {
  const consent = await approveConsent(authorizeUrl(baseUrl, { scope }), email);
  const answer = await postToken(baseUrl, { grant_type: 'authorization_code', code: consent.code, redirect_uri: REDIRECT_URI, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET });
  if (answer.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(answer.body)}`);
  return { accessToken: answer.body.access_token as string, refreshToken: (answer.body.refresh_token as string | undefined) ?? '' };
}

export interface GraphAnswer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test code reads Graph's JSON loosely.
  body: any;
}

export async function graph(baseUrl: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<GraphAnswer> {
  const url = path.startsWith('http') ? path : `${baseUrl}${path}`;
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}
