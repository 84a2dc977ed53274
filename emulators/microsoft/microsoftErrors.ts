// Microsoft's error dialects as the emulator speaks them: Graph's JSON error
// (`{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`), the
// identity platform's token-endpoint error (`{"error", "error_description": "AADSTS…", "error_codes",
// "timestamp", "trace_id", "correlation_id"}`) and the control API's plain `{"error"}`. Route code
// throws these; server.ts turns them into responses in one place.

import { randomUUID } from 'node:crypto';

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }

  toBody(requestId: string, clientRequestId: string): GraphErrorBody {
    return graphErrorBody(this.code, this.message, requestId, clientRequestId);
  }

  static invalidToken(message = 'Access token is empty.'): GraphError {
    return new GraphError(401, 'InvalidAuthenticationToken', message);
  }

  static notFound(message = 'The specified object was not found in the store.'): GraphError {
    return new GraphError(404, 'ErrorItemNotFound', message);
  }

  static badRequest(message: string, code = 'BadRequest'): GraphError {
    return new GraphError(400, code, message);
  }
}

export interface GraphErrorBody {
  error: { code: string; message: string; innerError: { date: string; 'request-id': string; 'client-request-id': string } };
}

export function graphErrorBody(code: string, message: string, requestId: string, clientRequestId: string): GraphErrorBody {
  return {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}

/** The code Graph uses for each status when nothing more specific is said (injected faults). */
export function defaultGraphErrorFor(status: number, code?: string, message?: string): GraphError {
  const defaults: Record<number, [string, string]> = {
    400: ['BadRequest', 'The request is malformed or incorrect.'],
    401: ['InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'],
    403: ['ErrorAccessDenied', 'Access is denied. Check credentials and try again.'],
    404: ['ErrorItemNotFound', 'The specified object was not found in the store.'],
    409: ['ErrorIrresolvableConflict', 'The change key passed in the request does not match the current change key for the item.'],
    410: ['SyncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.'],
    429: ['ApplicationThrottled', 'Application is over its MailboxConcurrency limit.'],
    500: ['InternalServerError', 'An internal server error occurred.'],
    502: ['BadGateway', 'The server, while acting as a proxy, received a bad response.'],
    503: ['ServiceUnavailable', 'The service is temporarily unavailable.'],
    504: ['GatewayTimeout', 'The server, while acting as a proxy, did not receive a timely response.'],
  };
  const [defaultCode, defaultMessage] = defaults[status] ?? (status >= 500 ? ['generalException', 'An unexpected error occurred.'] : ['BadRequest', 'The request failed.']);
  return new GraphError(status, code ?? defaultCode, message ?? defaultMessage);
}

/** A token-endpoint (or authorize-redirect) error: `AADSTS{n}: text` in error_description. */
export class IdentityError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    readonly text: string,
  ) {
    super(`AADSTS${aadsts}: ${text}`);
    this.name = 'IdentityError';
  }

  toBody(correlationId: string = randomUUID()): Record<string, unknown> {
    const traceId = randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
    return {
      error: this.error,
      error_description: `AADSTS${this.aadsts}: ${this.text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [this.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${this.aadsts}`,
    };
  }
}

export function defaultIdentityErrorFor(status: number, message?: string): IdentityError {
  if (status === 429) return new IdentityError(429, 'temporarily_unavailable', 50196, message ?? 'The server terminated an operation because it encountered a client request loop.');
  if (status >= 500) return new IdentityError(status, 'temporarily_unavailable', 90033, message ?? 'A transient error has occurred. Please try again.');
  if (status === 401) return new IdentityError(401, 'invalid_client', 7000215, message ?? 'Invalid client secret provided.');
  return new IdentityError(status, 'invalid_request', 900144, message ?? 'The request is not valid.');
}
