// A mailbox's labels: Gmail's fixed system labels and the user's own (`Label_<n>`), with the name
// rules labels.create/update enforce (unique case-insensitively, no clash with system names).

import { GoogleApiError } from '../googleErrors.ts';
import { labelSearchKey } from './searchQuery.ts';

export interface LabelColor {
  textColor: string;
  backgroundColor: string;
}

export interface LabelRecord {
  id: string;
  name: string;
  type: 'system' | 'user';
  messageListVisibility?: 'show' | 'hide';
  labelListVisibility?: 'labelShow' | 'labelShowIfUnread' | 'labelHide';
  color?: LabelColor;
}

/** Gmail's system labels with the visibilities labels.list reports for them. */
const SYSTEM_LABELS: readonly LabelRecord[] = [
  { id: 'CHAT', name: 'CHAT', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelHide' },
  { id: 'SENT', name: 'SENT', type: 'system' },
  { id: 'INBOX', name: 'INBOX', type: 'system' },
  { id: 'IMPORTANT', name: 'IMPORTANT', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelShow' },
  { id: 'TRASH', name: 'TRASH', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelHide' },
  { id: 'DRAFT', name: 'DRAFT', type: 'system' },
  { id: 'SPAM', name: 'SPAM', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelHide' },
  { id: 'CATEGORY_FORUMS', name: 'CATEGORY_FORUMS', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelHide' },
  { id: 'CATEGORY_UPDATES', name: 'CATEGORY_UPDATES', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelHide' },
  { id: 'CATEGORY_PERSONAL', name: 'CATEGORY_PERSONAL', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelHide' },
  { id: 'CATEGORY_PROMOTIONS', name: 'CATEGORY_PROMOTIONS', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelHide' },
  { id: 'CATEGORY_SOCIAL', name: 'CATEGORY_SOCIAL', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelHide' },
  { id: 'STARRED', name: 'STARRED', type: 'system' },
  { id: 'UNREAD', name: 'UNREAD', type: 'system' },
];

const SYSTEM_IDS = new Set(SYSTEM_LABELS.map((l) => l.id));

/** Labels no API call may put on or take off a message directly (Gmail manages them). */
export const UNASSIGNABLE_LABELS: ReadonlySet<string> = new Set(['DRAFT', 'CHAT']);

export function isSystemLabelId(id: string): boolean {
  return SYSTEM_IDS.has(id);
}

export interface LabelInput {
  name?: unknown;
  messageListVisibility?: unknown;
  labelListVisibility?: unknown;
  color?: unknown;
}

export class LabelBook {
  private readonly userLabels = new Map<string, LabelRecord>();
  private nextUserLabel = 1;

  has(id: string): boolean {
    return SYSTEM_IDS.has(id) || this.userLabels.has(id);
  }

  get(id: string): LabelRecord | undefined {
    return SYSTEM_LABELS.find((l) => l.id === id) ?? this.userLabels.get(id);
  }

  list(): LabelRecord[] {
    return [...SYSTEM_LABELS, ...this.userLabels.values()];
  }

  /** For `label:` and `in:` in search queries: names compared the way Gmail does. */
  idForName(name: string): string | undefined {
    const key = labelSearchKey(name);
    for (const label of this.userLabels.values()) if (labelSearchKey(label.name) === key) return label.id;
    const upper = name.toUpperCase();
    return SYSTEM_IDS.has(upper) ? upper : undefined;
  }

  create(input: LabelInput): LabelRecord {
    const name = this.validName(input.name, undefined);
    const label: LabelRecord = {
      id: `Label_${this.nextUserLabel++}`,
      name,
      type: 'user',
      messageListVisibility: parseMessageListVisibility(input.messageListVisibility) ?? 'show',
      labelListVisibility: parseLabelListVisibility(input.labelListVisibility) ?? 'labelShow',
    };
    const color = parseColor(input.color);
    if (color !== undefined) label.color = color;
    this.userLabels.set(label.id, label);
    return label;
  }

  /** labels.update replaces (absent fields reset to defaults); labels.patch merges. */
  change(id: string, input: LabelInput, mode: 'update' | 'patch'): LabelRecord {
    if (SYSTEM_IDS.has(id)) throw GoogleApiError.invalidArgument('Invalid label update');
    const label = this.userLabels.get(id);
    if (label === undefined) throw GoogleApiError.notFound();
    if (mode === 'update' || input.name !== undefined) label.name = this.validName(input.name, id);
    const messageListVisibility = parseMessageListVisibility(input.messageListVisibility);
    const labelListVisibility = parseLabelListVisibility(input.labelListVisibility);
    if (messageListVisibility !== undefined) label.messageListVisibility = messageListVisibility;
    else if (mode === 'update') label.messageListVisibility = 'show';
    if (labelListVisibility !== undefined) label.labelListVisibility = labelListVisibility;
    else if (mode === 'update') label.labelListVisibility = 'labelShow';
    const color = parseColor(input.color);
    if (color !== undefined) label.color = color;
    else if (mode === 'update') delete label.color;
    return label;
  }

  delete(id: string): void {
    if (SYSTEM_IDS.has(id)) throw GoogleApiError.invalidArgument('Invalid delete request');
    if (!this.userLabels.delete(id)) throw GoogleApiError.notFound();
  }

  private validName(value: unknown, ownId: string | undefined): string {
    if (typeof value !== 'string' || value.trim() === '') throw GoogleApiError.invalidArgument('Invalid label name');
    const name = value.trim();
    if (name.length > 225) throw GoogleApiError.invalidArgument('Invalid label name');
    if (SYSTEM_IDS.has(name.toUpperCase()) || ['DRAFTS', 'CHATS', 'ALL MAIL', 'BIN'].includes(name.toUpperCase())) {
      throw GoogleApiError.invalidArgument('Invalid label name');
    }
    for (const label of this.userLabels.values()) {
      if (label.id !== ownId && label.name.toLowerCase() === name.toLowerCase()) {
        throw new GoogleApiError(409, 'Label name exists or conflicts', { domain: 'global', reason: 'duplicate' });
      }
    }
    return name;
  }
}

function parseMessageListVisibility(value: unknown): LabelRecord['messageListVisibility'] {
  if (value === undefined || value === null) return undefined;
  if (value === 'show' || value === 'hide') return value;
  throw GoogleApiError.invalidJson(`Invalid value at 'label.message_list_visibility' (type.googleapis.com/gmail.Label.MessageListVisibility), "${String(value)}"`);
}

function parseLabelListVisibility(value: unknown): LabelRecord['labelListVisibility'] {
  if (value === undefined || value === null) return undefined;
  if (value === 'labelShow' || value === 'labelShowIfUnread' || value === 'labelHide') return value;
  throw GoogleApiError.invalidJson(`Invalid value at 'label.label_list_visibility' (type.googleapis.com/gmail.Label.LabelListVisibility), "${String(value)}"`);
}

function parseColor(value: unknown): LabelColor | undefined {
  if (value === undefined || value === null) return undefined;
  const hex = /^#[0-9a-fA-F]{6}$/;
  if (typeof value === 'object') {
    const { textColor, backgroundColor } = value as { textColor?: unknown; backgroundColor?: unknown };
    if (typeof textColor === 'string' && typeof backgroundColor === 'string' && hex.test(textColor) && hex.test(backgroundColor)) {
      return { textColor: textColor.toLowerCase(), backgroundColor: backgroundColor.toLowerCase() };
    }
  }
  throw GoogleApiError.invalidArgument('Invalid label color');
}
