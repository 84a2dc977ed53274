// Google's two error dialects, as the emulator speaks them: the API error body of Gmail
// (`{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}`) and the
// OAuth endpoints' flat body (`{"error": "invalid_grant", "error_description": "..."}`). Route code
// throws these; server.ts turns them into responses in one place.

/** The canonical gRPC status name Google puts in `error.status` for each HTTP code it uses. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleStatusName(code: number): string {
  return STATUS_NAMES[code] ?? (code >= 500 ? 'UNKNOWN' : 'FAILED_PRECONDITION');
}

export interface GoogleErrorItem {
  message: string;
  domain?: string;
  reason: string;
  location?: string;
  locationType?: string;
}

export interface GoogleErrorBody {
  error: {
    code: number;
    message: string;
    errors: GoogleErrorItem[];
    status: string;
    details?: unknown[];
  };
}

export class GoogleApiError extends Error {
  readonly headers: Record<string, string>;
  constructor(
    readonly code: number,
    message: string,
    readonly item: Omit<GoogleErrorItem, 'message'> & { message?: string },
    options: { headers?: Record<string, string>; details?: unknown[]; status?: string } = {},
  ) {
    super(message);
    this.name = 'GoogleApiError';
    this.headers = options.headers ?? {};
    this.details = options.details;
    this.statusName = options.status ?? googleStatusName(code);
  }
  readonly details: unknown[] | undefined;
  readonly statusName: string;

  toBody(): GoogleErrorBody {
    const item: GoogleErrorItem = { message: this.item.message ?? this.message, ...withoutMessage(this.item) };
    const body: GoogleErrorBody = { error: { code: this.code, message: this.message, errors: [item], status: this.statusName } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }

  static notFound(): GoogleApiError {
    return new GoogleApiError(404, 'Requested entity was not found.', { domain: 'global', reason: 'notFound' });
  }

  static invalidArgument(message: string): GoogleApiError {
    return new GoogleApiError(400, message, { domain: 'global', reason: 'invalidArgument' });
  }

  static failedPrecondition(message: string): GoogleApiError {
    return new GoogleApiError(400, message, { domain: 'global', reason: 'failedPrecondition' }, { status: 'FAILED_PRECONDITION' });
  }

  /** What Google's front end answers when a body is not JSON or a typed field has the wrong type. */
  static invalidJson(detail: string): GoogleApiError {
    return new GoogleApiError(400, `Invalid JSON payload received. ${detail}`, { reason: 'invalid' });
  }

  /** A query parameter that does not parse as its declared type (e.g. `startHistoryId=abc`). */
  static invalidParameterValue(field: string, type: string, value: string): GoogleApiError {
    return new GoogleApiError(400, `Invalid value at '${field}' (${type}), "${value}"`, { reason: 'invalid' });
  }

  static unauthenticated(missing: boolean): GoogleApiError {
    const message = missing
      ? 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
      : 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
    return new GoogleApiError(
      401,
      message,
      { message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' },
      { headers: { 'www-authenticate': missing ? 'Bearer realm="https://accounts.google.com/"' : 'Bearer realm="https://accounts.google.com/", error="invalid_token"' } },
    );
  }

  static insufficientScopes(method: string, acceptedScopes: readonly string[]): GoogleApiError {
    return new GoogleApiError(
      403,
      'Request had insufficient authentication scopes.',
      { message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' },
      {
        headers: {
          'www-authenticate': `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${acceptedScopes.join(' ')}"`,
        },
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
            domain: 'googleapis.com',
            metadata: { service: 'gmail.googleapis.com', method: `caribou.api.proto.MailboxService.${method}` },
          },
        ],
      },
    );
  }

  static forbidden(message: string): GoogleApiError {
    return new GoogleApiError(403, message, { domain: 'global', reason: 'forbidden' });
  }

  /** The per-user quota window is full. Google sends both the reason and a Retry-After. */
  static userRateLimitExceeded(retryAfterMs: number, now: number): GoogleApiError {
    const retryAt = new Date(now + retryAfterMs).toISOString();
    return new GoogleApiError(
      429,
      `User-rate limit exceeded.  Retry after ${retryAt}`,
      { domain: 'usageLimits', reason: 'userRateLimitExceeded' },
      { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } },
    );
  }

  static tooManyConcurrentRequests(): GoogleApiError {
    return new GoogleApiError(
      429,
      'Too many concurrent requests for user',
      { domain: 'global', reason: 'rateLimitExceeded' },
      { headers: { 'retry-after': '1' } },
    );
  }

  static backendError(): GoogleApiError {
    return new GoogleApiError(500, 'Backend Error', { domain: 'global', reason: 'backendError' });
  }
}

function withoutMessage(item: GoogleApiError['item']): Omit<GoogleErrorItem, 'message'> {
  const { message: _message, ...rest } = item;
  return rest;
}

/** A reasonable Google body for an HTTP status, used by fault injection when no body is given. */
export function defaultGoogleErrorFor(status: number, reason?: string, message?: string): GoogleApiError {
  const preset: Record<number, [string, string, string]> = {
    // status: [reason, message, domain]
    400: ['badRequest', 'Bad Request', 'global'],
    401: ['authError', 'Invalid Credentials', 'global'],
    403: ['forbidden', 'Forbidden', 'global'],
    404: ['notFound', 'Requested entity was not found.', 'global'],
    409: ['conflict', 'Conflict', 'global'],
    429: ['rateLimitExceeded', 'Resource has been exhausted (e.g. check quota).', 'global'],
    500: ['backendError', 'Backend Error', 'global'],
    502: ['backendError', 'Bad Gateway', 'global'],
    503: ['backendError', 'The service is currently unavailable.', 'global'],
    504: ['backendError', 'Deadline exceeded', 'global'],
  };
  const [presetReason, presetMessage, domain] = preset[status] ?? (status >= 500 ? ['backendError', 'Backend Error', 'global'] : ['badRequest', 'Bad Request', 'global']);
  const usageReasons = new Set(['userRateLimitExceeded', 'dailyLimitExceeded', 'quotaExceeded']);
  const chosenReason = reason ?? presetReason;
  return new GoogleApiError(status, message ?? presetMessage, {
    domain: usageReasons.has(chosenReason) ? 'usageLimits' : domain,
    reason: chosenReason,
  });
}

/** The OAuth endpoints' dialect (token, revoke, tokeninfo). */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }

  toBody(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export function defaultOAuthErrorFor(status: number): OAuthError {
  if (status === 401) return new OAuthError(401, 'invalid_client', 'Unauthorized');
  if (status === 429) return new OAuthError(429, 'rate_limit_exceeded', 'Rate limit exceeded');
  if (status >= 500) return new OAuthError(status, 'internal_failure', 'Backend Error');
  return new OAuthError(status, 'invalid_request', 'Bad Request');
}
