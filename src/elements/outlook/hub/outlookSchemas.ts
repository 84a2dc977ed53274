// JSON schemas of the Outlook hub's requests and responses: the OpenAPI document at /docs shows them,
// and Fastify serializes responses with them. Messages and folders are Graph's resources as Graph
// names their fields (additional fields pass through); field checks with messages that name the field
// happen in the operations, so in-process callers get the same answers.

import { EVENT_TYPES } from '../../../hubs/index.ts';
import { FOLDERS_PARAMETER_DESCRIPTION } from './watchedFolders.ts';

const nullableString = { type: ['string', 'null'] } as const;
const dateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const recipient = {
  type: 'object',
  properties: { emailAddress: { type: 'object', properties: { name: nullableString, address: nullableString } } },
} as const;
const recipients = { type: 'array', items: recipient } as const;

const messageProperties = {
  id: { type: 'string', description: "Graph's message id" },
  createdDateTime: dateTime,
  lastModifiedDateTime: dateTime,
  changeKey: { type: 'string', description: "Graph's version of the message" },
  categories: { type: 'array', items: { type: 'string' } },
  receivedDateTime: dateTime,
  sentDateTime: dateTime,
  hasAttachments: { type: 'boolean' },
  internetMessageId: nullableString,
  subject: nullableString,
  bodyPreview: nullableString,
  importance: nullableString,
  parentFolderId: { type: 'string', description: 'The folder the message is in' },
  conversationId: nullableString,
  isRead: { type: 'boolean' },
  isDraft: { type: 'boolean' },
  webLink: nullableString,
  inferenceClassification: nullableString,
  sender: recipient,
  from: recipient,
  toRecipients: recipients,
  ccRecipients: recipients,
  bccRecipients: recipients,
  replyTo: recipients,
  flag: { type: 'object', properties: { flagStatus: { type: 'string' } }, additionalProperties: true },
  body: { type: 'object', description: 'GET /messages/{id} only', properties: { contentType: { type: 'string' }, content: { type: 'string' } } },
} as const;

export const messageSchema = {
  type: 'object',
  description: "An Outlook message: Graph's message resource (without OData annotations)",
  properties: messageProperties,
  additionalProperties: true,
  required: ['id'],
} as const;

export const changedMessageSchema = {
  type: 'object',
  description:
    'A changed message: the message (as listings answer it) with eventType CREATED or UPDATED; for DELETED only id, eventType and version. version identifies the change: the same change read again has the same version.',
  properties: { ...messageProperties, eventType: { type: 'string', enum: EVENT_TYPES }, version: { type: 'string' } },
  additionalProperties: true,
  required: ['id', 'eventType', 'version'],
} as const;

export const messageStateSchema = {
  type: 'object',
  description: 'A message as the poller compares it: its id, folder, read state, flag, categories and changeKey.',
  properties: {
    id: { type: 'string' },
    parentFolderId: nullableString,
    isRead: { type: ['boolean', 'null'] },
    flag: { type: ['object', 'null'], additionalProperties: true },
    categories: { type: ['array', 'null'], items: { type: 'string' } },
    changeKey: nullableString,
  },
  required: ['id'],
} as const;

export const folderSchema = {
  type: 'object',
  description: "A mail folder: Graph's mailFolder resource",
  properties: {
    id: { type: 'string' },
    displayName: { type: 'string' },
    parentFolderId: nullableString,
    childFolderCount: { type: 'integer' },
    unreadItemCount: { type: 'integer' },
    totalItemCount: { type: 'integer' },
    isHidden: { type: 'boolean' },
  },
  additionalProperties: true,
  required: ['id'],
} as const;

export const attachmentSchema = {
  type: 'object',
  description: "An attachment: Graph's fileAttachment (contentBytes base64) or another attachment type",
  properties: {
    id: { type: 'string' },
    name: nullableString,
    contentType: nullableString,
    size: { type: 'integer' },
    isInline: { type: 'boolean' },
    lastModifiedDateTime: dateTime,
    contentBytes: { type: 'string', description: 'base64, for file attachments' },
  },
  additionalProperties: true,
  required: ['id'],
} as const;

export const sentMessageSchema = {
  type: 'object',
  description: "The message as sent through Graph's sendMail (Graph answers no id: the copy in Sent Items is reported by changed-messages)",
  properties: { sent: { type: 'boolean' }, message: messageSchema },
  required: ['sent', 'message'],
} as const;

export const pingSchema = {
  type: 'object',
  properties: { endpoint: { type: 'string' }, id: { type: 'string' }, displayName: nullableString, mail: nullableString, userPrincipalName: nullableString },
} as const;

const addresses = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'One address, a comma-separated list, or an array' } as const;

export const outgoingMessageSchema = {
  type: 'object',
  properties: {
    to: addresses,
    cc: addresses,
    bcc: addresses,
    subject: { type: 'string' },
    body: { type: 'string', description: 'Plain-text body' },
    html: { type: 'string', description: 'HTML body (instead of body)' },
    attachments: {
      type: 'array',
      items: {
        type: 'object',
        properties: { filename: { type: 'string' }, mimeType: { type: 'string' }, data: { type: 'string', description: 'base64' } },
        required: ['filename', 'data'],
      },
    },
  },
} as const;

export const messageChangesSchema = {
  type: 'object',
  properties: {
    isRead: { type: 'boolean' },
    flag: { type: 'object', properties: { flagStatus: { type: 'string', enum: ['notFlagged', 'flagged', 'complete'] } } },
    categories: { type: 'array', items: { type: 'string' } },
    importance: { type: 'string', enum: ['low', 'normal', 'high'] },
    subject: { type: 'string' },
  },
} as const;

export const moveSchema = {
  type: 'object',
  properties: { folderId: { type: 'string', description: 'Destination folder: its id or a well-known name (inbox, archive, deleteditems, junkemail…)' } },
  required: ['folderId'],
} as const;

const where = { type: 'string', description: "CEQL joined by AND: receivedDateTime >= '2026-01-01T00:00:00Z', isRead = false, hasAttachments = true" } as const;
const pageSize = { type: 'integer', minimum: 1, maximum: 1000, default: 100 } as const;
const nextPage = { type: 'string', description: 'The Elements-Next-Page-Token of the previous page' } as const;

export const listQuerySchema = { type: 'object', properties: { where, pageSize, nextPage } } as const;
export const folderListQuerySchema = { type: 'object', properties: { pageSize, nextPage } } as const;
export const changedMessagesQuerySchema = {
  type: 'object',
  properties: {
    cursor: { type: 'string', description: 'The Elements-Next-Cursor of the previous call; absent for the baseline' },
    maxPagesPerFolder: { type: 'integer', minimum: 1, maximum: 100, default: 10, description: 'Delta pages read per watched folder before answering with Elements-Has-More' },
    folders: { type: 'string', description: FOLDERS_PARAMETER_DESCRIPTION },
  },
} as const;

export const messageStatesQuerySchema = {
  type: 'object',
  properties: { folders: { type: 'string', description: FOLDERS_PARAMETER_DESCRIPTION } },
} as const;
