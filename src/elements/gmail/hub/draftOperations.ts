// /drafts: list (q where, paging), get, create and replace (JSON or multipart with attachments),
// delete, and send.

import { ok, type HubOperation, type HubOperationContext } from '../../../hubs/index.ts';
import { GmailApi } from './gmailApi.ts';
import { draftSchema, includeBodyQuerySchema, listQuerySchema, messageSchema, outgoingMessageSchema } from './gmailSchemas.ts';
import { listParams, pageHeaders } from './listPaging.ts';
import { messageRead } from './messageFormat.ts';
import { messageResource, normalizeDraft } from './messageShape.ts';
import { OUTGOING_MESSAGE_MAX_BODY_BYTES } from './messageOperations.ts';
import { composeRaw, readOutgoingMessage } from './outgoingMessage.ts';

const tag = 'drafts';

async function composedDraft(context: HubOperationContext): Promise<{ raw: string; threadId?: string }> {
  const outgoing = await readOutgoingMessage(context.request, { requireRecipient: false });
  return { raw: await composeRaw(outgoing, context.instance.provider_account ?? undefined), ...(outgoing.threadId ? { threadId: outgoing.threadId } : {}) };
}

export const draftOperations: readonly HubOperation[] = [
  {
    method: 'GET',
    path: '/drafts',
    tag,
    summary: "List drafts with their messages; where=q='<Gmail search>'",
    schema: { querystring: listQuerySchema, response: { type: 'array', items: draftSchema } },
    async handle(context) {
      const gmail = new GmailApi(context.provider);
      const { format, includeBody } = messageRead(context.query, { fallback: 'metadata' });
      const page = await gmail.listDrafts(listParams(context.query, ['q', 'includeSpamTrash']));
      const drafts = await gmail.drafts(
        (page.drafts ?? []).map((draft) => draft.id),
        format,
      );
      const body = drafts.flatMap((draft) => (draft ? [normalizeDraft(draft, { includeBody })] : []));
      return ok(body, pageHeaders(page.nextPageToken));
    },
  },
  {
    method: 'GET',
    path: '/drafts/:id',
    tag,
    summary: "Get a draft, its message as Gmail's resource (format full by default); includeBody=true adds its body and attachments",
    schema: { querystring: includeBodyQuerySchema, response: draftSchema },
    async handle(context) {
      const { format, includeBody } = messageRead(context.query, { fallback: 'full' });
      const draft = await new GmailApi(context.provider).draft(context.params.id as string, format);
      return ok(normalizeDraft(draft, { includeBody }));
    },
  },
  {
    method: 'POST',
    path: '/drafts',
    tag,
    summary: 'Create a draft: the fields of POST /messages, recipients optional',
    schema: { body: outgoingMessageSchema, response: draftSchema },
    maxBodyBytes: OUTGOING_MESSAGE_MAX_BODY_BYTES,
    async handle(context) {
      const gmail = new GmailApi(context.provider);
      const { raw, threadId } = await composedDraft(context);
      const created = await gmail.createDraft(raw, threadId);
      return ok(normalizeDraft(await gmail.draft(created.id, 'full'), { includeBody: false }));
    },
  },
  {
    method: 'PUT',
    path: '/drafts/:id',
    tag,
    summary: "Replace a draft's message (Gmail gives it a new message id)",
    schema: { body: outgoingMessageSchema, response: draftSchema },
    maxBodyBytes: OUTGOING_MESSAGE_MAX_BODY_BYTES,
    async handle(context) {
      const gmail = new GmailApi(context.provider);
      const { raw, threadId } = await composedDraft(context);
      const updated = await gmail.updateDraft(context.params.id as string, raw, threadId);
      return ok(normalizeDraft(await gmail.draft(updated.id, 'full'), { includeBody: false }));
    },
  },
  {
    method: 'DELETE',
    path: '/drafts/:id',
    tag,
    summary: 'Delete a draft',
    schema: { response: { type: 'object', additionalProperties: true } },
    async handle(context) {
      await new GmailApi(context.provider).deleteDraft(context.params.id as string);
      return ok({});
    },
  },
  {
    method: 'POST',
    path: '/drafts/:id/send',
    tag,
    summary: 'Send a draft; answers the sent message',
    schema: { response: messageSchema },
    async handle(context) {
      const gmail = new GmailApi(context.provider);
      const sent = await gmail.sendDraft(context.params.id as string);
      return ok(messageResource(await gmail.message(sent.id, 'full'), { includeBody: false }));
    },
  },
];
