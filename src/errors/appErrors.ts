// The one error family of Changehook. Domain code throws these; src/http maps them to status codes
// and the {"requestId","message"} body in one place.

export abstract class AppError extends Error {
  abstract readonly statusCode: number;
  /** Extra headers the HTTP layer should send with the error (e.g. Retry-After). */
  readonly headers: Record<string, string> = {};
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequest extends AppError {
  readonly statusCode = 400;
}

export class Unauthorized extends AppError {
  readonly statusCode = 401;
}

export class Forbidden extends AppError {
  readonly statusCode = 403;
}

export class NotFound extends AppError {
  readonly statusCode = 404;
}

export class Conflict extends AppError {
  readonly statusCode = 409;
}

export class TooManyRequests extends AppError {
  readonly statusCode = 429;
  constructor(message: string, retryAfterSeconds?: number) {
    super(message);
    if (retryAfterSeconds !== undefined) this.headers['retry-after'] = String(Math.ceil(retryAfterSeconds));
  }
}

/**
 * A call to the provider (Google) failed. `statusCode` is what our caller sees: 4xx when the
 * provider refused the request (bad code, revoked grant), 502/503/504 when the provider failed.
 */
export class ProviderError extends AppError {
  readonly statusCode: number;
  constructor(
    message: string,
    readonly details: { statusCode: number; providerStatus?: number; providerError?: string; retryAfterSeconds?: number },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.statusCode = details.statusCode;
    if (details.retryAfterSeconds !== undefined) this.headers['retry-after'] = String(Math.ceil(details.retryAfterSeconds));
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
