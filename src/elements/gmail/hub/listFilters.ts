// The `where` of Gmail listings: a CEQL expression turned into messages.list / threads.list /
// drafts.list parameters. Gmail filters by a search query (`q`, which has AND, OR, negation and
// grouping of its own), by label ids (all of them at once) and by spam/trash inclusion. So:
//   - `q` conditions may be joined by AND and OR and grouped freely: they become one Gmail query, each
//     condition in parentheses, OR groups as `(a OR b)` (Gmail's OR binds tighter than its implicit AND,
//     so CEQL's precedence is kept by the parentheses), `q != 'x'` as `-(x)`;
//   - `labelIds` and `includeSpamTrash` have no query form Gmail would read the same way (label ids are
//     not label names), so they are taken only as top-level AND conditions; anywhere else, a 400.

import { BadRequest } from '../../../errors/index.ts';
import { parseCeql, parseCeqlExpression, type CeqlCondition, type CeqlExpression } from '../../../hubs/index.ts';

export interface GmailListFilter {
  q?: string;
  labelIds?: string[];
  includeSpamTrash?: boolean;
}

const FIELDS = {
  q: "q='<Gmail search query>'",
  labelIds: "labelIds='INBOX' or labelIds IN ('INBOX','UNREAD')",
  includeSpamTrash: 'includeSpamTrash=true',
} as const;

type Field = keyof typeof FIELDS;

export function gmailListFilter(where: string | undefined, allowed: readonly Field[] = ['q', 'labelIds', 'includeSpamTrash']): GmailListFilter {
  if (where === undefined || !where.trim()) return {};
  const expression = parseCeqlExpression(where);
  if (expression === undefined) return {};
  const filter: GmailListFilter = {};
  // Each query group; a top-level q='…' also keeps its text as written, to be sent alone when it is alone.
  const queries: { text?: string; alone?: string }[] = [];
  const checkField = (condition: CeqlCondition): Field => {
    if (!(allowed as readonly string[]).includes(condition.field)) {
      throw new BadRequest(`Invalid where: unknown field '${condition.field}'; supported: ${allowed.map((name) => FIELDS[name]).join(', ')}`);
    }
    return condition.field as Field;
  };

  for (const term of topLevelConjuncts(expression)) {
    if (term.kind !== 'condition') {
      queries.push({ text: gmailQuery(term, checkField) });
      continue;
    }
    const condition = term.condition;
    const field = checkField(condition);
    if (field === 'q') {
      if (condition.operator === '=') {
        const alone = stringOf(condition, condition.values[0]);
        queries.push({ alone, ...(alone.trim() ? { text: `(${alone})` } : {}) });
      } else {
        queries.push({ text: gmailQuery(term, checkField) });
      }
    } else if (field === 'labelIds') {
      if (condition.operator !== '=' && condition.operator !== 'IN') operatorError(condition, ['=', 'IN']);
      const values = condition.values.map((value) => stringOf(condition, value));
      // Label ids never contain commas, so 'INBOX,UNREAD' is two of them.
      const ids = values.flatMap((value) => value.split(',')).map((id) => id.trim()).filter(Boolean);
      filter.labelIds = [...(filter.labelIds ?? []), ...ids];
    } else {
      if (condition.operator !== '=') operatorError(condition, ['=']);
      const value = condition.values[0];
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') throw new BadRequest('Invalid where: includeSpamTrash must be true or false');
      filter.includeSpamTrash = value === true || value === 'true';
    }
  }
  // Gmail's search treats space-separated terms as AND, the meaning of CEQL's AND. A lone q='…' is sent
  // as written.
  const lone = queries.length === 1 ? queries[0]?.alone : undefined;
  if (lone !== undefined) filter.q = lone;
  else if (queries.length > 0) {
    filter.q = queries
      .map((query) => {
        if (query.text === undefined) throw new BadRequest('Invalid where: q must not be empty when combined with other conditions');
        return query.text;
      })
      .join(' ');
  }
  return filter;
}

/** The label filter of the change feed (history.list takes one labelId). */
export function historyLabelFilter(where: string | undefined): string | undefined {
  if (where === undefined || !where.trim()) return undefined;
  const conditions = parseCeql(where);
  if (conditions.length !== 1 || conditions[0]!.field !== 'labelId') {
    throw new BadRequest("Invalid where: changed-messages supports only labelId='<label id>'");
  }
  return stringValue(conditions[0]!, ['=']);
}

/** The operands of the top-level AND, through parentheses: `a AND (b AND c)` is a, b, c. */
function topLevelConjuncts(expression: CeqlExpression): CeqlExpression[] {
  return expression.kind === 'and' ? expression.operands.flatMap(topLevelConjuncts) : [expression];
}

/** A self-contained Gmail query group for an expression made of q conditions only. */
function gmailQuery(node: CeqlExpression, checkField: (condition: CeqlCondition) => Field): string {
  if (node.kind === 'and') return `(${node.operands.map((operand) => gmailQuery(operand, checkField)).join(' ')})`;
  if (node.kind === 'or') return `(${node.operands.map((operand) => gmailQuery(operand, checkField)).join(' OR ')})`;
  const condition = node.condition;
  const field = checkField(condition);
  if (field !== 'q') {
    throw new BadRequest(
      `Invalid where: ${field} can only be joined with AND at the top level of where (Gmail has no query form for it); inside OR or parentheses, use q='label:<name>' or q='in:anywhere'`,
    );
  }
  if (condition.operator !== '=' && condition.operator !== '!=') operatorError(condition, ['=', '!=']);
  const text = stringOf(condition, condition.values[0]);
  if (!text.trim()) throw new BadRequest('Invalid where: q must not be empty when combined with other conditions');
  return condition.operator === '=' ? `(${text})` : `-(${text})`;
}

function stringValue(condition: CeqlCondition, operators: readonly string[]): string {
  if (!operators.includes(condition.operator)) operatorError(condition, operators);
  return stringOf(condition, condition.values[0]);
}

function stringOf(condition: CeqlCondition, value: unknown): string {
  if (typeof value !== 'string') throw new BadRequest(`Invalid where: ${condition.field} takes a quoted string, e.g. ${condition.field}='…'`);
  return value;
}

function operatorError(condition: CeqlCondition, operators: readonly string[]): never {
  throw new BadRequest(`Invalid where: ${condition.field} supports ${operators.join(' and ')}, not ${condition.operator}`);
}
