// The control API over HTTP, under /__emulator/, with JSON bodies: the same operations as
// EmulatorControl, for tools that do not run in the emulator's process (the sandbox, shell scripts).

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EmulatorControl, DeliveredMessageFields } from './control.ts';
import type { FaultSpec } from './faults.ts';
import { ControlError } from './googleErrors.ts';
import type { LatencyModel } from './latencyModel.ts';

type Json = Record<string, unknown>;

export function registerControlRoutes(app: FastifyInstance, control: EmulatorControl): void {
  const P = '/__emulator';

  app.get(`${P}/health`, async () => ({ ok: true }));

  app.get(`${P}/mailboxes`, async () => ({ mailboxes: control.listMailboxes() }));

  app.post(`${P}/mailboxes`, async (request, reply) => {
    const body = objectBody(request.body);
    return reply.code(201).send(control.createMailbox(requiredString(body, 'email')));
  });

  app.post(`${P}/mailboxes/:email/messages`, async (request, reply) => {
    const { email } = request.params as { email: string };
    return reply.code(201).send(await control.deliverMessage(email, deliveredFields(objectBody(request.body))));
  });

  app.post(`${P}/reset`, async (_request, reply) => {
    control.reset();
    return noContent(reply);
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

  app.get(`${P}/faults`, async () => ({ faults: control.listFaults() }));

  app.post(`${P}/faults`, async (request, reply) => reply.code(201).send(control.injectFault(faultSpec(objectBody(request.body)))));

  app.delete(`${P}/faults`, async (_request, reply) => {
    control.clearFaults();
    return noContent(reply);
  });

  app.delete(`${P}/faults/:id`, async (request, reply) => {
    if (!control.removeFault((request.params as { id: string }).id)) throw new ControlError(404, 'no such fault');
    return noContent(reply);
  });

  app.get(`${P}/latency`, async () => ({ latency: control.latency() ?? null }));

  // Fields and types are checked by validateLatencyModel, whose TypeErrors become 400s in EmulatorControl.
  app.put(`${P}/latency`, async (request) => ({ latency: control.setLatency(objectBody(request.body) as LatencyModel) }));

  app.delete(`${P}/latency`, async (_request, reply) => {
    control.setLatency(undefined);
    return noContent(reply);
  });

  app.post(`${P}/tokens/expire`, async (request) => ({ expired: control.expireAccessTokens(optionalString(objectBody(request.body), 'email')) }));

  app.put(`${P}/tokens/ttl`, async (request, reply) => {
    control.setAccessTokenTtl(requiredNumber(objectBody(request.body), 'seconds'));
    return noContent(reply);
  });

  app.post(`${P}/grants/revoke`, async (request) => ({ revoked: control.revokeGrants(optionalString(objectBody(request.body), 'email')) }));

  app.post(`${P}/history/expire`, async (request, reply) => {
    control.expireHistory(requiredString(objectBody(request.body), 'email'));
    return noContent(reply);
  });

  app.put(`${P}/history/retention`, async (request, reply) => {
    control.setHistoryRetention(requiredNumber(objectBody(request.body), 'seconds'));
    return noContent(reply);
  });

  app.get(`${P}/clients`, async () => ({ clients: control.listClients() }));

  app.post(`${P}/clients`, async (request, reply) => {
    const body = objectBody(request.body);
    const redirectUris = body.redirectUris;
    if (redirectUris !== undefined && (!Array.isArray(redirectUris) || redirectUris.some((u) => typeof u !== 'string'))) {
      throw new ControlError(400, 'redirectUris must be a list of strings');
    }
    const clientId = requiredString(body, 'clientId');
    control.registerClient({
      clientId,
      clientSecret: requiredString(body, 'clientSecret'),
      ...(redirectUris !== undefined ? { redirectUris: redirectUris as string[] } : {}),
    });
    return reply.code(201).send({ clientId });
  });
}

function noContent(reply: FastifyReply): FastifyReply {
  return reply.code(204).send();
}

function objectBody(body: unknown): Json {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) throw new ControlError(400, 'the body must be a JSON object');
  return body as Json;
}

function requiredString(body: Json, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw new ControlError(400, `${field} must be a non-empty string`);
  return value;
}

function optionalString(body: Json, field: string): string | undefined {
  return body[field] === undefined || body[field] === null ? undefined : requiredString(body, field);
}

function requiredNumber(body: Json, field: string): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ControlError(400, `${field} must be a number`);
  return value;
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
      const content =
        typeof item.contentBase64 === 'string'
          ? Buffer.from(item.contentBase64, 'base64')
          : Buffer.from(typeof item.content === 'string' ? item.content : '', 'utf8');
      return {
        filename: requiredString(item, 'filename'),
        contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
        content,
      };
    });
  }
  return fields;
}

function faultSpec(body: Json): FaultSpec {
  const pattern = body.pathRegex !== undefined ? regexOf(requiredString(body, 'pathRegex')) : body.pathPattern;
  if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) throw new ControlError(400, 'pathPattern (substring) or pathRegex is required');
  const spec: FaultSpec = { pathPattern: pattern, times: body.times as number };
  if (body.method !== undefined) spec.method = body.method as string;
  if (body.status !== undefined) spec.status = body.status as number;
  if (body.body !== undefined) spec.body = body.body;
  if (body.reason !== undefined) spec.reason = body.reason as string;
  if (body.message !== undefined) spec.message = body.message as string;
  if (body.retryAfterSeconds !== undefined) spec.retryAfterSeconds = body.retryAfterSeconds as number;
  if (body.latencyMs !== undefined) spec.latencyMs = body.latencyMs as number;
  if (body.dropConnection !== undefined) spec.dropConnection = body.dropConnection as boolean;
  // Types are checked by FaultInjector, whose TypeErrors become 400s in EmulatorControl.
  return spec;
}

function regexOf(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    throw new ControlError(400, `pathRegex is not a valid regular expression: ${source}`);
  }
}
