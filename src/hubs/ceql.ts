// CEQL, the Cloud Elements query language of the `where` parameter, as Cloud Elements' query reference
// documents it: comparisons (=, !=, <, >, <=, >=, LIKE, IN, IS NULL), joined by AND and OR, grouped with
// parentheses; AND binds tighter than OR, as in SQL. e.g.
//   q='from:bob' AND (labelIds IN ('INBOX') OR q='is:starred')
// Parsing is generic; each resource decides which fields, operators and combinations it can honour.

import { BadRequest } from '../errors/index.ts';

export type CeqlValue = string | number | boolean;
export type CeqlOperator = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'IN' | 'IS NULL' | 'IS NOT NULL';

export interface CeqlCondition {
  field: string;
  operator: CeqlOperator;
  /** One value, several for IN, none for IS NULL and IS NOT NULL. */
  values: CeqlValue[];
}

/** A parsed `where`: a condition, or conditions joined by AND or OR (each with at least two operands). */
export type CeqlExpression =
  | { kind: 'condition'; condition: CeqlCondition }
  | { kind: 'and'; operands: CeqlExpression[] }
  | { kind: 'or'; operands: CeqlExpression[] };

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'symbol'; text: string; at: number };

const SYMBOLS = ['<=', '>=', '!=', '<>', '=', '<', '>', '(', ')', ','];
const COMPARISONS = ['=', '!=', '<>', '<', '>', '<=', '>=', 'LIKE'];
/** Parentheses nest at most this deep, so a hostile `where` cannot exhaust the stack. */
const MAX_DEPTH = 32;

/** The whole expression, or undefined for an empty `where`. Every error is a 400 naming the parameter. */
export function parseCeqlExpression(where: string, parameter = 'where'): CeqlExpression | undefined {
  const tokens = tokenize(where, parameter);
  if (tokens.length === 0) return undefined;
  let position = 0;
  const fail = (detail: string, at: number): never => {
    throw new BadRequest(`Invalid ${parameter}: ${detail} at position ${at + 1} of "${where}"`);
  };
  const peek = (): Token | undefined => tokens[position];
  const isWord = (token: Token | undefined, word: string): boolean => token?.kind === 'word' && token.text.toUpperCase() === word;
  const isSymbol = (token: Token | undefined, symbol: string): boolean => token?.kind === 'symbol' && token.text === symbol;
  const next = (expected: string): Token => {
    const token = tokens[position++];
    if (token === undefined) return fail(`expected ${expected} but the expression ended`, where.length);
    return token;
  };
  const value = (): CeqlValue => {
    const token = next('a value');
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'word' && /^(true|false)$/i.test(token.text)) return token.text.toLowerCase() === 'true';
    return fail(`expected a quoted value, a number, true or false, found '${tokenText(token)}'`, token.at);
  };

  const condition = (): CeqlCondition => {
    const fieldToken = next('a field name');
    if (fieldToken.kind !== 'word' || isKeyword(fieldToken.text)) fail(`expected a field name, found '${tokenText(fieldToken)}'`, fieldToken.at);
    const field = (fieldToken as { text: string }).text;
    const operatorToken = next(`an operator after '${field}'`);
    const operatorText = operatorToken.kind === 'symbol' || operatorToken.kind === 'word' ? operatorToken.text.toUpperCase() : '';
    if (operatorText === 'IN') {
      const open = next("'('");
      if (!isSymbol(open, '(')) fail(`expected '(' after IN`, open.at);
      const values = [value()];
      for (;;) {
        const separator = next("',' or ')'");
        if (isSymbol(separator, ')')) break;
        if (!isSymbol(separator, ',')) fail(`expected ',' or ')' in the IN list, found '${tokenText(separator)}'`, separator.at);
        values.push(value());
      }
      return { field, operator: 'IN', values };
    }
    if (operatorText === 'IS') {
      const negated = isWord(peek(), 'NOT');
      if (negated) position++;
      const nullToken = next('NULL');
      if (!isWord(nullToken, 'NULL')) fail(`expected NULL after IS${negated ? ' NOT' : ''}, found '${tokenText(nullToken)}'`, nullToken.at);
      return { field, operator: negated ? 'IS NOT NULL' : 'IS NULL', values: [] };
    }
    if (COMPARISONS.includes(operatorText)) {
      const operator = (operatorText === '<>' ? '!=' : operatorText) as CeqlOperator;
      return { field, operator, values: [value()] };
    }
    return fail(`expected an operator (=, !=, <, >, <=, >=, LIKE, IN, IS NULL) after '${field}', found '${tokenText(operatorToken)}'`, operatorToken.at);
  };

  const primary = (depth: number): CeqlExpression => {
    const token = peek();
    if (isSymbol(token, '(')) {
      if (depth >= MAX_DEPTH) fail(`parentheses nest deeper than ${MAX_DEPTH}`, (token as Token).at);
      position++;
      const inner = disjunction(depth + 1);
      const close = next("')'");
      if (!isSymbol(close, ')')) fail(`expected ')' to close the '(' at position ${(token as Token).at + 1}, found '${tokenText(close)}'`, close.at);
      return inner;
    }
    return { kind: 'condition', condition: condition() };
  };
  const conjunction = (depth: number): CeqlExpression => {
    const operands = [primary(depth)];
    while (isWord(peek(), 'AND')) {
      position++;
      operands.push(primary(depth));
    }
    return operands.length === 1 ? (operands[0] as CeqlExpression) : { kind: 'and', operands };
  };
  const disjunction = (depth: number): CeqlExpression => {
    const operands = [conjunction(depth)];
    while (isWord(peek(), 'OR')) {
      position++;
      operands.push(conjunction(depth));
    }
    return operands.length === 1 ? (operands[0] as CeqlExpression) : { kind: 'or', operands };
  };

  const expression = disjunction(0);
  const rest = peek();
  if (rest !== undefined) fail(`expected AND or OR, found '${tokenText(rest)}'`, rest.at);
  return expression;
}

/**
 * The conditions of a `where` that joins them with AND only (parentheses allowed), for resources that
 * cannot express alternatives; OR is refused with a 400 naming the parameter.
 */
export function parseCeql(where: string, parameter = 'where'): CeqlCondition[] {
  const expression = parseCeqlExpression(where, parameter);
  if (expression === undefined) return [];
  const conditions: CeqlCondition[] = [];
  const collect = (node: CeqlExpression): void => {
    if (node.kind === 'or') throw new BadRequest(`Invalid ${parameter}: OR is not supported here; join conditions with AND in "${where}"`);
    if (node.kind === 'condition') conditions.push(node.condition);
    else node.operands.forEach(collect);
  };
  collect(expression);
  return conditions;
}

function tokenize(text: string, parameter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const at = i;
    if (char === "'" || char === '"') {
      // SQL style: a doubled quote is a quote; a backslash escapes the next character too.
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new BadRequest(`Invalid ${parameter}: unterminated string starting at position ${at + 1} of "${text}"`);
        const c = text[i] as string;
        if (c === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (c === char) {
          if (text[i + 1] === char) {
            value += char;
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          value += c;
          i++;
        }
      }
      tokens.push({ kind: 'string', value, at });
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i));
    if (symbol !== undefined) {
      tokens.push({ kind: 'symbol', text: symbol, at });
      i += symbol.length;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), at });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], at });
      i += word[0].length;
      continue;
    }
    throw new BadRequest(`Invalid ${parameter}: unexpected '${char}' at position ${at + 1} of "${text}"`);
  }
  return tokens;
}

function isKeyword(word: string): boolean {
  return /^(and|or|in|like|not|is|null|true|false)$/i.test(word);
}

function tokenText(token: Token): string {
  return token.kind === 'string' ? `'${token.value}'` : token.kind === 'number' ? String(token.value) : token.text;
}
