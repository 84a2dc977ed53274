// users.labels.*: list (no counts, as Gmail), get (with counts), create, update, patch, delete.

import type { FastifyInstance } from 'fastify';
import type { EmulatorState } from '../../emulatorState.ts';
import { GoogleApiError } from '../../googleErrors.ts';
import { jsonObjectBody, registerGmailMethod, type GmailCall } from '../apiRoute.ts';
import type { LabelRecord } from '../labelBook.ts';
import { renderLabel } from '../messageFormats.ts';

const BASE = '/gmail/v1/users/:userId/labels';

export function registerLabelRoutes(app: FastifyInstance, state: EmulatorState): void {
  registerGmailMethod(app, state, {
    id: 'gmail.users.labels.list',
    httpMethod: 'GET',
    path: BASE,
    cost: 1,
    handle(call) {
      return { labels: call.mailbox.labels.list().map((l) => renderLabel(l)) };
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.labels.get',
    httpMethod: 'GET',
    path: `${BASE}/:id`,
    cost: 1,
    handle(call) {
      const label = findLabel(call);
      return renderLabel(label, call.mailbox.labelCounts(label.id));
    },
  });

  registerGmailMethod(app, state, {
    id: 'gmail.users.labels.create',
    httpMethod: 'POST',
    path: BASE,
    cost: 5,
    handle(call) {
      return renderLabel(call.mailbox.labels.create(jsonObjectBody(call)));
    },
  });

  for (const [id, httpMethod, mode] of [
    ['gmail.users.labels.update', 'PUT', 'update'],
    ['gmail.users.labels.patch', 'PATCH', 'patch'],
  ] as const) {
    registerGmailMethod(app, state, {
      id,
      httpMethod,
      path: `${BASE}/:id`,
      cost: 5,
      handle(call) {
        const label = findLabel(call);
        const changed = call.mailbox.labels.change(label.id, jsonObjectBody(call), mode);
        return renderLabel(changed);
      },
    });
  }

  registerGmailMethod(app, state, {
    id: 'gmail.users.labels.delete',
    httpMethod: 'DELETE',
    path: `${BASE}/:id`,
    cost: 5,
    handle(call) {
      call.mailbox.deleteLabel(findLabel(call).id);
      return undefined;
    },
  });
}

function findLabel(call: GmailCall): LabelRecord {
  const label = call.mailbox.labels.get(call.params.id ?? '');
  if (label === undefined) throw GoogleApiError.notFound();
  return label;
}
