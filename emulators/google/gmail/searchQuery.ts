// Gmail's search syntax (the `q` parameter of messages.list and threads.list), compiled once into a
// predicate over plain message data. A tokenizer, a recursive-descent parser and small closures: the
// emulator evaluates one query over up to 100 000 messages, so all parsing, date arithmetic, label
// resolution and regular-expression building happen at compile time, never per message.
//
// Grammar (Gmail's, as far as it is documented and observable):
//   query   := and EOF                      empty query matches everything
//   and     := or ( ['AND'] or )*           implicit AND between terms
//   or      := unary ( 'OR' unary )*        OR binds tighter than AND, as in Gmail and Google search:
//                                            `a b OR c` means `a AND (b OR c)`
//   unary   := '-' unary | primary
//   primary := '(' and ')' | '{' unary* '}' (any of) | op ':' ( '(' and ')' | '{' … '}' ) | term
// `op:(a b)` and `op:{a b}` scope the operator over the bare words inside, e.g. `subject:(dinner movie)`.

export interface SearchableMessage {
  from: string;
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  text: string;
  labelIds: readonly string[];
  /** ms since epoch */
  internalDate: number;
  hasAttachment: boolean;
  filenames: readonly string[];
  /** Raw size in bytes; only `larger:`/`smaller:`/`size:` read it, and they match nothing without it. */
  sizeEstimate?: number;
}

export class InvalidSearchQuery extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSearchQuery';
  }
}

export interface SearchQueryOptions {
  /**
   * Resolves a `label:`/`in:` value to a label id. It is called with the value as written and, failing
   * that, with `-` read as a space and as `/`; it should compare names case-insensitively, ideally by
   * {@link labelSearchKey}, and may accept label ids too. System labels (INBOX, UNREAD…) resolve without it.
   */
  labelIdForName: (name: string) => string | undefined;
  /** Reference time for `newer_than:`/`older_than:`; defaults to the moment of compilation. */
  now?: Date;
  /**
   * Zone in which calendar dates (`after:2024/01/31`) start. Gmail's API documents that "all dates used
   * in the search query are interpreted as midnight on that date in the PST timezone", hence the default.
   */
  timeZone?: string;
  /** The mailbox owner's address, which `from:me`/`to:me`/`cc:me`/`bcc:me` stand for. */
  userEmail?: string;
}

type Predicate = (m: SearchableMessage) => boolean;

/**
 * The key under which Gmail considers label names equal: case-insensitive, and spaces, `-` and the
 * nesting `/` interchangeable, so `label:my-label` finds "My Label" and `label:work-projects` "Work/Projects".
 */
export function labelSearchKey(name: string): string {
  return name.trim().toLowerCase().replace(/[\s/-]+/g, '-');
}

export function compileSearchQuery(q: string, options: SearchQueryOptions): Predicate {
  const tokens = tokenize(q);
  if (tokens.length === 0) return matchAll;
  return new Parser(tokens, new TermCompiler(options)).parseQuery();
}

// ---------------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { kind: 'lparen' | 'rparen' | 'lbrace' | 'rbrace' | 'or' | 'and' | 'not'; pos: number }
  /** A word, a "quoted phrase" or `op:value`; `operator` is lower-cased. */
  | { kind: 'term'; operator: string | undefined; value: string; pos: number }
  /** `op:` immediately followed by `(` or `{`: the operator applies to the bare words of that group. */
  | { kind: 'scope'; operator: string; pos: number };

const SUPPORTED_OPERATORS = new Set([
  'from', 'to', 'cc', 'bcc', 'deliveredto', 'subject', 'label', 'in', 'is', 'has', 'category', 'filename',
  'after', 'before', 'newer', 'older', 'newer_than', 'older_than', 'larger', 'smaller', 'size',
]);
// Real Gmail operators the emulator cannot evaluate: failing loudly beats silently matching nothing.
const UNSUPPORTED_OPERATORS = new Set(['list', 'rfc822msgid', 'around', 'is_unread_thread']);

function isBoundary(c: string): boolean {
  return c === '(' || c === ')' || c === '{' || c === '}' || c === '"' || /\s/.test(c);
}

function readQuoted(q: string, start: number): { value: string; end: number } {
  const close = q.indexOf('"', start + 1);
  if (close < 0) throw new InvalidSearchQuery(`Unbalanced quote: the '"' at position ${start} is never closed`);
  return { value: q.slice(start + 1, close), end: close + 1 };
}

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === '{' || c === '}') {
      const kind = c === '(' ? 'lparen' : c === ')' ? 'rparen' : c === '{' ? 'lbrace' : 'rbrace';
      tokens.push({ kind, pos: i });
      i++;
    } else if (c === '"') {
      const { value, end } = readQuoted(q, i);
      // An empty phrase says nothing; Gmail ignores it too.
      if (value.trim() !== '') tokens.push({ kind: 'term', operator: undefined, value, pos: i });
      i = end;
    } else if (c === '-') {
      const next = q.charAt(i + 1);
      // A dash standing alone ("a - b") is punctuation, not a negation.
      if (next !== '' && !/\s/.test(next) && next !== ')' && next !== '}') tokens.push({ kind: 'not', pos: i });
      i++;
    } else {
      const start = i;
      while (i < q.length && !isBoundary(q.charAt(i))) i++;
      const word = q.slice(start, i);
      if (word === 'OR') {
        tokens.push({ kind: 'or', pos: start });
        continue;
      }
      if (word === 'AND') {
        tokens.push({ kind: 'and', pos: start });
        continue;
      }
      const colon = word.indexOf(':');
      const operator = colon > 0 ? word.slice(0, colon).toLowerCase() : undefined;
      if (operator !== undefined && UNSUPPORTED_OPERATORS.has(operator)) {
        throw new InvalidSearchQuery(`The ${operator}: operator is not supported by the emulator`);
      }
      if (operator === undefined || !SUPPORTED_OPERATORS.has(operator)) {
        // Unknown "x:y" (a URL, a time like 10:30) is plain text, as in Gmail.
        tokens.push({ kind: 'term', operator: undefined, value: word, pos: start });
        continue;
      }
      const rest = word.slice(colon + 1);
      if (rest !== '') {
        tokens.push({ kind: 'term', operator, value: rest, pos: start });
        continue;
      }
      const next = q.charAt(i);
      if (next === '"') {
        const { value, end } = readQuoted(q, i);
        if (value.trim() === '') throw new InvalidSearchQuery(`${operator}: at position ${start} needs a value`);
        tokens.push({ kind: 'term', operator, value, pos: start });
        i = end;
      } else if (next === '(' || next === '{') {
        tokens.push({ kind: 'scope', operator, pos: start });
      } else {
        throw new InvalidSearchQuery(`${operator}: at position ${start} needs a value`);
      }
    }
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------------
// Parser: builds the predicate directly; there is no separate AST because nothing else walks it.

const matchAll: Predicate = () => true;

function allOf(predicates: Predicate[]): Predicate {
  if (predicates.length === 1) return predicates[0]!;
  if (predicates.length === 2) {
    const [a, b] = predicates as [Predicate, Predicate];
    return (m) => a(m) && b(m);
  }
  return (m) => predicates.every((p) => p(m));
}

function anyOf(predicates: Predicate[]): Predicate {
  if (predicates.length === 1) return predicates[0]!;
  if (predicates.length === 2) {
    const [a, b] = predicates as [Predicate, Predicate];
    return (m) => a(m) || b(m);
  }
  return (m) => predicates.some((p) => p(m));
}

class Parser {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly terms: TermCompiler,
  ) {}

  parseQuery(): Predicate {
    const result = this.parseAnd(undefined);
    const stray = this.peek();
    if (stray !== undefined) {
      // parseAnd stops only at a closer it did not open.
      const what = stray.kind === 'rparen' ? "')'" : stray.kind === 'rbrace' ? "'}'" : `'${stray.kind}'`;
      throw new InvalidSearchQuery(`Unbalanced ${what} at position ${stray.pos}: nothing opened it`);
    }
    return result;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index++];
    if (token === undefined) throw new InvalidSearchQuery('Unexpected end of query');
    return token;
  }

  private atEndOfSequence(): boolean {
    const token = this.peek();
    return token === undefined || token.kind === 'rparen' || token.kind === 'rbrace';
  }

  private parseAnd(scope: string | undefined): Predicate {
    const operands: Predicate[] = [];
    while (!this.atEndOfSequence()) {
      const token = this.peek()!;
      if (token.kind === 'and') {
        if (operands.length === 0) throw new InvalidSearchQuery(`AND at position ${token.pos} needs a term before it`);
        this.index++;
        if (this.atEndOfSequence()) throw new InvalidSearchQuery(`AND at position ${token.pos} needs a term after it`);
        continue;
      }
      operands.push(this.parseOr(scope));
    }
    if (operands.length === 0) return matchAll;
    return allOf(operands);
  }

  private parseOr(scope: string | undefined): Predicate {
    const alternatives = [this.parseUnary(scope)];
    while (this.peek()?.kind === 'or') {
      const or = this.next();
      const following = this.peek();
      if (following === undefined || following.kind === 'rparen' || following.kind === 'rbrace' || following.kind === 'or' || following.kind === 'and') {
        throw new InvalidSearchQuery(`OR at position ${or.pos} needs a term after it`);
      }
      alternatives.push(this.parseUnary(scope));
    }
    return anyOf(alternatives);
  }

  private parseUnary(scope: string | undefined): Predicate {
    const token = this.peek();
    if (token?.kind === 'not') {
      this.index++;
      if (this.atEndOfSequence()) throw new InvalidSearchQuery(`'-' at position ${token.pos} needs a term after it`);
      const inner = this.parseUnary(scope);
      return (m) => !inner(m);
    }
    return this.parsePrimary(scope);
  }

  private parsePrimary(scope: string | undefined): Predicate {
    const token = this.next();
    switch (token.kind) {
      case 'term':
        return this.terms.compile(token.operator ?? scope, token.value, token.pos);
      case 'scope': {
        // The tokenizer emits a scope only right before '(' or '{'.
        return this.parsePrimary(token.operator);
      }
      case 'lparen': {
        const empty = this.peek()?.kind === 'rparen';
        const inner = this.parseAnd(scope);
        const close = this.peek();
        if (close?.kind !== 'rparen') {
          throw new InvalidSearchQuery(`Unbalanced '(' at position ${token.pos}: it is never closed`);
        }
        this.index++;
        if (empty) throw new InvalidSearchQuery(`Empty parentheses at position ${token.pos}`);
        return inner;
      }
      case 'lbrace': {
        const alternatives: Predicate[] = [];
        for (;;) {
          const inside = this.peek();
          if (inside === undefined || inside.kind === 'rparen') {
            throw new InvalidSearchQuery(`Unbalanced '{' at position ${token.pos}: it is never closed`);
          }
          if (inside.kind === 'rbrace') break;
          // `{a OR b}` is redundant but valid; `{a AND b}` reads the AND as nothing more than a separator.
          if (inside.kind === 'or' || inside.kind === 'and') {
            this.index++;
            continue;
          }
          alternatives.push(this.parseUnary(scope));
        }
        this.index++;
        if (alternatives.length === 0) throw new InvalidSearchQuery(`Empty braces at position ${token.pos}`);
        return anyOf(alternatives);
      }
      case 'or':
        throw new InvalidSearchQuery(`OR at position ${token.pos} needs a term before it`);
      case 'and':
        throw new InvalidSearchQuery(`AND at position ${token.pos} needs a term before it`);
      case 'rparen':
      case 'rbrace':
      case 'not':
        // parseAnd/parseUnary never hand these over; kept for exhaustiveness.
        throw new InvalidSearchQuery(`Unexpected '${token.kind}' at position ${token.pos}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Terms

const SYSTEM_LABEL_IDS = new Set([
  'INBOX', 'SENT', 'TRASH', 'SPAM', 'DRAFT', 'STARRED', 'IMPORTANT', 'UNREAD', 'CHAT',
  'CATEGORY_PERSONAL', 'CATEGORY_SOCIAL', 'CATEGORY_PROMOTIONS', 'CATEGORY_UPDATES', 'CATEGORY_FORUMS',
]);

const IN_FOLDERS: Record<string, string> = {
  inbox: 'INBOX',
  sent: 'SENT',
  trash: 'TRASH',
  spam: 'SPAM',
  draft: 'DRAFT',
  drafts: 'DRAFT',
  starred: 'STARRED',
  important: 'IMPORTANT',
  chats: 'CHAT',
};

const CATEGORIES: Record<string, string> = {
  primary: 'CATEGORY_PERSONAL',
  personal: 'CATEGORY_PERSONAL',
  social: 'CATEGORY_SOCIAL',
  promotions: 'CATEGORY_PROMOTIONS',
  updates: 'CATEGORY_UPDATES',
  forums: 'CATEGORY_FORUMS',
};

const DAY_MS = 86_400_000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Case-insensitive substring matcher. Words of a phrase may be separated by any run of whitespace in
 * the message (a line break inside a body must not defeat "quoted phrase"). A RegExp with the `i` flag
 * scans without allocating a lower-cased copy of each message's text.
 */
function containsMatcher(needle: string): RegExp {
  const words = needle.trim().split(/\s+/).map(escapeRegExp);
  return new RegExp(words.join('\\s+'), 'i');
}

class TermCompiler {
  private readonly now: number;
  private zoneFormat: Intl.DateTimeFormat | undefined;

  constructor(private readonly options: SearchQueryOptions) {
    this.now = (options.now ?? new Date()).getTime();
  }

  compile(operator: string | undefined, value: string, pos: number): Predicate {
    switch (operator) {
      case undefined: {
        const re = containsMatcher(value);
        return (m) => re.test(m.subject) || re.test(m.from) || re.test(m.to) || re.test(m.text);
      }
      case 'from':
      case 'to':
      case 'cc':
      case 'bcc': {
        const re = this.addressMatcher(value);
        return (m) => re.test(m[operator]);
      }
      case 'deliveredto': {
        const re = this.addressMatcher(value);
        return (m) => re.test(m.to) || re.test(m.cc) || re.test(m.bcc);
      }
      case 'subject': {
        const re = containsMatcher(value);
        return (m) => re.test(m.subject);
      }
      case 'label':
        return hasLabel(this.resolveLabel(value));
      case 'in': {
        const folder = value.toLowerCase();
        if (folder === 'anywhere') return matchAll;
        const id = IN_FOLDERS[folder];
        // Gmail also accepts a user label after in:, e.g. in:receipts.
        return hasLabel(id ?? this.resolveLabel(value));
      }
      case 'is':
        return this.compileIs(value, pos);
      case 'has':
        return this.compileHas(value, pos);
      case 'category': {
        const id = CATEGORIES[value.toLowerCase()];
        if (id === undefined) {
          throw new InvalidSearchQuery(`Unknown category:${value} at position ${pos}; expected one of ${Object.keys(CATEGORIES).join(', ')}`);
        }
        return hasLabel(id);
      }
      case 'filename': {
        const re = containsMatcher(value);
        return (m) => m.filenames.some((name) => re.test(name));
      }
      case 'after':
      case 'newer': {
        const start = this.parseDate(operator, value, pos);
        return (m) => m.internalDate >= start;
      }
      case 'before':
      case 'older': {
        const start = this.parseDate(operator, value, pos);
        return (m) => m.internalDate < start;
      }
      case 'newer_than': {
        const cutoff = this.relativeCutoff(operator, value, pos);
        return (m) => m.internalDate > cutoff;
      }
      case 'older_than': {
        const cutoff = this.relativeCutoff(operator, value, pos);
        return (m) => m.internalDate < cutoff;
      }
      case 'larger':
      case 'size': {
        const bytes = parseSize(operator, value, pos);
        return (m) => m.sizeEstimate !== undefined && m.sizeEstimate > bytes;
      }
      case 'smaller': {
        const bytes = parseSize(operator, value, pos);
        return (m) => m.sizeEstimate !== undefined && m.sizeEstimate < bytes;
      }
      default:
        // The tokenizer only lets SUPPORTED_OPERATORS through; reaching here is a bug in this file.
        throw new InvalidSearchQuery(`Operator ${operator}: is not implemented`);
    }
  }

  private addressMatcher(value: string): RegExp {
    const me = this.options.userEmail;
    return containsMatcher(me !== undefined && value.toLowerCase() === 'me' ? me : value);
  }

  /**
   * The label id a `label:`/`in:` value names. A value no name resolves is taken as a label id
   * (`label:Label_12`); label ids never collide with names' spellings, and an unknown name then
   * simply matches nothing, as in Gmail.
   */
  private resolveLabel(value: string): string {
    const lookup = this.options.labelIdForName;
    const id = lookup(value) ?? lookup(value.replace(/-/g, ' ')) ?? lookup(value.replace(/-/g, '/'));
    if (id !== undefined) return id;
    const upper = value.toUpperCase().replace(/-/g, '_');
    return SYSTEM_LABEL_IDS.has(upper) ? upper : value;
  }

  private compileIs(value: string, pos: number): Predicate {
    switch (value.toLowerCase()) {
      case 'unread':
        return hasLabel('UNREAD');
      case 'read': {
        const unread = hasLabel('UNREAD');
        return (m) => !unread(m);
      }
      case 'starred':
        return hasLabel('STARRED');
      case 'important':
        return hasLabel('IMPORTANT');
      default:
        throw new InvalidSearchQuery(`Unknown is:${value} at position ${pos}; expected unread, read, starred or important`);
    }
  }

  private compileHas(value: string, pos: number): Predicate {
    switch (value.toLowerCase()) {
      case 'attachment':
        return (m) => m.hasAttachment;
      case 'userlabels':
        return (m) => m.labelIds.some(isUserLabel);
      case 'nouserlabels':
        return (m) => !m.labelIds.some(isUserLabel);
      default:
        throw new InvalidSearchQuery(`Unknown has:${value} at position ${pos}; expected attachment, userlabels or nouserlabels`);
    }
  }

  /** Start of the given day (inclusive bound for after:, exclusive for before:), or an exact instant for epoch seconds. */
  private parseDate(operator: string, value: string, pos: number): number {
    if (/^\d+$/.test(value)) return Number(value) * 1000;
    const isoOrder = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(value);
    const usOrder = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
    let year: number, month: number, day: number;
    if (isoOrder !== null) {
      [year, month, day] = [Number(isoOrder[1]), Number(isoOrder[2]), Number(isoOrder[3])];
    } else if (usOrder !== null) {
      // Gmail also reads the US order MM/DD/YYYY.
      [month, day, year] = [Number(usOrder[1]), Number(usOrder[2]), Number(usOrder[3])];
    } else {
      throw new InvalidSearchQuery(`${operator}:${value} at position ${pos} is not a date; use YYYY/MM/DD, YYYY-MM-DD or epoch seconds`);
    }
    const check = new Date(Date.UTC(year, month - 1, day));
    if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
      throw new InvalidSearchQuery(`${operator}:${value} at position ${pos} is not a valid calendar date`);
    }
    return this.zonedMidnight(year, month, day);
  }

  private zonedMidnight(year: number, month: number, day: number): number {
    const wallClockMidnight = Date.UTC(year, month - 1, day);
    // Two rounds: the zone's offset at the first guess can differ from the offset at the answer across DST.
    let instant = wallClockMidnight - this.zoneOffset(wallClockMidnight);
    instant = wallClockMidnight - this.zoneOffset(instant);
    return instant;
  }

  /** Milliseconds the zone's wall clock is ahead of UTC at `instant`. */
  private zoneOffset(instant: number): number {
    this.zoneFormat ??= new Intl.DateTimeFormat('en-US', {
      timeZone: this.options.timeZone ?? 'America/Los_Angeles',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    const field: Record<string, number> = {};
    for (const part of this.zoneFormat.formatToParts(instant)) field[part.type] = Number(part.value);
    const wall = Date.UTC(field.year!, field.month! - 1, field.day!, field.hour!, field.minute!, field.second!);
    return wall - Math.floor(instant / 1000) * 1000;
  }

  private relativeCutoff(operator: string, value: string, pos: number): number {
    const parts = /^(\d+)([dmyh])$/i.exec(value);
    if (parts === null) {
      throw new InvalidSearchQuery(`${operator}:${value} at position ${pos} is not a period; use e.g. 2d, 3m or 1y`);
    }
    const amount = Number(parts[1]);
    const cutoff = new Date(this.now);
    switch (parts[2]!.toLowerCase()) {
      case 'h':
        return this.now - amount * 3_600_000;
      case 'd':
        return this.now - amount * DAY_MS;
      case 'm':
        cutoff.setUTCMonth(cutoff.getUTCMonth() - amount);
        return cutoff.getTime();
      default:
        cutoff.setUTCFullYear(cutoff.getUTCFullYear() - amount);
        return cutoff.getTime();
    }
  }
}

function hasLabel(id: string): Predicate {
  return (m) => m.labelIds.includes(id);
}

function isUserLabel(id: string): boolean {
  return !SYSTEM_LABEL_IDS.has(id);
}

/** `larger:10M`, `smaller:500K`, `size:1000`: bytes, with binary K/M/G multipliers. */
function parseSize(operator: string, value: string, pos: number): number {
  const parts = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(value);
  if (parts === null) {
    throw new InvalidSearchQuery(`${operator}:${value} at position ${pos} is not a size; use e.g. 500K, 10M or a byte count`);
  }
  const unit = parts[2]!.toLowerCase();
  const multiplier = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Number(parts[1]) * multiplier;
}
