// Typed Gmail API v1 calls over a ProviderSession, one method per Gmail method used by the hub. Each
// comment names the method's quota cost in units, because the change feed's budget is part of its contract.

import type { ProviderOperation, ProviderQuery, ProviderSession } from '../../../hubs/index.ts';
import { sendSessionBatch } from '../batch/providerBatch.ts';
import type {
  GmailAttachment,
  GmailDraft,
  GmailHistoryList,
  GmailLabel,
  GmailListDrafts,
  GmailListMessages,
  GmailListThreads,
  GmailMessage,
  GmailMessageFormat,
  GmailMessageRef,
  GmailProfile,
  GmailThread,
} from './gmailTypes.ts';

/** The headers a normalized message shows; metadata reads ask for these only. */
export const METADATA_HEADERS = ['From', 'To', 'Cc', 'Subject', 'Date'] as const;

export interface ListParams {
  q?: string;
  labelIds?: string[];
  includeSpamTrash?: boolean;
  maxResults: number;
  pageToken?: string;
}

/** Gmail methods by Google's name with their quota cost in units (Google's published table), for metrics. */
export const GMAIL_METHODS = {
  getProfile: { name: 'users.getProfile', units: 1 },
  historyList: { name: 'users.history.list', units: 2 },
  messagesList: { name: 'users.messages.list', units: 5 },
  messagesGet: { name: 'users.messages.get', units: 5 },
  messagesSend: { name: 'users.messages.send', units: 100 },
  messagesImport: { name: 'users.messages.import', units: 25 },
  messagesModify: { name: 'users.messages.modify', units: 5 },
  messagesTrash: { name: 'users.messages.trash', units: 5 },
  messagesUntrash: { name: 'users.messages.untrash', units: 5 },
  messagesDelete: { name: 'users.messages.delete', units: 10 },
  messagesBatchModify: { name: 'users.messages.batchModify', units: 50 },
  attachmentsGet: { name: 'users.messages.attachments.get', units: 5 },
  threadsList: { name: 'users.threads.list', units: 10 },
  threadsGet: { name: 'users.threads.get', units: 10 },
  threadsModify: { name: 'users.threads.modify', units: 10 },
  threadsTrash: { name: 'users.threads.trash', units: 10 },
  threadsUntrash: { name: 'users.threads.untrash', units: 10 },
  threadsDelete: { name: 'users.threads.delete', units: 20 },
  labelsList: { name: 'users.labels.list', units: 1 },
  labelsGet: { name: 'users.labels.get', units: 1 },
  labelsCreate: { name: 'users.labels.create', units: 5 },
  labelsPatch: { name: 'users.labels.patch', units: 5 },
  labelsUpdate: { name: 'users.labels.update', units: 5 },
  labelsDelete: { name: 'users.labels.delete', units: 5 },
  draftsList: { name: 'users.drafts.list', units: 5 },
  draftsGet: { name: 'users.drafts.get', units: 5 },
  draftsCreate: { name: 'users.drafts.create', units: 10 },
  draftsUpdate: { name: 'users.drafts.update', units: 15 },
  draftsDelete: { name: 'users.drafts.delete', units: 10 },
  draftsSend: { name: 'users.drafts.send', units: 100 },
} as const satisfies Record<string, ProviderOperation>;

const M = GMAIL_METHODS;
const USER = '/users/me';
const NOT_FOUND = new Set([404]);

function seg(id: string): string {
  return encodeURIComponent(id);
}

function formatQuery(format: GmailMessageFormat): ProviderQuery {
  return format === 'metadata' ? { format, metadataHeaders: METADATA_HEADERS } : { format };
}

function listQuery(params: ListParams): ProviderQuery {
  return {
    q: params.q,
    labelIds: params.labelIds,
    includeSpamTrash: params.includeSpamTrash,
    maxResults: params.maxResults,
    pageToken: params.pageToken,
  };
}

export class GmailApi {
  constructor(private readonly session: ProviderSession) {}

  /** users.getProfile: 1 unit. */
  profile(): Promise<GmailProfile> {
    return this.session.json('GET', `${USER}/profile`, { operation: M.getProfile });
  }

  /** users.history.list: 2 units. */
  history(params: { startHistoryId: string; pageToken?: string; maxResults: number; labelId?: string }): Promise<GmailHistoryList> {
    return this.session.json('GET', `${USER}/history`, { operation: M.historyList, query: { ...params } });
  }

  /** users.messages.list: 5 units. */
  listMessages(params: ListParams): Promise<GmailListMessages> {
    return this.session.json('GET', `${USER}/messages`, { operation: M.messagesList, query: listQuery(params) });
  }

  /** users.messages.get: 5 units. */
  message(id: string, format: GmailMessageFormat): Promise<GmailMessage> {
    return this.session.json('GET', `${USER}/messages/${seg(id)}`, { operation: M.messagesGet, query: formatQuery(format) });
  }

  /** users.messages.get through the batch endpoint: 5 units each; undefined for messages gone meanwhile. */
  async messages(ids: readonly string[], format: GmailMessageFormat): Promise<(GmailMessage | undefined)[]> {
    if (ids.length === 0) return [];
    const results = await sendSessionBatch(
      this.session,
      ids.map((id) => ({ method: 'GET', path: `${USER}/messages/${seg(id)}`, query: formatQuery(format), operation: M.messagesGet })),
      NOT_FOUND,
    );
    return results.map((result) => (result.status === 404 ? undefined : (result.body as GmailMessage)));
  }

  /** users.messages.send: 100 units. Not repeated after an ambiguous failure: it could send twice. */
  send(raw: string, threadId?: string): Promise<GmailMessageRef> {
    return this.session.json('POST', `${USER}/messages/send`, { operation: M.messagesSend, json: { raw, ...(threadId ? { threadId } : {}) }, idempotent: false });
  }

  /**
   * users.messages.import: 25 units. Not repeated after an ambiguous failure: a second import would be
   * a second copy of the message.
   */
  importMessage(
    message: { raw: string; labelIds?: string[]; threadId?: string },
    options: { internalDateSource?: 'dateHeader' | 'receivedTime'; neverMarkSpam?: boolean },
  ): Promise<GmailMessageRef> {
    return this.session.json('POST', `${USER}/messages/import`, {
      operation: M.messagesImport,
      query: { internalDateSource: options.internalDateSource, neverMarkSpam: options.neverMarkSpam },
      json: message,
      idempotent: false,
    });
  }

  /** users.messages.modify: 5 units. Setting labels twice is harmless, so it is retried like a read. */
  modifyMessage(id: string, labels: { addLabelIds?: string[]; removeLabelIds?: string[] }): Promise<GmailMessageRef> {
    return this.session.json('POST', `${USER}/messages/${seg(id)}/modify`, { operation: M.messagesModify, json: labels, idempotent: true });
  }

  /** users.messages.trash / untrash: 5 units. */
  trashMessage(id: string, trash: boolean): Promise<GmailMessageRef> {
    return this.session.json('POST', `${USER}/messages/${seg(id)}/${trash ? 'trash' : 'untrash'}`, { operation: trash ? M.messagesTrash : M.messagesUntrash, idempotent: true });
  }

  /** users.messages.delete: 10 units (permanent). */
  async deleteMessage(id: string): Promise<void> {
    await this.session.send('DELETE', `${USER}/messages/${seg(id)}`, { operation: M.messagesDelete });
  }

  /** users.messages.batchModify: 50 units. */
  async batchModify(body: { ids: string[]; addLabelIds?: string[]; removeLabelIds?: string[] }): Promise<void> {
    await this.session.send('POST', `${USER}/messages/batchModify`, { operation: M.messagesBatchModify, json: body, idempotent: true });
  }

  /** users.messages.attachments.get: 5 units. */
  attachment(messageId: string, attachmentId: string): Promise<GmailAttachment> {
    return this.session.json('GET', `${USER}/messages/${seg(messageId)}/attachments/${seg(attachmentId)}`, { operation: M.attachmentsGet });
  }

  /** users.threads.list: 10 units. */
  listThreads(params: ListParams): Promise<GmailListThreads> {
    return this.session.json('GET', `${USER}/threads`, { operation: M.threadsList, query: listQuery(params) });
  }

  /** users.threads.get: 10 units. */
  thread(id: string, format: GmailMessageFormat): Promise<GmailThread> {
    return this.session.json('GET', `${USER}/threads/${seg(id)}`, { operation: M.threadsGet, query: formatQuery(format) });
  }

  /** users.threads.modify: 10 units. */
  async modifyThread(id: string, labels: { addLabelIds?: string[]; removeLabelIds?: string[] }): Promise<void> {
    await this.session.send('POST', `${USER}/threads/${seg(id)}/modify`, { operation: M.threadsModify, json: labels, idempotent: true });
  }

  /** users.threads.trash / untrash: 10 units. */
  async trashThread(id: string, trash: boolean): Promise<void> {
    await this.session.send('POST', `${USER}/threads/${seg(id)}/${trash ? 'trash' : 'untrash'}`, { operation: trash ? M.threadsTrash : M.threadsUntrash, idempotent: true });
  }

  /** users.threads.delete: 20 units. */
  async deleteThread(id: string): Promise<void> {
    await this.session.send('DELETE', `${USER}/threads/${seg(id)}`, { operation: M.threadsDelete });
  }

  /** users.labels.list: 1 unit. */
  async labels(): Promise<GmailLabel[]> {
    const answer = await this.session.json<{ labels?: GmailLabel[] }>('GET', `${USER}/labels`, { operation: M.labelsList });
    return answer.labels ?? [];
  }

  /** users.labels.get: 1 unit. */
  label(id: string): Promise<GmailLabel> {
    return this.session.json('GET', `${USER}/labels/${seg(id)}`, { operation: M.labelsGet });
  }

  /** users.labels.create: 5 units. */
  createLabel(label: Partial<GmailLabel>): Promise<GmailLabel> {
    return this.session.json('POST', `${USER}/labels`, { operation: M.labelsCreate, json: label, idempotent: false });
  }

  /** users.labels.patch (merge) or users.labels.update (replace): 5 units. */
  changeLabel(id: string, label: Partial<GmailLabel>, replace: boolean): Promise<GmailLabel> {
    return this.session.json(replace ? 'PUT' : 'PATCH', `${USER}/labels/${seg(id)}`, { operation: replace ? M.labelsUpdate : M.labelsPatch, json: replace ? { ...label, id } : label, idempotent: true });
  }

  /** users.labels.delete: 5 units. */
  async deleteLabel(id: string): Promise<void> {
    await this.session.send('DELETE', `${USER}/labels/${seg(id)}`, { operation: M.labelsDelete });
  }

  /** users.drafts.list: 5 units. */
  listDrafts(params: Omit<ListParams, 'labelIds'>): Promise<GmailListDrafts> {
    return this.session.json('GET', `${USER}/drafts`, { operation: M.draftsList, query: listQuery(params) });
  }

  /** users.drafts.get: 5 units. */
  draft(id: string, format: GmailMessageFormat): Promise<GmailDraft> {
    return this.session.json('GET', `${USER}/drafts/${seg(id)}`, { operation: M.draftsGet, query: { format } });
  }

  /** users.drafts.get through the batch endpoint: 5 units each; undefined for drafts gone meanwhile. */
  async drafts(ids: readonly string[], format: GmailMessageFormat): Promise<(GmailDraft | undefined)[]> {
    if (ids.length === 0) return [];
    const results = await sendSessionBatch(
      this.session,
      ids.map((id) => ({ method: 'GET', path: `${USER}/drafts/${seg(id)}`, query: { format }, operation: M.draftsGet })),
      NOT_FOUND,
    );
    return results.map((result) => (result.status === 404 ? undefined : (result.body as GmailDraft)));
  }

  /** users.drafts.create: 10 units. */
  createDraft(raw: string, threadId?: string): Promise<GmailDraft> {
    return this.session.json('POST', `${USER}/drafts`, { operation: M.draftsCreate, json: { message: { raw, ...(threadId ? { threadId } : {}) } }, idempotent: false });
  }

  /** users.drafts.update: 15 units. */
  updateDraft(id: string, raw: string, threadId?: string): Promise<GmailDraft> {
    return this.session.json('PUT', `${USER}/drafts/${seg(id)}`, { operation: M.draftsUpdate, json: { id, message: { raw, ...(threadId ? { threadId } : {}) } } });
  }

  /** users.drafts.delete: 10 units. */
  async deleteDraft(id: string): Promise<void> {
    await this.session.send('DELETE', `${USER}/drafts/${seg(id)}`, { operation: M.draftsDelete });
  }

  /** users.drafts.send: 100 units. */
  sendDraft(id: string): Promise<GmailMessageRef> {
    return this.session.json('POST', `${USER}/drafts/send`, { operation: M.draftsSend, json: { id }, idempotent: false });
  }
}
