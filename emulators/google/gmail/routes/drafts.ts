// users.drafts.*: list, get, create, update, delete, send. A draft is a message labelled DRAFT plus a
// draft id; update replaces the message (new message id), send turns it into a SENT message.

import type { FastifyInstance } from 'fastify';
import type { EmulatorState } from '../../emulatorState.ts';
import { GoogleApiError } from '../../googleErrors.ts';
import { jsonObjectBody, registerGmailMethod, type GmailCall } from '../apiRoute.ts';
import { listQueryFrom } from '../listParameters.ts';
import { completeSend, recipientsOf } from '../mailDelivery.ts';
import type { DraftRecord, Mailbox } from '../mailboxStore.ts';
import { messageStub, renderMessage } from '../messageFormats.ts';
import { readUploadedMessage, requestedThreadId } from '../messageUpload.ts';
import { encodeListToken } from '../pageTokens.ts';
import { readableFormat } from './messages.ts';

const BASE = '/gmail/v1/users/:userId/drafts';

export function registerDraftRoutes(app: FastifyInstance, state: EmulatorState): void {
  registerGmailMethod(app, state, {
    id: 'gmail.users.drafts.list',
    httpMethod: 'GET',
    path: BASE,
    cost: 5,
    handle(call) {
      const page = call.mailbox.listDrafts(listQueryFrom(call, 'drafts', { labels: false }));
      const out: Record<string, unknown> = {};
      if (page.items.length > 0) out.drafts = page.items.map((d) => ({ id: d.id, message: messageStub(d.message) }));
      if (page.next !== undefined) out.nextPageToken = encodeListToken('drafts', page.next);
      out.resultSizeEstimate = page.estimate;
      return out;
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.drafts.get',
    httpMethod: 'GET',
    path: `${BASE}/:id`,
    cost: 5,
    handle(call) {
      const draft = findDraft(call.mailbox, call.params.id);
      const format = readableFormat(call, ['minimal', 'metadata', 'full', 'raw']);
      return { id: draft.id, message: renderMessage(draft.message, format, call.query.list('metadataHeaders')) };
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.drafts.create',
    httpMethod: 'POST',
    path: BASE,
    upload: true,
    cost: 10,
    handle(call) {
      const upload = readUploadedMessage(call, 'draft');
      const threadId = requestedThreadId(upload.fields);
      const draft = call.mailbox.createDraft({ raw: upload.raw, parsed: upload.parsed, ...(threadId !== undefined ? { threadId } : {}) });
      return renderDraft(draft);
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.drafts.update',
    httpMethod: 'PUT',
    path: `${BASE}/:id`,
    upload: true,
    cost: 15,
    handle(call) {
      const draft = findDraft(call.mailbox, call.params.id);
      const upload = readUploadedMessage(call, 'draft');
      const threadId = requestedThreadId(upload.fields);
      call.mailbox.updateDraft(draft, { raw: upload.raw, parsed: upload.parsed, ...(threadId !== undefined ? { threadId } : {}) });
      return renderDraft(draft);
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.drafts.delete',
    httpMethod: 'DELETE',
    path: `${BASE}/:id`,
    cost: 10,
    handle(call) {
      call.mailbox.deleteDraft(findDraft(call.mailbox, call.params.id));
      return undefined;
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.drafts.send',
    httpMethod: 'POST',
    path: `${BASE}/send`,
    upload: true,
    cost: 100,
    handle(call) {
      const { draft, upload } = draftToSend(call);
      if (upload !== undefined) {
        const threadId = requestedThreadId(upload.fields);
        call.mailbox.updateDraft(draft, { raw: upload.raw, parsed: upload.parsed, ...(threadId !== undefined ? { threadId } : {}) });
      }
      if (recipientsOf(draft.message.parsed).length === 0) throw GoogleApiError.invalidArgument('Recipient address required');
      const message = call.mailbox.sendDraft(draft);
      completeSend(call.state.mailboxes, call.mailbox, message, Date.now());
      return { id: message.id, threadId: message.threadId, labelIds: [...message.labelIds] };
    },
  });
}

/** drafts.send names the draft by `id` and may carry new content for it (sent as updated). */
function draftToSend(call: GmailCall): { draft: DraftRecord; upload?: ReturnType<typeof readUploadedMessage> } {
  if (call.upload) {
    const upload = readUploadedMessage(call, 'draft');
    return { draft: findDraft(call.mailbox, draftIdOf(upload.resource)), upload };
  }
  const body = jsonObjectBody(call);
  const draft = findDraft(call.mailbox, draftIdOf(body));
  const message = body.message;
  const hasContent = typeof message === 'object' && message !== null && typeof (message as { raw?: unknown }).raw === 'string';
  return hasContent ? { draft, upload: readUploadedMessage(call, 'draft') } : { draft };
}

function draftIdOf(resource: Record<string, unknown>): string {
  const id = resource.id;
  if (typeof id !== 'string' || id === '') throw GoogleApiError.invalidArgument('Invalid draft');
  return id;
}

function findDraft(mailbox: Mailbox, id: string | undefined): DraftRecord {
  const draft = id === undefined ? undefined : mailbox.getDraft(id);
  if (draft === undefined) throw GoogleApiError.notFound();
  return draft;
}

function renderDraft(draft: DraftRecord): { id: string; message: { id: string; threadId: string; labelIds: string[] } } {
  return { id: draft.id, message: { ...messageStub(draft.message), labelIds: [...draft.message.labelIds] } };
}
