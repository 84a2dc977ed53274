// The control API over HTTP, under /__emulator/, with JSON bodies: the same operations as
// EmulatorControl, for tools that do not run in the emulator's process (the sandbox, shell scripts).
// The routes every emulator has are shared/controlRoutes.ts; here are Gmail's: delivering mail,
// quota, history.

import type { FastifyInstance } from 'fastify';
import { attachmentContent, type Json, noContent, objectBody, optionalString, requiredNumber, requiredString, ControlError, CONTROL_PREFIX, registerCommonControlRoutes } from '../shared/index.ts';
import type { DeliveredMessageFields, EmulatorControl } from './control.ts';
import { GOOGLE_FAULTS } from './faults.ts';

export function registerControlRoutes(app: FastifyInstance, control: EmulatorControl): void {
  const P = CONTROL_PREFIX;
  registerCommonControlRoutes(app, control, GOOGLE_FAULTS);

  app.post(`${P}/mailboxes/:email/messages`, async (request, reply) => {
    const { email } = request.params as { email: string };
    return reply.code(201).send(await control.deliverMessage(email, deliveredFields(objectBody(request.body))));
  });

  app.get(`${P}/quota/:email`, async (request) => control.quota((request.params as { email: string }).email));

  app.get(`${P}/calls`, async () => ({ calls: control.calls() }));

  app.post(`${P}/quota/reset`, async (request, reply) => {
    control.resetQuota(optionalString(objectBody(request.body), 'email'));
    return noContent(reply);
  });

  app.put(`${P}/quota/limits`, async (request, reply) => {
    const body = objectBody(request.body);
    control.setQuotaLimits({
      ...(body.unitsPerSecond !== undefined ? { unitsPerSecond: requiredNumber(body, 'unitsPerSecond') } : {}),
      ...(body.maxConcurrentRequests !== undefined ? { maxConcurrentRequests: requiredNumber(body, 'maxConcurrentRequests') } : {}),
    });
    return noContent(reply);
  });

  app.post(`${P}/history/expire`, async (request, reply) => {
    control.expireHistory(requiredString(objectBody(request.body), 'email'));
    return noContent(reply);
  });

  app.put(`${P}/history/retention`, async (request, reply) => {
    control.setHistoryRetention(requiredNumber(objectBody(request.body), 'seconds'));
    return noContent(reply);
  });
}

function deliveredFields(body: Json): DeliveredMessageFields {
  const fields: DeliveredMessageFields = {};
  for (const key of ['from', 'to', 'cc', 'bcc', 'subject', 'text', 'html', 'messageId'] as const) {
    if (body[key] !== undefined) fields[key] = requiredString(body, key);
  }
  if (body.date !== undefined) {
    const date = new Date(typeof body.date === 'number' ? body.date : String(body.date));
    if (Number.isNaN(date.getTime())) throw new ControlError(400, 'date must be an ISO-8601 string or epoch milliseconds');
    fields.date = date;
  }
  if (body.labelIds !== undefined) {
    if (!Array.isArray(body.labelIds) || body.labelIds.some((l) => typeof l !== 'string')) throw new ControlError(400, 'labelIds must be a list of strings');
    fields.labelIds = body.labelIds as string[];
  }
  if (body.raw !== undefined) {
    // The raw message as text, or base64/base64url when `rawEncoding` says so.
    const raw = requiredString(body, 'raw');
    fields.raw = body.rawEncoding === 'base64' ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  }
  if (body.attachments !== undefined) {
    if (!Array.isArray(body.attachments)) throw new ControlError(400, 'attachments must be a list');
    fields.attachments = body.attachments.map((a: unknown) => {
      const item = objectBody(a);
      return {
        filename: requiredString(item, 'filename'),
        contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
        content: attachmentContent(item),
      };
    });
  }
  return fields;
}
