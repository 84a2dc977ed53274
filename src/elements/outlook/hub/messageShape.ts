// The hub's shape of Graph's mail objects: Graph's message (and folder, attachment) resource as Graph
// names its fields, without the OData annotations (`@odata.etag`, `@odata.type`…), which are Graph's
// protocol rather than the message. The fields read for listings and for the change feed are chosen
// here, once, so that a change feed record and a message-states record of the same message hold the
// same values for the fields the poller compares.

/** What a listing and a change feed record carry (no body: GET /messages/{id} has it). */
export const MESSAGE_FIELDS = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
] as const;

/**
 * What the poller compares for a message when the change feed's delta state expired: its folder, its
 * read state, flag and categories, and Graph's changeKey, which changes with any other change.
 */
export const STATE_FIELDS = ['parentFolderId', 'isRead', 'flag', 'categories', 'changeKey'] as const;

export type HubMessage = Record<string, unknown> & { id: string };

/** A Graph object without its OData annotations. */
export function withoutAnnotations<T extends Record<string, unknown>>(object: T): T {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (!key.startsWith('@odata.') && !key.startsWith('@microsoft.graph.')) clean[key] = value;
  return clean as T;
}

/** A message as the hub answers it. */
export function hubMessage(message: Record<string, unknown> & { id: string }): HubMessage {
  return withoutAnnotations(message);
}

/** A message's state as message-states answers it: the compared fields, absent ones as null. */
export function messageState(message: Record<string, unknown> & { id: string }): Record<string, unknown> & { id: string } {
  const state: Record<string, unknown> & { id: string } = { id: message.id };
  for (const field of STATE_FIELDS) state[field] = message[field] ?? null;
  return state;
}
