// What the logs may hold, by rule rather than case by case. Requests are logged with their method,
// path and the names of their query parameters, never the values: a query string can carry an OAuth
// client secret, an authorization code or a state (/oauth/callback, /elements/{key}/oauth/url), and a
// rule that lists the dangerous names would miss the next one. Bodies and headers are never logged;
// the redact paths catch secrets that a future log call might pass inside an object.

import type { LoggerOptions } from 'pino';

export const REDACTED = '[redacted]';

/** `/p?a=1&b=2` → `/p?a=[redacted]&b=[redacted]`; the path is kept as requested. */
export function redactQuery(url: string): string {
  const at = url.indexOf('?');
  if (at === -1) return url;
  const names = url
    .slice(at + 1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return `${equals === -1 ? pair : pair.slice(0, equals)}=${REDACTED}`;
    });
  return `${url.slice(0, at)}?${names.join('&')}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
  host?: string;
}

export const logRedaction: Pick<LoggerOptions, 'redact' | 'serializers'> = {
  redact: {
    paths: ['req.headers.authorization', '*.authorization', '*["oauth.api.secret"]', '*.access_token', '*.refresh_token', '*.client_secret', '*.apiSecret'],
    censor: REDACTED,
  },
  serializers: {
    req: (request: LoggedRequest) => ({ method: request.method, url: redactQuery(request.url), host: request.host, remoteAddress: request.ip }),
  },
};
