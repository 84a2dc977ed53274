// /threads: list (CEQL where, paging), get with its messages, change labels, trash, untrash, delete.

import { ok, type HubOperation, type HubOperationContext } from '../../../hubs/index.ts';
import { GmailApi } from './gmailApi.ts';
import { labelChangesSchema, threadListQuerySchema, threadQuerySchema, threadSchema } from './gmailSchemas.ts';
import { listParams, pageHeaders } from './listPaging.ts';
import { messageRead, THREAD_FORMATS, type MessageRead } from './messageFormat.ts';
import { normalizeThread, type HubThread } from './messageShape.ts';
import { labelChanges } from './requestBodies.ts';

const tag = 'threads';

/** The thread with its messages as Gmail's resources (format full unless `read` says otherwise). */
async function readThread(context: HubOperationContext, read: MessageRead = { format: 'full', includeBody: false }): Promise<HubThread> {
  const thread = await new GmailApi(context.provider).thread(context.params.id as string, read.format);
  return normalizeThread(thread, { includeMessages: true, includeBody: read.includeBody });
}

export const threadOperations: readonly HubOperation[] = [
  {
    method: 'GET',
    path: '/threads',
    tag,
    summary: 'List threads (id, snippet, historyId); GET /threads/{id} has their messages',
    schema: { querystring: threadListQuerySchema, response: { type: 'array', items: threadSchema } },
    async handle(context) {
      const page = await new GmailApi(context.provider).listThreads(listParams(context.query));
      const threads = (page.threads ?? []).map((thread) => normalizeThread(thread, { includeMessages: false, includeBody: false }));
      return ok(threads, pageHeaders(page.nextPageToken));
    },
  },
  {
    method: 'GET',
    path: '/threads/:id',
    tag,
    summary: "Get a thread with its messages as Gmail's resources (format full by default); includeBody=true adds bodies and attachments",
    schema: { querystring: threadQuerySchema, response: threadSchema },
    handle: async (context) => ok(await readThread(context, messageRead(context.query, { fallback: 'full', allowed: THREAD_FORMATS }))),
  },
  {
    method: 'PATCH',
    path: '/threads/:id',
    tag,
    summary: "Add and remove labels on all of a thread's messages: {addLabelIds, removeLabelIds}",
    schema: { body: labelChangesSchema, response: threadSchema },
    async handle(context) {
      await new GmailApi(context.provider).modifyThread(context.params.id as string, labelChanges(context.request.body));
      return ok(await readThread(context));
    },
  },
  {
    method: 'DELETE',
    path: '/threads/:id',
    tag,
    summary: 'Delete a thread and its messages permanently',
    schema: { response: { type: 'object', additionalProperties: true } },
    async handle(context) {
      await new GmailApi(context.provider).deleteThread(context.params.id as string);
      return ok({});
    },
  },
  {
    method: 'POST',
    path: '/threads/:id/trash',
    tag,
    summary: 'Move a thread to the trash',
    schema: { response: threadSchema },
    async handle(context) {
      await new GmailApi(context.provider).trashThread(context.params.id as string, true);
      return ok(await readThread(context));
    },
  },
  {
    method: 'POST',
    path: '/threads/:id/untrash',
    tag,
    summary: 'Take a thread out of the trash',
    schema: { response: threadSchema },
    async handle(context) {
      await new GmailApi(context.provider).trashThread(context.params.id as string, false);
      return ok(await readThread(context));
    },
  },
];
