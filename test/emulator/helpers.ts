// Shared set-up for the emulator tests: start an emulator, sign a user in through the consent form
// and the token endpoint (the way an app does), and wait for conditions without fixed sleeps.

import { request } from 'undici';
import {
  approveConsent,
  SANDBOX_CLIENT_ID,
  SANDBOX_CLIENT_SECRET,
  SCOPES,
  startGoogleEmulator,
  type GoogleEmulator,
  type GoogleEmulatorOptions,
} from '../../emulators/google/index.ts';

export { SCOPES, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET };

export const REDIRECT_URI = 'http://127.0.0.1:1/oauth/callback';

export async function startEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  return startGoogleEmulator({ port: 0, ...options });
}

export function authUrl(baseUrl: string, params: Record<string, string>): string {
  const query = new URLSearchParams({
    client_id: SANDBOX_CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: SCOPES.mail,
    ...params,
  });
  return `${baseUrl}/o/oauth2/v2/auth?${query.toString()}`;
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
  token_type: string;
  id_token?: string;
}

/** Consent as `email` for `scopes`, then exchange the code: a user's tokens, obtained over HTTP only. */
export async function signIn(
  baseUrl: string,
  email: string,
  scopes: readonly string[] = [SCOPES.mail],
  extra: Record<string, string> = {},
): Promise<TokenResponse> {
  const consent = await approveConsent(authUrl(baseUrl, { scope: scopes.join(' '), access_type: 'offline', prompt: 'consent', ...extra }), email);
  const answer = await postForm(`${baseUrl}/token`, {
    grant_type: 'authorization_code',
    code: consent.code,
    redirect_uri: consent.redirectUri,
    client_id: SANDBOX_CLIENT_ID,
    client_secret: SANDBOX_CLIENT_SECRET,
  });
  if (answer.status !== 200) throw new Error(`token exchange failed: ${answer.status} ${answer.text}`);
  return answer.json as TokenResponse;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export async function http(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  options: { token?: string; json?: unknown; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const answer = await request(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await answer.body.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: answer.statusCode, headers: answer.headers, text, json };
}

export function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return http('POST', url, { body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
}

/** Google's API error body, checked field by field; returns the first error item. */
export function googleError(answer: HttpAnswer): { code: number; message: string; status: string; reason: string; domain?: string } {
  const body = answer.json as { error?: { code: number; message: string; status: string; errors: { reason: string; domain?: string; message: string }[] } };
  if (body?.error === undefined || !Array.isArray(body.error.errors) || body.error.errors.length === 0) {
    throw new Error(`not a Google error body (${answer.status}): ${answer.text.slice(0, 300)}`);
  }
  const item = body.error.errors[0] as { reason: string; domain?: string; message: string };
  if (body.error.code !== answer.status) throw new Error(`error.code ${body.error.code} differs from status ${answer.status}`);
  return { code: body.error.code, message: body.error.message, status: body.error.status, reason: item.reason, ...(item.domain !== undefined ? { domain: item.domain } : {}) };
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A small RFC 822 message. */
export function rfc822(fields: { from?: string; to?: string; subject?: string; body?: string; headers?: Record<string, string>; date?: Date }): string {
  const lines = [
    `From: ${fields.from ?? 'sender@example.com'}`,
    `To: ${fields.to ?? 'user@example.com'}`,
    `Subject: ${fields.subject ?? 'Test'}`,
    `Date: ${(fields.date ?? new Date()).toUTCString()}`,
    ...(Object.keys(fields.headers ?? {}).some((k) => k.toLowerCase() === 'message-id') ? [] : [`Message-ID: <${Math.random().toString(36).slice(2)}@example.com>`]),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    ...Object.entries(fields.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    '',
    fields.body ?? 'Hello',
    '',
  ];
  return lines.join('\r\n');
}

export function base64Url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}
