// Platform routes addressed with an Element token (`User …, Organization …, Element <token>`) rather than
// an instance id, as Cloud Elements' /instances/enabled and /instances/configuration are.

import type { FastifyRequest } from 'fastify';
import type { InstanceService } from '../../instances/index.ts';
import type { InstanceRow } from '../../store/index.ts';
import type { Caller } from '../../tenants/index.ts';
import type { CallerAuthentication } from '../callerAuthentication.ts';

/**
 * The caller and the instance its `Element <token>` names, within the caller's organization. Only a
 * token that names nothing counts as a failed authentication; what the route does next (a 404 for an
 * unknown configuration entry) does not.
 */
export async function elementTokenInstance(
  deps: { auth: CallerAuthentication; instances: InstanceService },
  request: FastifyRequest,
): Promise<{ caller: Caller; row: InstanceRow }> {
  return deps.auth.hubCaller(request, async (caller, token) => ({ caller, row: await deps.instances.byToken(caller, token) }));
}
