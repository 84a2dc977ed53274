// The in-process contract of the hub: what the HTTP routes and the poller hand to HubService.execute
// and what they get back. The poller depends on these shapes, so they change only compatibly.

import { ProviderError } from '../errors/index.ts';

export type HubMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type HubQuery = Record<string, string | string[] | undefined>;

export interface HubRequest {
  method: HubMethod;
  /** The path after `/hubs/{hub}`, e.g. `/messages` or `/messages/abc/trash`. */
  path: string;
  query: HubQuery;
  /** A parsed JSON body. */
  body?: unknown;
  /** The request's Content-Type; with `rawBody` for bodies that are not JSON (multipart/form-data). */
  contentType?: string;
  rawBody?: Buffer;
}

export interface HubResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** Response headers of the hub, named as Cloud Elements names them. */
export const HUB_HEADERS = {
  nextPageToken: 'Elements-Next-Page-Token',
  nextCursor: 'Elements-Next-Cursor',
  hasMore: 'Elements-Has-More',
} as const;

/**
 * The change feed's cursor is older than the provider keeps history for (the element's change feed
 * tells it from the provider's answer). Thrown in process so the poller can resynchronize instead of
 * skipping the gap; over HTTP it is a 410.
 */
export class CursorExpired extends ProviderError {
  constructor(message: string, details: { providerStatus?: number; providerError?: string } = {}, options?: { cause?: unknown }) {
    super(message, { ...details, statusCode: 410 }, options);
  }
}

/**
 * A snapshot resource (what an element reads to recover an expired cursor) refuses an account too large
 * to hold in memory. The poller then polls the resource without keeping state; over HTTP it is a 413.
 */
export class SnapshotTooLarge extends ProviderError {
  constructor(message: string) {
    super(message, { statusCode: 413 });
  }
}
