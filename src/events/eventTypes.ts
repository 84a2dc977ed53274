// The vocabulary every part of events shares: the three event types (the one list of them in src/),
// a provider's record, and a change as detection hands it to the outbox. Plain types and one constant;
// it imports nothing, so the poller, outbox, delivery, the events API and observability can all use it.

export type EventType = 'CREATED' | 'UPDATED' | 'DELETED';
export const EVENT_TYPES: readonly EventType[] = ['CREATED', 'UPDATED', 'DELETED'];

export type ProviderRecord = Record<string, unknown>;

export interface DetectedChange {
  readonly objectId: string;
  readonly eventType: EventType;
  readonly record: ProviderRecord;
  /** Fingerprint, record date or provider version (historyId): the part of the event id that changes per change. */
  readonly version: string;
  /**
   * When the change happened, where the detection can know it: a window record's updated (else created)
   * date, a cursor record's creation date for CREATED. Otherwise — listings, a change feed's updates and
   * deletions, records without a usable date — the date of the poll that saw it.
   * The envelope's `events[].date`; not part of the event id.
   */
  readonly date: Date;
}
