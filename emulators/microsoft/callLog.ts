// A log of the Graph requests served (method, path, mailbox, status, time), newest last, bounded so a
// long benchmark does not grow it without end. Benchmarks count idle polls from it; tests see which
// calls a client made.

export interface GraphCall {
  at: string;
  method: string;
  /** Path without the query. */
  path: string;
  /** The signed-in mailbox; undefined when the request had no valid token. */
  mailbox?: string;
  status: number;
}

export const CALL_LOG_LIMIT = 100_000;

export class CallLog {
  private entries: GraphCall[] = [];

  add(call: GraphCall): void {
    this.entries.push(call);
    if (this.entries.length > CALL_LOG_LIMIT) this.entries.splice(0, this.entries.length - CALL_LOG_LIMIT);
  }

  list(filter: { mailbox?: string } = {}): GraphCall[] {
    return filter.mailbox === undefined ? this.entries.map((c) => ({ ...c })) : this.entries.filter((c) => c.mailbox === filter.mailbox).map((c) => ({ ...c }));
  }

  clear(): void {
    this.entries = [];
  }
}
