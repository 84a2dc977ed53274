// A mailbox's change history, as users.history.list exposes it. Ids grow by a random 1..17 per
// change, because Gmail documents them as increasing but not contiguous and clients that assume
// +1 steps must break here, not in production. Records older than the retention window are dropped;
// a start id from before the oldest kept record can no longer be served (404, as from Gmail).

export type HistoryType = 'messageAdded' | 'messageDeleted' | 'labelAdded' | 'labelRemoved';

export const HISTORY_TYPES: readonly HistoryType[] = ['messageAdded', 'messageDeleted', 'labelAdded', 'labelRemoved'];

export interface MessageRef {
  readonly id: string;
  readonly threadId: string;
  /** Labels right after the change (what Gmail shows in the record). */
  readonly labelIds: readonly string[];
}

export interface HistoryRecord {
  readonly id: number;
  /** ms since epoch, for retention. */
  readonly at: number;
  readonly type: HistoryType;
  readonly message: MessageRef;
  /** For labelAdded/labelRemoved: the labels that changed. */
  readonly labelIds?: readonly string[];
}

export interface HistoryQuery {
  /** Exclusive: records after this id. */
  after: number;
  types?: ReadonlySet<HistoryType>;
  labelId?: string;
  maxResults: number;
}

export interface HistoryPage {
  records: HistoryRecord[];
  /** Id of the last record examined when the page filled up; absent on the last page. */
  continueAfter?: number;
}

export class HistoryLog {
  private records: HistoryRecord[] = [];
  private head = 0;
  private current: number;
  /** Smallest start id that can still be served: every change after it is kept. */
  private floor: number;

  constructor(
    startId: number,
    private readonly nextStep: () => number = () => 1 + Math.floor(Math.random() * 17),
  ) {
    this.current = startId;
    this.floor = startId;
  }

  get currentId(): number {
    return this.current;
  }

  get oldestServableId(): number {
    return this.floor;
  }

  append(type: HistoryType, message: MessageRef, at: number, labelIds?: readonly string[]): number {
    this.current += this.nextStep();
    this.records.push({ id: this.current, at, type, message, ...(labelIds !== undefined ? { labelIds } : {}) });
    return this.current;
  }

  /** Whether history can be listed from `startId`: not before what was dropped, not after now. */
  canServe(startId: number): boolean {
    return startId >= this.floor && startId <= this.current;
  }

  /** Drops records older than `cutoff` (ms since epoch). */
  dropOlderThan(cutoff: number): void {
    while (this.head < this.records.length) {
      const record = this.records[this.head] as HistoryRecord;
      if (record.at >= cutoff) break;
      this.floor = Math.max(this.floor, record.id);
      this.head++;
    }
    this.compact();
  }

  /** Drops every record: only the current id remains a valid start. */
  dropAll(): void {
    this.head = this.records.length;
    this.floor = this.current;
    this.compact();
  }

  page(query: HistoryQuery): HistoryPage {
    const records: HistoryRecord[] = [];
    for (let i = this.firstAfter(query.after); i < this.records.length; i++) {
      const record = this.records[i] as HistoryRecord;
      if (query.types !== undefined && !query.types.has(record.type)) continue;
      if (query.labelId !== undefined && !involvesLabel(record, query.labelId)) continue;
      records.push(record);
      if (records.length === query.maxResults) {
        return i + 1 < this.records.length ? { records, continueAfter: record.id } : { records };
      }
    }
    return { records };
  }

  private firstAfter(id: number): number {
    let lo = this.head;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.records[mid] as HistoryRecord).id <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }
}

function involvesLabel(record: HistoryRecord, labelId: string): boolean {
  return record.message.labelIds.includes(labelId) || (record.labelIds?.includes(labelId) ?? false);
}
