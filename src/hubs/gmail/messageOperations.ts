// /messages: list (CEQL where, paging), get, send (JSON or multipart with attachments), change labels,
// delete, trash, untrash, read an attachment, and change labels of many messages at once.

import { BadRequest } from '../../errors/index.ts';
import { ok, type HubOperation, type HubOperationContext } from '../hubOperation.ts';
import { GmailApi } from './gmailApi.ts';
import {
  attachmentDataSchema,
  batchModifyResultSchema,
  batchModifySchema,
  includeBodyQuerySchema,
  labelChangesSchema,
  listQuerySchema,
  messageSchema,
  outgoingMessageSchema,
} from './gmailSchemas.ts';
import { listParams, pageHeaders } from './listPaging.ts';
import { normalizeMessage, type HubMessage } from './messageShape.ts';
import { composeRaw, readOutgoingMessage } from './outgoingMessage.ts';
import { labelChanges, objectBody, stringArray } from './requestBodies.ts';

const tag = 'messages';
const deletedSchema = { type: 'object', additionalProperties: true } as const;

async function readMessage(context: HubOperationContext, id: string): Promise<HubMessage> {
  const includeBody = context.query.boolean('includeBody', false);
  const message = await new GmailApi(context.provider).message(id, includeBody ? 'full' : 'metadata');
  return normalizeMessage(message, { includeBody });
}

function param(context: HubOperationContext, name: string): string {
  return context.params[name] as string;
}

export const messageOperations: readonly HubOperation[] = [
  {
    method: 'GET',
    path: '/messages',
    tag,
    summary: "List messages; where=q='<Gmail search>' AND labelIds='INBOX'; next page token in Elements-Next-Page-Token",
    schema: { querystring: listQuerySchema, response: { type: 'array', items: messageSchema } },
    async handle(context) {
      const gmail = new GmailApi(context.provider);
      const includeBody = context.query.boolean('includeBody', false);
      const page = await gmail.listMessages(listParams(context.query));
      const refs = page.messages ?? [];
      // One batched messages.get per listed message; those deleted since the listing are left out.
      const messages = await gmail.messages(
        refs.map((ref) => ref.id),
        includeBody ? 'full' : 'metadata',
      );
      const body = messages.flatMap((message) => (message ? [normalizeMessage(message, { includeBody })] : []));
      return ok(body, pageHeaders(page.nextPageToken));
    },
  },
  {
    method: 'GET',
    path: '/messages/:id',
    tag,
    summary: 'Get a message; includeBody=true adds its body and attachments',
    schema: { querystring: includeBodyQuerySchema, response: messageSchema },
    handle: async (context) => ok(await readMessage(context, param(context, 'id'))),
  },
  {
    method: 'POST',
    path: '/messages',
    tag,
    summary: 'Send a message: JSON {to, cc, bcc, subject, body, html} or multipart/form-data with file parts as attachments',
    schema: { body: outgoingMessageSchema, response: messageSchema },
    acceptsUploads: true,
    async handle(context) {
      const gmail = new GmailApi(context.provider);
      const outgoing = await readOutgoingMessage(context.request, { requireRecipient: true });
      const sent = await gmail.send(await composeRaw(outgoing, context.instance.provider_account ?? undefined), outgoing.threadId);
      return ok(normalizeMessage(await gmail.message(sent.id, 'metadata'), { includeBody: false }));
    },
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
      return ok(normalizeMessage(await gmail.message(param(context, 'id'), 'metadata'), { includeBody: false }));
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
      return ok(normalizeMessage(await gmail.message(param(context, 'id'), 'metadata'), { includeBody: false }));
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
      return ok(normalizeMessage(await gmail.message(param(context, 'id'), 'metadata'), { includeBody: false }));
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
    summary: 'Add and remove labels on up to 1000 messages: {ids, addLabelIds, removeLabelIds}',
    schema: { body: batchModifySchema, response: batchModifyResultSchema },
    async handle(context) {
      const fields = objectBody(context.request.body);
      const ids = stringArray(fields.ids, 'ids', { max: 1000 });
      if (ids.length === 0) throw new BadRequest('ids must name at least one message');
      const changes = labelChanges(fields);
      await new GmailApi(context.provider).batchModify({ ids, ...changes });
      return ok({ ids, ...changes });
    },
  },
];
