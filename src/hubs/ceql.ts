// CEQL, the Cloud Elements query language of the `where` parameter, as far as a provider's listing can
// honour it: comparisons joined by AND, e.g. `q='from:bob subject:invoice' AND labelIds IN ('INBOX')`.
// Parsing is generic; each resource decides which fields and operators it supports.

import { BadRequest } from '../errors/index.ts';

export type CeqlValue = string | number | boolean;
export type CeqlOperator = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'IN';

export interface CeqlCondition {
  field: string;
  operator: CeqlOperator;
  /** One value, or several for IN. */
  values: CeqlValue[];
}

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'symbol'; text: string; at: number };

const SYMBOLS = ['<=', '>=', '!=', '<>', '=', '<', '>', '(', ')', ','];

export function parseCeql(where: string, parameter = 'where'): CeqlCondition[] {
  const tokens = tokenize(where, parameter);
  if (tokens.length === 0) return [];
  const conditions: CeqlCondition[] = [];
  let position = 0;
  const fail = (detail: string, at: number): never => {
    throw new BadRequest(`Invalid ${parameter}: ${detail} at position ${at + 1} of "${where}"`);
  };
  const peek = (): Token | undefined => tokens[position];
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

  for (;;) {
    const fieldToken = next('a field name');
    if (fieldToken.kind !== 'word' || isKeyword(fieldToken.text)) fail(`expected a field name, found '${tokenText(fieldToken)}'`, fieldToken.at);
    const field = (fieldToken as { text: string }).text;
    const operatorToken = next(`an operator after '${field}'`);
    const operatorText = operatorToken.kind === 'symbol' || operatorToken.kind === 'word' ? operatorToken.text.toUpperCase() : '';
    if (operatorText === 'IN') {
      const open = next("'('");
      if (open.kind !== 'symbol' || open.text !== '(') fail(`expected '(' after IN`, open.at);
      const values = [value()];
      for (;;) {
        const separator = next("',' or ')'");
        if (separator.kind === 'symbol' && separator.text === ')') break;
        if (separator.kind !== 'symbol' || separator.text !== ',') fail(`expected ',' or ')' in the IN list, found '${tokenText(separator)}'`, separator.at);
        values.push(value());
      }
      conditions.push({ field, operator: 'IN', values });
    } else if (['=', '!=', '<>', '<', '>', '<=', '>=', 'LIKE'].includes(operatorText)) {
      const operator = (operatorText === '<>' ? '!=' : operatorText) as CeqlOperator;
      conditions.push({ field, operator, values: [value()] });
    } else {
      fail(`expected an operator (=, !=, <, >, <=, >=, LIKE, IN) after '${field}', found '${tokenText(operatorToken)}'`, operatorToken.at);
    }
    const joiner = peek();
    if (joiner === undefined) return conditions;
    position++;
    if (joiner.kind === 'word' && joiner.text.toUpperCase() === 'AND') continue;
    if (joiner.kind === 'word' && joiner.text.toUpperCase() === 'OR') {
      fail('OR is not supported here; combine alternatives inside one condition (for Gmail: q=\'from:a OR from:b\')', joiner.at);
    }
    fail(`expected AND, found '${tokenText(joiner)}'`, joiner.at);
  }
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
  return /^(and|or|in|like|not|true|false)$/i.test(word);
}

function tokenText(token: Token): string {
  return token.kind === 'string' ? `'${token.value}'` : token.kind === 'number' ? String(token.value) : token.text;
}
