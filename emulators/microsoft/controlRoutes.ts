// The control API over HTTP, under /__emulator/, with JSON bodies: the same operations as
// EmulatorControl, for tools that do not run in the emulator's process (the sandbox, shell scripts,
// a test's child process). The routes every emulator has are shared/controlRoutes.ts; here are
// Outlook's: messages changed as another mail client would, the Graph call log, delta, throttle.

import type { FastifyInstance } from 'fastify';
import { attachmentContent, type Json, noContent, objectBody, requiredNumber, requiredString, ControlError, CONTROL_PREFIX, registerCommonControlRoutes } from '../shared/index.ts';
import type { DeliveredMessageFields, EmulatorControl } from './control.ts';
import { MICROSOFT_FAULTS } from './faults.ts';
import type { ThrottleLimits } from './throttle.ts';

export function registerControlRoutes(app: FastifyInstance, control: EmulatorControl): void {
  const P = CONTROL_PREFIX;
  registerCommonControlRoutes(app, control, MICROSOFT_FAULTS);

  app.post(`${P}/mailboxes/:email/messages`, async (request, reply) => {
    const { email } = request.params as { email: string };
    return reply.code(201).send({ id: control.deliverMessage(email, deliveredFields(objectBody(request.body))) });
  });

  app.get(`${P}/mailboxes/:email/messages`, async (request) => {
    const { email } = request.params as { email: string };
    const folder = (request.query as { folder?: string }).folder;
    return { messages: control.listMessages(email, folder) };
  });

  app.patch(`${P}/mailboxes/:email/messages/:id`, async (request, reply) => {
    const { email, id } = request.params as { email: string; id: string };
    const body = objectBody(request.body);
    control.updateMessage(email, id, {
      ...(body.isRead !== undefined ? { isRead: Boolean(body.isRead) } : {}),
      ...(body.subject !== undefined ? { subject: requiredString(body, 'subject') } : {}),
      ...(body.flagStatus !== undefined ? { flagStatus: requiredString(body, 'flagStatus') as 'flagged' } : {}),
      ...(Array.isArray(body.categories) ? { categories: body.categories.map(String) } : {}),
    });
    return noContent(reply);
  });

  app.post(`${P}/mailboxes/:email/messages/:id/move`, async (request, reply) => {
    const { email, id } = request.params as { email: string; id: string };
    control.moveMessage(email, id, requiredString(objectBody(request.body), 'folder'));
    return noContent(reply);
  });

  app.delete(`${P}/mailboxes/:email/messages/:id`, async (request, reply) => {
    const { email, id } = request.params as { email: string; id: string };
    control.deleteMessage(email, id);
    return noContent(reply);
  });

  app.get(`${P}/calls`, async (request) => {
    const mailbox = (request.query as { mailbox?: string }).mailbox;
    return { calls: control.calls(mailbox === undefined ? {} : { mailbox }) };
  });

  app.delete(`${P}/calls`, async (_request, reply) => {
    control.clearCalls();
    return noContent(reply);
  });

  app.post(`${P}/delta/expire`, async (request, reply) => {
    control.expireDeltaTokens(requiredString(objectBody(request.body), 'email'));
    return noContent(reply);
  });
  app.put(`${P}/delta/retention`, async (request, reply) => {
    control.setDeltaRetention(requiredNumber(objectBody(request.body), 'seconds'));
    return noContent(reply);
  });

  app.get(`${P}/throttle`, async () => ({ limits: control.throttleLimits() }));
  app.put(`${P}/throttle`, async (request) => {
    const body = objectBody(request.body);
    const limits: Partial<ThrottleLimits> = {};
    for (const key of ['requestsPerWindow', 'windowSeconds', 'maxConcurrentRequests'] as const) if (body[key] !== undefined) limits[key] = requiredNumber(body, key);
    return { limits: control.setThrottleLimits(limits) };
  });
  app.get(`${P}/throttle/:email`, async (request) => control.throttleReport((request.params as { email: string }).email));
}

function stringOrList(body: Json, field: string): string | string[] {
  const value = body[field];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw new ControlError(400, `${field} must be a string or a list of strings`);
}

function deliveredFields(body: Json): DeliveredMessageFields {
  const fields: DeliveredMessageFields = {};
  for (const key of ['from', 'subject', 'body', 'folder', 'internetMessageId'] as const) {
    if (body[key] !== undefined) fields[key] = requiredString(body, key);
  }
  if (body.to !== undefined) fields.to = stringOrList(body, 'to');
  if (body.cc !== undefined) fields.cc = stringOrList(body, 'cc');
  if (body.bodyType !== undefined) {
    if (body.bodyType !== 'text' && body.bodyType !== 'html') throw new ControlError(400, 'bodyType must be text or html');
    fields.bodyType = body.bodyType;
  }
  if (body.receivedDateTime !== undefined) fields.receivedDateTime = requiredString(body, 'receivedDateTime');
  if (body.isRead !== undefined) fields.isRead = body.isRead === true;
  if (body.importance !== undefined) fields.importance = requiredString(body, 'importance') as 'normal';
  if (body.categories !== undefined) {
    if (!Array.isArray(body.categories)) throw new ControlError(400, 'categories must be a list');
    fields.categories = body.categories.map(String);
  }
  if (body.attachments !== undefined) {
    if (!Array.isArray(body.attachments)) throw new ControlError(400, 'attachments must be a list');
    fields.attachments = body.attachments.map((a: unknown) => {
      const item = objectBody(a);
      return { name: requiredString(item, 'name'), contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream', content: attachmentContent(item) };
    });
  }
  return fields;
}
