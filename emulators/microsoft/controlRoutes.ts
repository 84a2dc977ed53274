// The control API over HTTP, under /__emulator/, with JSON bodies: the same operations as
// EmulatorControl, for tools that do not run in the emulator's process (the sandbox, shell scripts,
// a test's child process).

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DeliveredMessageFields, EmulatorControl } from './control.ts';
import type { FaultSpec } from './faults.ts';
import type { LatencyModel } from '../google/latencyModel.ts';
import { ControlError } from './microsoftErrors.ts';
import type { ThrottleLimits } from './throttle.ts';

type Json = Record<string, unknown>;

export function registerControlRoutes(app: FastifyInstance, control: EmulatorControl): void {
  const P = '/__emulator';

  app.get(`${P}/health`, async () => ({ ok: true }));

  app.get(`${P}/mailboxes`, async () => ({ mailboxes: control.listMailboxes() }));

  app.post(`${P}/mailboxes`, async (request, reply) => reply.code(201).send(control.createMailbox(requiredString(objectBody(request.body), 'email'))));

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

  app.post(`${P}/reset`, async (_request, reply) => {
    control.reset();
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

  app.get(`${P}/clients`, async () => ({ clients: control.listClients() }));
  app.post(`${P}/clients`, async (request, reply) => {
    const body = objectBody(request.body);
    const redirectUris = body.redirectUris;
    if (redirectUris !== undefined && (!Array.isArray(redirectUris) || redirectUris.some((u) => typeof u !== 'string'))) {
      throw new ControlError(400, 'redirectUris must be a list of strings');
    }
    const clientId = requiredString(body, 'clientId');
    control.registerClient({ clientId, clientSecret: requiredString(body, 'clientSecret'), ...(redirectUris !== undefined ? { redirectUris: redirectUris as string[] } : {}) });
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
      const content = typeof item.contentBase64 === 'string' ? Buffer.from(item.contentBase64, 'base64') : Buffer.from(typeof item.content === 'string' ? item.content : '', 'utf8');
      return { name: requiredString(item, 'name'), contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream', content };
    });
  }
  return fields;
}

function faultSpec(body: Json): FaultSpec {
  let pattern: unknown = body.pathPattern;
  if (body.pathRegex !== undefined) {
    const source = requiredString(body, 'pathRegex');
    try {
      pattern = new RegExp(source);
    } catch {
      throw new ControlError(400, `pathRegex is not a valid regular expression: ${source}`);
    }
  }
  if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) throw new ControlError(400, 'pathPattern (substring) or pathRegex is required');
  const spec: FaultSpec = { pathPattern: pattern, times: body.times as number };
  if (body.method !== undefined) spec.method = body.method as string;
  if (body.status !== undefined) spec.status = body.status as number;
  if (body.body !== undefined) spec.body = body.body;
  if (body.code !== undefined) spec.code = body.code as string;
  if (body.message !== undefined) spec.message = body.message as string;
  if (body.retryAfterSeconds !== undefined) spec.retryAfterSeconds = body.retryAfterSeconds as number;
  if (body.latencyMs !== undefined) spec.latencyMs = body.latencyMs as number;
  if (body.dropConnection !== undefined) spec.dropConnection = body.dropConnection as boolean;
  // Types are checked by FaultInjector, whose TypeErrors become 400s in EmulatorControl.
  return spec;
}
