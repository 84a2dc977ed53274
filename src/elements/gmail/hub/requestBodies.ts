// Field checks of the Gmail hub's JSON bodies (labels to change, ids, label definitions), with 400s
// that name the field.

import { BadRequest } from '../../../errors/index.ts';
import type { GmailLabel } from './gmailTypes.ts';

export interface LabelChanges {
  addLabelIds: string[];
  removeLabelIds: string[];
}

export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('The request body must be a JSON object');
  return body as Record<string, unknown>;
}

export function stringArray(value: unknown, field: string, options: { max?: number } = {}): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) throw new BadRequest(`${field} must be an array of non-empty strings`);
  if (options.max !== undefined && value.length > options.max) throw new BadRequest(`${field} may hold at most ${options.max} items`);
  return value as string[];
}

export function labelChanges(body: unknown): LabelChanges {
  const fields = objectBody(body);
  const changes = { addLabelIds: stringArray(fields.addLabelIds, 'addLabelIds'), removeLabelIds: stringArray(fields.removeLabelIds, 'removeLabelIds') };
  if (changes.addLabelIds.length + changes.removeLabelIds.length === 0) throw new BadRequest('addLabelIds or removeLabelIds must name at least one label');
  return changes;
}

const MESSAGE_LIST_VISIBILITY = ['show', 'hide'];
const LABEL_LIST_VISIBILITY = ['labelShow', 'labelShowIfUnread', 'labelHide'];

export function labelDefinition(body: unknown, options: { requireName: boolean }): Partial<GmailLabel> {
  const fields = objectBody(body);
  const label: Partial<GmailLabel> = {};
  if (fields.name !== undefined) {
    if (typeof fields.name !== 'string' || !fields.name.trim()) throw new BadRequest('name must be a non-empty string');
    label.name = fields.name;
  } else if (options.requireName) {
    throw new BadRequest('name is required');
  }
  if (fields.messageListVisibility !== undefined) {
    if (typeof fields.messageListVisibility !== 'string' || !MESSAGE_LIST_VISIBILITY.includes(fields.messageListVisibility)) {
      throw new BadRequest(`messageListVisibility must be one of ${MESSAGE_LIST_VISIBILITY.join(', ')}`);
    }
    label.messageListVisibility = fields.messageListVisibility;
  }
  if (fields.labelListVisibility !== undefined) {
    if (typeof fields.labelListVisibility !== 'string' || !LABEL_LIST_VISIBILITY.includes(fields.labelListVisibility)) {
      throw new BadRequest(`labelListVisibility must be one of ${LABEL_LIST_VISIBILITY.join(', ')}`);
    }
    label.labelListVisibility = fields.labelListVisibility;
  }
  if (fields.color !== undefined) {
    const color = objectBody(fields.color);
    const { textColor, backgroundColor } = color;
    if ((textColor !== undefined && typeof textColor !== 'string') || (backgroundColor !== undefined && typeof backgroundColor !== 'string')) {
      throw new BadRequest('color must be {textColor, backgroundColor} with hex strings');
    }
    label.color = { ...(textColor !== undefined ? { textColor } : {}), ...(backgroundColor !== undefined ? { backgroundColor } : {}) };
  }
  return label;
}
