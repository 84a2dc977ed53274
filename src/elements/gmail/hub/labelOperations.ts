// /labels: list, get (with counts), create, change (PATCH merges, PUT replaces), delete.

import { ok, type HubOperation } from '../../../hubs/index.ts';
import { GmailApi } from './gmailApi.ts';
import { labelBodySchema, labelSchema } from './gmailSchemas.ts';
import { normalizeLabel } from './messageShape.ts';
import { labelDefinition } from './requestBodies.ts';

const tag = 'labels';

export const labelOperations: readonly HubOperation[] = [
  {
    method: 'GET',
    path: '/labels',
    tag,
    summary: 'List system and user labels (Gmail returns them all at once)',
    schema: { response: { type: 'array', items: labelSchema } },
    handle: async (context) => ok((await new GmailApi(context.provider).labels()).map(normalizeLabel)),
  },
  {
    method: 'GET',
    path: '/labels/:id',
    tag,
    summary: 'Get a label with its message and thread counts',
    schema: { response: labelSchema },
    handle: async (context) => ok(normalizeLabel(await new GmailApi(context.provider).label(context.params.id as string))),
  },
  {
    method: 'POST',
    path: '/labels',
    tag,
    summary: 'Create a user label: {name, messageListVisibility, labelListVisibility, color}',
    schema: { body: labelBodySchema, response: labelSchema },
    handle: async (context) =>
      ok(normalizeLabel(await new GmailApi(context.provider).createLabel(labelDefinition(context.request.body, { requireName: true })))),
  },
  {
    method: 'PATCH',
    path: '/labels/:id',
    tag,
    summary: 'Change some fields of a user label',
    schema: { body: labelBodySchema, response: labelSchema },
    handle: async (context) =>
      ok(normalizeLabel(await new GmailApi(context.provider).changeLabel(context.params.id as string, labelDefinition(context.request.body, { requireName: false }), false))),
  },
  {
    method: 'PUT',
    path: '/labels/:id',
    tag,
    summary: 'Replace a user label',
    schema: { body: labelBodySchema, response: labelSchema },
    handle: async (context) =>
      ok(normalizeLabel(await new GmailApi(context.provider).changeLabel(context.params.id as string, labelDefinition(context.request.body, { requireName: true }), true))),
  },
  {
    method: 'DELETE',
    path: '/labels/:id',
    tag,
    summary: 'Delete a user label (it is removed from every message)',
    schema: { response: { type: 'object', additionalProperties: true } },
    async handle(context) {
      await new GmailApi(context.provider).deleteLabel(context.params.id as string);
      return ok({});
    },
  },
];
