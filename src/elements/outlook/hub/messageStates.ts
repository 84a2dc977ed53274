// GET /message-states: every message of the watched folders (or of those `folders` names) with the fields the poller compares when
// Graph no longer keeps the change feed's delta state (STATE_FIELDS: folder, read state, flag,
// categories, changeKey). One listing per folder, 1000 messages a page, ids and those fields only: a
// 10 000-message mailbox costs some 15 requests.

import { ProviderError } from '../../../errors/index.ts';
import { ok, SnapshotTooLarge, type HubOperation } from '../../../hubs/index.ts';
import { GRAPH_METHODS, GraphApi, type GraphPage } from './graphApi.ts';
import { messageState, STATE_FIELDS } from './messageShape.ts';
import { messageStateSchema, messageStatesQuerySchema } from './outlookSchemas.ts';
import { requestedFolders, WATCHED_FOLDERS } from './watchedFolders.ts';

const PAGE = 1000;
/** Beyond this the snapshot is refused rather than held in memory. */
export const MAX_SNAPSHOT_MESSAGES = 1_000_000;

async function folderPages(graph: GraphApi, folder: string, visit: (page: GraphPage) => void): Promise<void> {
  let page: GraphPage;
  try {
    page = await graph.listMessages({ select: ['id', ...STATE_FIELDS], top: PAGE }, folder);
  } catch (error) {
    // As in the change feed: a mailbox without this well-known folder has nothing in it to watch.
    if (error instanceof ProviderError && error.details.providerStatus === 404) return;
    throw error;
  }
  visit(page);
  while (page['@odata.nextLink'] !== undefined) {
    page = await graph.nextPage(graph.pathOf(page['@odata.nextLink']), GRAPH_METHODS.folderMessageList);
    visit(page);
  }
}

export const messageStatesOperation: HubOperation = {
  method: 'GET',
  path: '/message-states',
  tag: 'message-states',
  summary: `Every message of the watched folders (${WATCHED_FOLDERS.join(', ')}, or those named in folders) with ${STATE_FIELDS.join(', ')}: what the poller compares after the change feed's delta state expired`,
  schema: { querystring: messageStatesQuerySchema, response: { type: 'array', items: messageStateSchema } },
  async handle({ provider, query }) {
    const graph = new GraphApi(provider);
    const states = new Map<string, Record<string, unknown> & { id: string }>();
    for (const folder of requestedFolders(query) ?? WATCHED_FOLDERS) {
      await folderPages(graph, folder, (page) => {
        for (const message of page.value) {
          if (states.size >= MAX_SNAPSHOT_MESSAGES) throw new SnapshotTooLarge(`the watched folders hold more than ${MAX_SNAPSHOT_MESSAGES} messages; message-states refuses them`);
          states.set(message.id, messageState(message));
        }
      });
    }
    return ok([...states.values()]);
  },
};
