// users.threads.*: list, get, modify, trash, untrash, delete. A thread operation is its messages'
// operations, each recorded in history per message, as Gmail records them.

import type { FastifyInstance } from 'fastify';
import type { EmulatorState } from '../../emulatorState.ts';
import { GoogleApiError } from '../../googleErrors.ts';
import { checkId, registerGmailMethod } from '../apiRoute.ts';
import { listQueryFrom } from '../listParameters.ts';
import type { Mailbox, ThreadRecord } from '../mailboxStore.ts';
import { renderThread, threadLabelsView, threadStub } from '../messageFormats.ts';
import { encodeListToken } from '../pageTokens.ts';
import { labelChanges, readableFormat } from './messages.ts';

const BASE = '/gmail/v1/users/:userId/threads';

export function registerThreadRoutes(app: FastifyInstance, state: EmulatorState): void {
  registerGmailMethod(app, state, {
    id: 'gmail.users.threads.list',
    httpMethod: 'GET',
    path: BASE,
    cost: 10,
    handle(call) {
      const page = call.mailbox.listThreads(listQueryFrom(call, 'threads', { labels: true }));
      const out: Record<string, unknown> = {};
      if (page.items.length > 0) out.threads = page.items.map(threadStub);
      if (page.next !== undefined) out.nextPageToken = encodeListToken('threads', page.next);
      out.resultSizeEstimate = page.estimate;
      return out;
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.threads.get',
    httpMethod: 'GET',
    path: `${BASE}/:id`,
    cost: 10,
    handle(call) {
      const thread = findThread(call.mailbox, call.params.id);
      const format = readableFormat(call, ['minimal', 'metadata', 'full']);
      return renderThread(thread, format, call.query.list('metadataHeaders'));
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.threads.modify',
    httpMethod: 'POST',
    path: `${BASE}/:id/modify`,
    cost: 10,
    handle(call) {
      const thread = findThread(call.mailbox, call.params.id);
      const { add, remove } = labelChanges(call, false);
      for (const message of [...thread.messages]) call.mailbox.changeLabels(message, add, remove);
      return threadLabelsView(thread);
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.threads.trash',
    httpMethod: 'POST',
    path: `${BASE}/:id/trash`,
    cost: 10,
    handle(call) {
      const thread = findThread(call.mailbox, call.params.id);
      for (const message of [...thread.messages]) call.mailbox.trash(message);
      return threadLabelsView(thread);
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.threads.untrash',
    httpMethod: 'POST',
    path: `${BASE}/:id/untrash`,
    cost: 10,
    handle(call) {
      const thread = findThread(call.mailbox, call.params.id);
      for (const message of [...thread.messages]) call.mailbox.untrash(message);
      return threadLabelsView(thread);
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.threads.delete',
    httpMethod: 'DELETE',
    path: `${BASE}/:id`,
    cost: 20,
    handle(call) {
      const thread = findThread(call.mailbox, call.params.id);
      for (const message of [...thread.messages]) call.mailbox.deleteMessage(message);
      return undefined;
    },
  });
}

function findThread(mailbox: Mailbox, id: string | undefined): ThreadRecord {
  const thread = mailbox.getThread(checkId(id));
  if (thread === undefined) throw GoogleApiError.notFound();
  return thread;
}
