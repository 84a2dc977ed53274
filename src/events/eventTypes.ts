// The vocabulary every part of events shares: the three event types (defined once in hubs, whose change
// feeds answer with them, and re-exported here), a provider's record, and a change as detection hands it
// to the outbox. Plain types; it imports only that list, so every part of events can use it.

import type { EventType } from '../hubs/index.ts';

export { EVENT_TYPES, type EventType } from '../hubs/index.ts';

export type ProviderRecord = Record<string, unknown>;

export interface DetectedChange {
  readonly objectId: string;
  readonly eventType: EventType;
  readonly record: ProviderRecord;
  /** Fingerprint, record date or the provider's version of a change: the part of the event id that changes per change. */
  readonly version: string;
  /**
   * When the change happened, where the detection can know it: a window record's updated (else created)
   * date, a cursor record's creation date for CREATED. Otherwise — listings, a change feed's updates and
   * deletions, records without a usable date — the date of the poll that saw it.
   * The envelope's `events[].date`; not part of the event id.
   */
  readonly date: Date;
}
