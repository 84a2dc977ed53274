// /folders: the mailbox's top-level mail folders, and the messages of one folder (by id or by a
// well-known name such as inbox), paged and filtered as /messages.

import { ok, type HubOperation } from '../../../hubs/index.ts';
import { GRAPH_METHODS, GraphApi } from './graphApi.ts';
import { listPage, listRequest, pageHeaders } from './listQuery.ts';
import { hubMessage, withoutAnnotations } from './messageShape.ts';
import { folderListQuerySchema, folderSchema, listQuerySchema, messageSchema } from './outlookSchemas.ts';

const tag = 'folders';

export const folderOperations: readonly HubOperation[] = [
  {
    method: 'GET',
    path: '/folders',
    tag,
    summary: "The mailbox's top-level mail folders; next page token in Elements-Next-Page-Token",
    schema: { querystring: folderListQuerySchema, response: { type: 'array', items: folderSchema } },
    async handle(context) {
      const graph = new GraphApi(context.provider);
      const nextPage = context.query.nonEmpty('nextPage');
      const top = context.query.integer('pageSize', { min: 1, max: 1000, fallback: 100 });
      const page = nextPage !== undefined ? await graph.nextPage(Buffer.from(nextPage, 'base64url').toString('utf8'), GRAPH_METHODS.folderList) : await graph.folders({ top });
      return ok(page.value.map((folder) => withoutAnnotations(folder)), pageHeaders(graph, page));
    },
  },
  {
    method: 'GET',
    path: '/folders/:id/messages',
    tag,
    summary: "A folder's messages (the folder by id, or a well-known name: inbox, sentitems, drafts, deleteditems, archive, junkemail…), paged and filtered as GET /messages",
    schema: { querystring: listQuerySchema, response: { type: 'array', items: messageSchema } },
    async handle(context) {
      const graph = new GraphApi(context.provider);
      const folderId = context.params.id as string;
      const page = await listPage(graph, listRequest(context.query), (params) => graph.listMessages(params, folderId));
      return ok(page.value.map(hubMessage), pageHeaders(graph, page));
    },
  },
];
