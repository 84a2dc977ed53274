// JSON schemas of the Gmail hub's requests and responses: the OpenAPI document at /docs shows them,
// and Fastify serializes responses with them. Field-level validation with messages that name the
// field happens in the operations, so in-process callers get the same answers.

import { EVENT_TYPES } from '../../../hubs/index.ts';

const nullableString = { type: ['string', 'null'] } as const;

const messageProperties = {
  id: { type: 'string' },
  threadId: { type: 'string' },
  labelIds: { type: 'array', items: { type: 'string' } },
  snippet: { type: 'string' },
  historyId: { type: 'string' },
  internalDate: { type: 'string', description: 'Milliseconds since the epoch, as Gmail gives it' },
  date: { ...nullableString, format: 'date-time', description: 'internalDate as ISO-8601' },
  from: nullableString,
  to: nullableString,
  cc: nullableString,
  subject: nullableString,
  sizeEstimate: { type: 'integer' },
  body: {
    type: 'object',
    description: 'With includeBody=true',
    properties: { text: nullableString, html: nullableString },
  },
  attachments: {
    type: 'array',
    description: 'With includeBody=true',
    items: {
      type: 'object',
      properties: { attachmentId: { type: 'string' }, filename: { type: 'string' }, mimeType: { type: 'string' }, size: { type: 'integer' } },
    },
  },
} as const;

const headerSchema = { type: 'object', properties: { name: { type: 'string' }, value: { type: 'string' } } } as const;

const partBodySchema = {
  type: 'object',
  description: "Gmail's MessagePartBody: data (base64url) for text parts, attachmentId for parts served by GET /messages/{id}/attachments/{attachmentId}",
  properties: { size: { type: 'integer' }, data: { type: 'string' }, attachmentId: { type: 'string' } },
} as const;

const partProperties = {
  partId: { type: 'string' },
  mimeType: { type: 'string' },
  filename: { type: 'string' },
  headers: { type: 'array', items: headerSchema },
  body: partBodySchema,
} as const;

/** Gmail's MessagePart; parts nest to any depth, typed here two levels down and passed through below. */
const messagePartSchema = {
  type: 'object',
  description: "Gmail's MessagePart: the message's MIME tree (format full; format metadata has the top-level headers only)",
  properties: {
    ...partProperties,
    parts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...partProperties,
          parts: { type: 'array', description: 'MessageParts, nested the same way', items: { type: 'object', additionalProperties: true } },
        },
      },
    },
  },
} as const;

/** Gmail's message resource (users.messages.get), and the normalized fields alongside. */
export const messageSchema = {
  type: 'object',
  description:
    "A Gmail message: Gmail's message resource (id, threadId, labelIds, snippet, historyId, internalDate, sizeEstimate, payload; raw with format=raw) with the normalized fields date, from, to, cc, subject (and body, attachments with includeBody=true) alongside",
  properties: {
    ...messageProperties,
    payload: messagePartSchema,
    raw: { type: 'string', description: 'With format=raw: the RFC 822 message, base64url' },
  },
  required: ['id', 'threadId', 'labelIds', 'snippet', 'historyId', 'internalDate', 'date', 'from', 'to', 'cc', 'subject', 'sizeEstimate'],
} as const;

export const messageStateSchema = {
  type: 'object',
  description: 'A message as the poller compares it: its id, thread and sorted labelIds.',
  properties: { id: { type: 'string' }, threadId: { type: 'string' }, labelIds: { type: 'array', items: { type: 'string' } } },
  required: ['id', 'threadId', 'labelIds'],
} as const;

export const changedMessageSchema = {
  type: 'object',
  description:
    'A changed message: the normalized message with eventType CREATED (added) or UPDATED (labels changed); for DELETED only id, threadId, eventType and historyId. historyId is the id of the change.',
  properties: { ...messageProperties, eventType: { type: 'string', enum: EVENT_TYPES } },
  required: ['id', 'threadId', 'eventType', 'historyId'],
} as const;

export const threadSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, snippet: { type: 'string' }, historyId: { type: 'string' }, messages: { type: 'array', items: messageSchema } },
  required: ['id', 'snippet', 'historyId'],
} as const;

export const labelSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    type: nullableString,
    messageListVisibility: nullableString,
    labelListVisibility: nullableString,
    messagesTotal: { type: 'integer' },
    messagesUnread: { type: 'integer' },
    threadsTotal: { type: 'integer' },
    threadsUnread: { type: 'integer' },
    color: { type: 'object', properties: { textColor: { type: 'string' }, backgroundColor: { type: 'string' } } },
  },
  required: ['id', 'name'],
} as const;

export const draftSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, message: { anyOf: [messageSchema, { type: 'null' }] } },
  required: ['id', 'message'],
} as const;

export const attachmentDataSchema = {
  type: 'object',
  properties: {
    attachmentId: { type: 'string' },
    size: { type: 'integer' },
    data: { type: 'string', description: 'The attachment bytes, base64 (standard alphabet)' },
  },
  required: ['attachmentId', 'size', 'data'],
} as const;

export const pingSchema = {
  type: 'object',
  properties: {
    endpoint: { type: 'string' },
    emailAddress: { type: 'string' },
    messagesTotal: { type: 'integer' },
    threadsTotal: { type: 'integer' },
    historyId: { type: 'string' },
  },
} as const;

export const batchModifyResultSchema = {
  type: 'object',
  properties: {
    ids: { type: 'array', items: { type: 'string' } },
    addLabelIds: { type: 'array', items: { type: 'string' } },
    removeLabelIds: { type: 'array', items: { type: 'string' } },
  },
} as const;

const addresses = {
  anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  description: 'One address, a comma-separated list, or an array',
} as const;

export const outgoingMessageSchema = {
  type: 'object',
  description:
    "JSON, or multipart/form-data: a body part holding these fields as JSON (Cloud Elements' form), or the fields as text parts, and any number of file parts as attachments.",
  properties: {
    to: addresses,
    cc: addresses,
    bcc: addresses,
    subject: { type: 'string' },
    body: { type: 'string', description: 'Plain-text body' },
    html: { type: 'string', description: 'HTML body' },
    threadId: { type: 'string', description: 'Thread to reply in' },
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

export const labelChangesSchema = {
  type: 'object',
  properties: { addLabelIds: { type: 'array', items: { type: 'string' } }, removeLabelIds: { type: 'array', items: { type: 'string' } } },
} as const;

export const batchModifySchema = {
  type: 'object',
  properties: { ids: { type: 'array', items: { type: 'string' }, maxItems: 1000 }, ...labelChangesSchema.properties },
  required: ['ids'],
} as const;

export const importMessageSchema = {
  type: 'object',
  description:
    'The fields of POST /messages (recipients optional, plus from), or raw: an RFC 822 message, base64 or base64url. Optional labelIds (Gmail applies none by default) and threadId. Also as multipart/form-data: a body part holding these fields as JSON, and file parts as attachments.',
  properties: {
    ...outgoingMessageSchema.properties,
    from: { type: 'string', description: "From header of a composed message; default the instance's address" },
    raw: { type: 'string', description: 'A complete RFC 822 message, base64 or base64url, instead of the composed fields' },
    labelIds: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const labelBodySchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    messageListVisibility: { type: 'string', enum: ['show', 'hide'] },
    labelListVisibility: { type: 'string', enum: ['labelShow', 'labelShowIfUnread', 'labelHide'] },
    color: { type: 'object', properties: { textColor: { type: 'string' }, backgroundColor: { type: 'string' } } },
  },
} as const;

const where = {
  type: 'string',
  description: "CEQL: conditions joined by AND, e.g. q='from:bob subject:invoice' AND labelIds='INBOX'",
} as const;
const pageSize = { type: 'integer', minimum: 1, maximum: 500, default: 100 } as const;
const nextPage = { type: 'string', description: 'The Elements-Next-Page-Token of the previous page' } as const;
const includeBody = { type: 'boolean', default: false, description: 'Add body {text, html} and attachments (reads format full)' } as const;
const format = {
  type: 'string',
  enum: ['full', 'metadata', 'minimal', 'raw'],
  description: "Gmail's format of each message: default full for one message, thread or draft, metadata for listings",
} as const;
const threadFormat = { ...format, enum: ['full', 'metadata', 'minimal'] } as const;

export const listQuerySchema = { type: 'object', properties: { where, pageSize, nextPage, includeBody, format } } as const;
export const includeBodyQuerySchema = { type: 'object', properties: { includeBody, format } } as const;
export const threadQuerySchema = { type: 'object', properties: { includeBody, format: threadFormat } } as const;
export const threadListQuerySchema = { type: 'object', properties: { where, pageSize, nextPage } } as const;
export const importQuerySchema = {
  type: 'object',
  properties: {
    internalDateSource: { type: 'string', enum: ['dateHeader', 'receivedTime'], description: "Gmail's internalDate from the Date header (default) or the time of import" },
    neverMarkSpam: { type: 'boolean', description: "Keep Gmail's spam classifier from marking the message as spam" },
  },
} as const;
export const changedMessagesQuerySchema = {
  type: 'object',
  properties: {
    cursor: { type: 'string', description: 'The Elements-Next-Cursor of the previous call; absent for the baseline' },
    pageSize: { type: 'integer', minimum: 1, maximum: 500, default: 100, description: 'History records per page' },
    where: { type: 'string', description: "CEQL: only labelId='…' (changes touching one label)" },
  },
} as const;
