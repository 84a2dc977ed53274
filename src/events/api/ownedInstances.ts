// What the events API needs of instances: the caller's own instance row, or NotFound. The composition
// root passes the instance service, which has this shape; events name no instances module, so the
// dependency runs one way only (instances → events).

import type { InstanceRow } from '../../store/index.ts';
import type { Caller } from '../../tenants/index.ts';

export interface OwnedInstances {
  /** The instance if it belongs to the caller's organization; throws NotFound otherwise. */
  row(caller: Caller, instanceId: number): Promise<InstanceRow>;
}
