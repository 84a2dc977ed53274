// Messages kept sorted by (internalDate, id), the order Gmail lists them in (newest first). List pages
// binary-search their cursor and walk from there, so a page costs O(log n + page) even in a mailbox
// of 100 000 messages; new mail (the newest) is appended in O(1).

export interface SortKey {
  readonly internalDate: number;
  readonly id: string;
}

export function compareKeys(a: SortKey, b: SortKey): number {
  if (a.internalDate !== b.internalDate) return a.internalDate - b.internalDate;
  // Ids are fixed-width hex, so string order is numeric order.
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class MessageIndex<T extends SortKey> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  insert(item: T): void {
    const last = this.items[this.items.length - 1];
    if (last === undefined || compareKeys(last, item) < 0) {
      this.items.push(item);
      return;
    }
    const at = this.lowerBound(item);
    if (this.items[at] === item) return;
    this.items.splice(at, 0, item);
  }

  remove(item: T): boolean {
    const at = this.lowerBound(item);
    if (this.items[at] !== item) return false;
    this.items.splice(at, 1);
    return true;
  }

  /**
   * Yields items newest first, starting strictly before `before` (a cursor from a previous page)
   * or at the newest item.
   */
  *descending(before?: SortKey): Generator<T> {
    let i = before === undefined ? this.items.length - 1 : this.lowerBound(before) - 1;
    for (; i >= 0; i--) yield this.items[i] as T;
  }

  *ascending(): Generator<T> {
    for (const item of this.items) yield item;
  }

  /** Index of the first item not less than `key`. */
  private lowerBound(key: SortKey): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.items[mid] as T, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
