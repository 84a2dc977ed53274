export { AppError, BadRequest, Conflict, Forbidden, isAppError, NotFound, ProviderError, TooManyRequests, Unauthorized } from './appErrors.ts';
export { checkJsonValue, MAX_JSON_DEPTH } from './jsonValueRules.ts';
export { errorRetryAfterSeconds, parseRetryAfterMs, parseRetryAfterSeconds } from './retryAfter.ts';
