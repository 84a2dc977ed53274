// Reading the message JSON clients send (POST /messages, sendMail, PATCH): recipients, body, flag,
// importance and the rest, checked the way Graph checks them (400 with Graph's wording when a value
// has the wrong type). Returns plain fields for mailboxStore.

import { GraphError } from '../microsoftErrors.ts';
import type { MessagePatch, NewMessage } from './mailboxStore.ts';
import type { Recipient } from './mailModel.ts';

type Json = Record<string, unknown>;

const PATCHABLE = new Set(['isRead', 'subject', 'body', 'importance', 'categories', 'inferenceClassification', 'toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo', 'from', 'flag']);

export function readRecipients(value: unknown, property: string): Recipient[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidProperty(property);
  return value.map((item) => readRecipient(item, property));
}

export function readRecipient(value: unknown, property: string): Recipient {
  const address = (value as { emailAddress?: { address?: unknown; name?: unknown } } | null)?.emailAddress;
  if (address === undefined || address === null || typeof address.address !== 'string') throw invalidProperty(property);
  return { emailAddress: { address: address.address, name: typeof address.name === 'string' ? address.name : address.address } };
}

function readBody(value: unknown): { contentType: 'text' | 'html'; content: string } {
  const body = value as { contentType?: unknown; content?: unknown } | null;
  if (body === null || typeof body !== 'object') throw invalidProperty('body');
  const type = typeof body.contentType === 'string' ? body.contentType.toLowerCase() : 'text';
  if (type !== 'text' && type !== 'html') throw invalidProperty('body');
  return { contentType: type, content: typeof body.content === 'string' ? body.content : '' };
}

function readImportance(value: unknown): 'low' | 'normal' | 'high' {
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  if (v !== 'low' && v !== 'normal' && v !== 'high') throw invalidProperty('importance');
  return v;
}

function readFlag(value: unknown): { flagStatus: 'notFlagged' | 'flagged' | 'complete' } {
  const status = (value as { flagStatus?: unknown } | null)?.flagStatus;
  if (status !== 'notFlagged' && status !== 'flagged' && status !== 'complete') throw invalidProperty('flag');
  return { flagStatus: status };
}

function readCategories(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((c) => typeof c !== 'string')) throw invalidProperty('categories');
  return value as string[];
}

/** A message a client creates (draft) or sends. */
export function readNewMessage(json: Json, folderId: string): NewMessage {
  const message: NewMessage = { folderId };
  if (json.subject !== undefined) {
    if (typeof json.subject !== 'string') throw invalidProperty('subject');
    message.subject = json.subject;
  }
  if (json.body !== undefined) message.body = readBody(json.body);
  if (json.toRecipients !== undefined) message.toRecipients = readRecipients(json.toRecipients, 'toRecipients');
  if (json.ccRecipients !== undefined) message.ccRecipients = readRecipients(json.ccRecipients, 'ccRecipients');
  if (json.bccRecipients !== undefined) message.bccRecipients = readRecipients(json.bccRecipients, 'bccRecipients');
  if (json.replyTo !== undefined) message.replyTo = readRecipients(json.replyTo, 'replyTo');
  if (json.importance !== undefined) message.importance = readImportance(json.importance);
  if (json.categories !== undefined) message.categories = readCategories(json.categories);
  if (json.flag !== undefined) message.flagStatus = readFlag(json.flag).flagStatus;
  if (json.from !== undefined && json.from !== null) message.from = readRecipient(json.from, 'from');
  return message;
}

export function readPatch(json: Json): MessagePatch {
  const patch: MessagePatch = {};
  for (const key of Object.keys(json)) {
    if (key.startsWith('@odata.')) continue;
    if (!PATCHABLE.has(key)) throw GraphError.badRequest(`The property '${key}' does not exist on type 'Microsoft.OutlookServices.Message' or is read-only.`, 'ErrorInvalidProperty');
  }
  if (json.isRead !== undefined) {
    if (typeof json.isRead !== 'boolean') throw invalidProperty('isRead');
    patch.isRead = json.isRead;
  }
  if (json.subject !== undefined) {
    if (typeof json.subject !== 'string') throw invalidProperty('subject');
    patch.subject = json.subject;
  }
  if (json.body !== undefined) patch.body = readBody(json.body);
  if (json.importance !== undefined) patch.importance = readImportance(json.importance);
  if (json.categories !== undefined) patch.categories = readCategories(json.categories);
  if (json.inferenceClassification !== undefined) {
    if (json.inferenceClassification !== 'focused' && json.inferenceClassification !== 'other') throw invalidProperty('inferenceClassification');
    patch.inferenceClassification = json.inferenceClassification;
  }
  if (json.flag !== undefined) patch.flag = readFlag(json.flag);
  for (const key of ['toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo'] as const) {
    if (json[key] !== undefined) patch[key] = readRecipients(json[key], key);
  }
  if (json.from !== undefined) patch.from = json.from === null ? null : readRecipient(json.from, 'from');
  return patch;
}

function invalidProperty(property: string): GraphError {
  return GraphError.badRequest(`Invalid value for property '${property}'.`, 'ErrorInvalidProperty');
}
