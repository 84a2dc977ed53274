// The `where` of Gmail listings: CEQL conditions turned into messages.list / threads.list /
// drafts.list parameters. Gmail can filter by search query, label ids and spam/trash inclusion.

import { BadRequest } from '../../errors/index.ts';
import { parseCeql, type CeqlCondition } from '../ceql.ts';

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
  const filter: GmailListFilter = {};
  const queries: string[] = [];
  for (const condition of parseCeql(where)) {
    const field = condition.field as Field;
    if (!(allowed as readonly string[]).includes(field)) {
      throw new BadRequest(`Invalid where: unknown field '${condition.field}'; supported: ${allowed.map((name) => FIELDS[name]).join(', ')}`);
    }
    if (field === 'q') queries.push(stringValue(condition, ['=']));
    else if (field === 'labelIds') {
      const values = condition.values.map((value) => stringOf(condition, value));
      if (condition.operator !== '=' && condition.operator !== 'IN') operatorError(condition, ['=', 'IN']);
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
  // Gmail's search treats space-separated terms as AND, the meaning of CEQL's AND.
  if (queries.length > 0) filter.q = queries.map((q) => (queries.length > 1 ? `(${q})` : q)).join(' ');
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
