// /messages: list (CEQL where, paging), get, send (JSON, or multipart with attachments, also in Cloud
// Elements' form: the fields as JSON in a `body` part), import, change labels, delete, trash, untrash,
// read an attachment, and change labels of many messages at once (PATCH /messages/multiple, Cloud
// Elements' route, and POST /messages/batch-modify). Messages are answered as Gmail's message
// resource with the hub's flat fields alongside (messageShape.ts).

import { BadRequest } from '../../../errors/index.ts';
import { ok, type HubOperation, type HubOperationContext } from '../../../hubs/index.ts';
import { GmailApi } from './gmailApi.ts';
import {
  attachmentDataSchema,
  batchModifyResultSchema,
  batchModifySchema,
  importMessageSchema,
  importQuerySchema,
  includeBodyQuerySchema,
  labelChangesSchema,
  listQuerySchema,
  messageSchema,
  outgoingMessageSchema,
} from './gmailSchemas.ts';
import { listParams, pageHeaders } from './listPaging.ts';
import { messageRead } from './messageFormat.ts';
import { messageResource, type HubMessageResource } from './messageShape.ts';
import { composeRaw, readImportedMessage, readOutgoingMessage } from './outgoingMessage.ts';
import { labelChanges, objectBody, stringArray } from './requestBodies.ts';

const tag = 'messages';

/**
 * The largest body a message (or draft) upload may be: Gmail takes messages up to 25 MB of attachments
 * (outgoingMessage.ts), and base64 in JSON makes that about 34 MB.
 */
export const OUTGOING_MESSAGE_MAX_BODY_BYTES = 36 * 1024 * 1024;
const deletedSchema = { type: 'object', additionalProperties: true } as const;

/** One message as messages.get answers it by default (format full), or as `format`/includeBody ask. */
async function readMessage(context: HubOperationContext, id: string): Promise<HubMessageResource> {
  const { format, includeBody } = messageRead(context.query, { fallback: 'full' });
  return messageResource(await new GmailApi(context.provider).message(id, format), { includeBody });
}

/** A message after a change, read back as GET /messages/{id} answers it. */
async function readBack(gmail: GmailApi, id: string): Promise<HubMessageResource> {
  return messageResource(await gmail.message(id, 'full'), { includeBody: false });
}

function param(context: HubOperationContext, name: string): string {
  return context.params[name] as string;
}

/** users.messages.batchModify for {ids, addLabelIds, removeLabelIds}; answers what was asked. */
async function modifyMany(context: HubOperationContext): Promise<ReturnType<typeof ok>> {
  const fields = objectBody(context.request.body);
  const ids = stringArray(fields.ids, 'ids', { max: 1000 });
  if (ids.length === 0) throw new BadRequest('ids must name at least one message');
  const changes = labelChanges(fields);
  await new GmailApi(context.provider).batchModify({ ids, ...changes });
  return ok({ ids, ...changes });
}

export const messageOperations: readonly HubOperation[] = [
  {
    method: 'GET',
    path: '/messages',
    tag,
    summary: "List messages (format metadata unless format or includeBody say otherwise); where=q='<Gmail search>' AND labelIds='INBOX'; next page token in Elements-Next-Page-Token",
    schema: { querystring: listQuerySchema, response: { type: 'array', items: messageSchema } },
    async handle(context) {
      const gmail = new GmailApi(context.provider);
      const { format, includeBody } = messageRead(context.query, { fallback: 'metadata' });
      const page = await gmail.listMessages(listParams(context.query));
      const refs = page.messages ?? [];
      // One batched messages.get per listed message; those deleted since the listing are left out.
      const messages = await gmail.messages(
        refs.map((ref) => ref.id),
        format,
      );
      const body = messages.flatMap((message) => (message ? [messageResource(message, { includeBody })] : []));
      return ok(body, pageHeaders(page.nextPageToken));
    },
  },
  {
    method: 'GET',
    path: '/messages/:id',
    tag,
    summary: "Get a message: Gmail's resource (format full by default: payload.parts[n].body.attachmentId), plus the flat fields; includeBody=true adds body and attachments",
    schema: { querystring: includeBodyQuerySchema, response: messageSchema },
    handle: async (context) => ok(await readMessage(context, param(context, 'id'))),
  },
  {
    method: 'POST',
    path: '/messages',
    tag,
    summary: 'Send a message: JSON {to, cc, bcc, subject, body, html}, or multipart/form-data with a body part holding that JSON (or the fields as text parts) and file parts as attachments',
    schema: { body: outgoingMessageSchema, response: messageSchema },
    maxBodyBytes: OUTGOING_MESSAGE_MAX_BODY_BYTES,
    async handle(context) {
      const gmail = new GmailApi(context.provider);
      const outgoing = await readOutgoingMessage(context.request, { requireRecipient: true });
      const sent = await gmail.send(await composeRaw(outgoing, context.instance.provider_account ?? undefined), outgoing.threadId);
      return ok(await readBack(gmail, sent.id));
    },
  },
  {
    method: 'POST',
    path: '/messages/import',
    tag,
    summary:
      "Import a message into the mailbox without sending it (users.messages.import): the fields of POST /messages (recipients optional, plus from) or raw (RFC 822, base64), with labelIds; JSON or multipart like POST /messages",
    schema: { querystring: importQuerySchema, body: importMessageSchema, response: messageSchema },
    maxBodyBytes: OUTGOING_MESSAGE_MAX_BODY_BYTES,
    async handle(context) {
      const internalDateSource = context.query.nonEmpty('internalDateSource');
      if (internalDateSource !== undefined && internalDateSource !== 'dateHeader' && internalDateSource !== 'receivedTime') {
        throw new BadRequest(`internalDateSource must be dateHeader or receivedTime, got '${internalDateSource}'`);
      }
      const neverMarkSpam = context.query.nonEmpty('neverMarkSpam') === undefined ? undefined : context.query.boolean('neverMarkSpam', false);
      const message = await readImportedMessage(context.request, context.instance.provider_account ?? undefined);
      const gmail = new GmailApi(context.provider);
      const imported = await gmail.importMessage(
        { raw: message.raw, ...(message.labelIds.length > 0 ? { labelIds: message.labelIds } : {}), ...(message.threadId ? { threadId: message.threadId } : {}) },
        { ...(internalDateSource !== undefined ? { internalDateSource } : {}), ...(neverMarkSpam !== undefined ? { neverMarkSpam } : {}) },
      );
      return ok(await readBack(gmail, imported.id));
    },
  },
  {
    method: 'PATCH',
    path: '/messages/multiple',
    tag,
    summary: 'Add and remove labels on up to 1000 messages (users.messages.batchModify): {ids, addLabelIds, removeLabelIds}',
    schema: { body: batchModifySchema, response: batchModifyResultSchema },
    handle: modifyMany,
  },
  {
    method: 'PATCH',
    path: '/messages/:id',
    tag,
    summary: 'Add and remove labels: {addLabelIds, removeLabelIds}',
    schema: { body: labelChangesSchema, response: messageSchema },
    async handle(context) {
      const gmail = new GmailApi(context.provider);
      await gmail.modifyMessage(param(context, 'id'), labelChanges(context.request.body));
      return ok(await readBack(gmail, param(context, 'id')));
    },
  },
  {
    method: 'DELETE',
    path: '/messages/:id',
    tag,
    summary: 'Delete a message permanently (POST /messages/{id}/trash moves it to the trash instead)',
    schema: { response: deletedSchema },
    async handle(context) {
      await new GmailApi(context.provider).deleteMessage(param(context, 'id'));
      return ok({});
    },
  },
  {
    method: 'POST',
    path: '/messages/:id/trash',
    tag,
    summary: 'Move a message to the trash',
    schema: { response: messageSchema },
    async handle(context) {
      const gmail = new GmailApi(context.provider);
      await gmail.trashMessage(param(context, 'id'), true);
      return ok(await readBack(gmail, param(context, 'id')));
    },
  },
  {
    method: 'POST',
    path: '/messages/:id/untrash',
    tag,
    summary: 'Take a message out of the trash',
    schema: { response: messageSchema },
    async handle(context) {
      const gmail = new GmailApi(context.provider);
      await gmail.trashMessage(param(context, 'id'), false);
      return ok(await readBack(gmail, param(context, 'id')));
    },
  },
  {
    method: 'GET',
    path: '/messages/:id/attachments/:attachmentId',
    tag,
    summary: "An attachment's content, base64",
    schema: { response: attachmentDataSchema },
    async handle(context) {
      const attachmentId = param(context, 'attachmentId');
      const attachment = await new GmailApi(context.provider).attachment(param(context, 'id'), attachmentId);
      const bytes = Buffer.from(attachment.data ?? '', 'base64url');
      return ok({ attachmentId, size: attachment.size ?? bytes.length, data: bytes.toString('base64') });
    },
  },
  {
    method: 'POST',
    path: '/messages/batch-modify',
    tag,
    summary: 'Add and remove labels on up to 1000 messages: {ids, addLabelIds, removeLabelIds} (as PATCH /messages/multiple)',
    schema: { body: batchModifySchema, response: batchModifyResultSchema },
    handle: modifyMany,
  },
];
