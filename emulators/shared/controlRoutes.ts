// The control API routes every emulator has, under /__emulator/ with JSON bodies: health, listing
// and creating mailboxes, reset, faults, latency, tokens, grants and OAuth clients, calling the same
// verbs as in-process control (emulatorControl.ts). Each emulator adds its mail model's routes.

import type { FastifyInstance } from 'fastify';
import { type Json, noContent, objectBody, optionalString, requiredNumber, requiredString } from './controlBody.ts';
import { ControlError } from './controlError.ts';
import type { CommonEmulatorControl, ControlledState } from './emulatorControl.ts';
import type { FaultDialect, FaultSpecBase, FaultViewBase } from './faults.ts';
import type { LatencyModel } from './latencyModel.ts';

export const CONTROL_PREFIX = '/__emulator';

type Control<Spec extends FaultSpecBase, View extends FaultViewBase> = CommonEmulatorControl<Spec, View, ControlledState<Spec, View>> & {
  listMailboxes(): unknown[];
  createMailbox(email: string): unknown;
  reset(): void;
};

export function registerCommonControlRoutes<Spec extends FaultSpecBase, View extends FaultViewBase>(
  app: FastifyInstance,
  control: Control<Spec, View>,
  faults: FaultDialect,
): void {
  const P = CONTROL_PREFIX;

  app.get(`${P}/health`, async () => ({ ok: true }));

  app.get(`${P}/mailboxes`, async () => ({ mailboxes: control.listMailboxes() }));

  app.post(`${P}/mailboxes`, async (request, reply) => reply.code(201).send(control.createMailbox(requiredString(objectBody(request.body), 'email'))));

  app.post(`${P}/reset`, async (_request, reply) => {
    control.reset();
    return noContent(reply);
  });

  app.get(`${P}/faults`, async () => ({ faults: control.listFaults() }));

  app.post(`${P}/faults`, async (request, reply) => reply.code(201).send(control.injectFault(faultSpec<Spec>(objectBody(request.body), faults))));

  app.delete(`${P}/faults`, async (_request, reply) => {
    control.clearFaults();
    return noContent(reply);
  });

  app.delete(`${P}/faults/:id`, async (request, reply) => {
    if (!control.removeFault((request.params as { id: string }).id)) throw new ControlError(404, 'no such fault');
    return noContent(reply);
  });

  app.get(`${P}/latency`, async () => ({ latency: control.latency() ?? null }));

  // Fields and types are checked by validateLatencyModel, whose TypeErrors become 400s in the control.
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

/** `pathPattern` (substring) or `pathRegex`, the common fields and the dialect's text fields. */
function faultSpec<Spec extends FaultSpecBase>(body: Json, faults: FaultDialect): Spec {
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
  const spec: Json = { pathPattern: pattern, times: body.times };
  for (const field of ['method', 'status', 'body', ...faults.textFields, 'message', 'retryAfterSeconds', 'latencyMs', 'dropConnection']) {
    if (body[field] !== undefined) spec[field] = body[field];
  }
  // Types are checked by FaultInjector, whose TypeErrors become 400s in the control.
  return spec as unknown as Spec;
}
