// /messages: list (CEQL where, paging), get (with its body), change (read state, flag, categories,
// importance), delete, send (Graph's sendMail), move to a folder, and list a message's attachments.
// Messages are Graph's message resource without OData annotations (messageShape.ts).

import { ok, type HubOperation, type HubOperationContext } from '../../../hubs/index.ts';
import { GraphApi } from './graphApi.ts';
import { listPage, listRequest, pageHeaders } from './listQuery.ts';
import { hubMessage, withoutAnnotations } from './messageShape.ts';
import { attachmentSchema, listQuerySchema, messageChangesSchema, messageSchema, moveSchema, outgoingMessageSchema, sentMessageSchema } from './outlookSchemas.ts';
import { messageChanges, moveDestination, outgoingMessage } from './requestBodies.ts';

const tag = 'messages';
const deletedSchema = { type: 'object', additionalProperties: true } as const;

function id(context: HubOperationContext): string {
  return context.params.id as string;
}

export const messageOperations: readonly HubOperation[] = [
  {
    method: 'GET',
    path: '/messages',
    tag,
    summary: "List the mailbox's messages, newest first (no body: GET /messages/{id} has it); where=receivedDateTime >= '…' AND isRead = false; next page token in Elements-Next-Page-Token",
    schema: { querystring: listQuerySchema, response: { type: 'array', items: messageSchema } },
    async handle(context) {
      const graph = new GraphApi(context.provider);
      const page = await listPage(graph, listRequest(context.query), (params) => graph.listMessages(params));
      return ok(page.value.map(hubMessage), pageHeaders(graph, page));
    },
  },
  {
    method: 'GET',
    path: '/messages/:id',
    tag,
    summary: 'Get a message, with its body',
    schema: { response: messageSchema },
    handle: async (context) => ok(hubMessage(await new GraphApi(context.provider).message(id(context)))),
  },
  {
    method: 'PATCH',
    path: '/messages/:id',
    tag,
    summary: 'Change a message: {isRead, flag: {flagStatus}, categories, importance, subject}',
    schema: { body: messageChangesSchema, response: messageSchema },
    handle: async (context) => ok(hubMessage(await new GraphApi(context.provider).updateMessage(id(context), messageChanges(context.request.body)))),
  },
  {
    method: 'DELETE',
    path: '/messages/:id',
    tag,
    summary: 'Delete a message (POST /messages/{id}/move with folderId deleteditems moves it to Deleted Items instead)',
    schema: { response: deletedSchema },
    async handle(context) {
      await new GraphApi(context.provider).deleteMessage(id(context));
      return ok({});
    },
  },
  {
    method: 'POST',
    path: '/messages',
    tag,
    summary: 'Send a message: {to, cc, bcc, subject, body, html, attachments: [{filename, mimeType, data}]}; a copy is saved in Sent Items',
    schema: { body: outgoingMessageSchema, response: sentMessageSchema },
    async handle(context) {
      const message = outgoingMessage(context.request.body);
      await new GraphApi(context.provider).sendMail(message);
      const { attachments, ...shown } = message;
      const names = Array.isArray(attachments) ? attachments.map((attachment) => ({ name: (attachment as { name: string }).name })) : undefined;
      return ok({ sent: true, message: { ...shown, ...(names ? { attachments: names } : {}) } });
    },
  },
  {
    method: 'POST',
    path: '/messages/:id/move',
    tag,
    summary: 'Move a message to a folder: {folderId} (an id, or a well-known name such as archive or deleteditems); answers the message in its new folder',
    schema: { body: moveSchema, response: messageSchema },
    handle: async (context) => ok(hubMessage(await new GraphApi(context.provider).moveMessage(id(context), moveDestination(context.request.body)))),
  },
  {
    method: 'GET',
    path: '/messages/:id/attachments',
    tag,
    summary: "A message's attachments (file attachments with their content, base64)",
    schema: { response: { type: 'array', items: attachmentSchema } },
    handle: async (context) => ok((await new GraphApi(context.provider).attachments(id(context))).value.map((attachment) => withoutAnnotations(attachment))),
  },
];
