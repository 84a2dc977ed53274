// GET /message-states: every message of the mailbox (spam and trash included) with its labels, the
// state the poller compares when Gmail's history has expired. Gmail's messages.list gives ids only, so
// the labels come from listing each label's messages: one labels.list (1 unit), then messages.list
// (5 units per page of 500) over the whole mailbox and over each label. A 10 000-message mailbox with
// its messages in about three labels each costs some 100 list pages (≈ 500 units, two seconds of the
// per-user quota); reading each message instead would cost 50 000 units.

import { ok, SnapshotTooLarge, type HubOperation } from '../../../hubs/index.ts';
import { GmailApi, type ListParams } from './gmailApi.ts';
import { messageStateSchema } from './gmailSchemas.ts';

export interface MessageState {
  id: string;
  threadId: string;
  /** Sorted, so equal label sets compare equal. */
  labelIds: string[];
}

const PAGE = 500;
/** Beyond this the snapshot is refused rather than held in memory: about 60 MB of ids and labels. */
export const MAX_SNAPSHOT_MESSAGES = 1_000_000;

async function listIds(gmail: GmailApi, params: Omit<ListParams, 'maxResults' | 'pageToken'>, visit: (id: string, threadId: string) => void): Promise<void> {
  let pageToken: string | undefined;
  do {
    const page = await gmail.listMessages({ ...params, includeSpamTrash: true, maxResults: PAGE, ...(pageToken ? { pageToken } : {}) });
    for (const message of page.messages ?? []) visit(message.id, message.threadId);
    pageToken = page.nextPageToken;
  } while (pageToken);
}

export const messageStatesOperation: HubOperation = {
  method: 'GET',
  path: '/message-states',
  tag: 'message-states',
  summary: 'Every message with its sorted labelIds (ids and labels only, spam and trash included); what the poller compares after Gmail history expired',
  schema: { response: { type: 'array', items: messageStateSchema } },
  async handle({ provider }) {
    const gmail = new GmailApi(provider);
    const labels = await gmail.labels();
    const states = new Map<string, MessageState>();
    await listIds(gmail, {}, (id, threadId) => {
      if (states.size >= MAX_SNAPSHOT_MESSAGES) throw new SnapshotTooLarge(`the mailbox holds more than ${MAX_SNAPSHOT_MESSAGES} messages; message-states refuses it`);
      states.set(id, { id, threadId, labelIds: [] });
    });
    for (const label of labels) {
      await listIds(gmail, { labelIds: [label.id] }, (id) => states.get(id)?.labelIds.push(label.id));
    }
    const records = [...states.values()];
    for (const record of records) record.labelIds.sort();
    return ok(records);
  },
};
