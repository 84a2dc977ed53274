// Microsoft's side of injected faults (the mechanism is shared/faults.ts): the default error body
// speaks Graph (`code`) or the identity platform, and a listing shows the fault's `code`.

import { type ActiveFault as SharedActiveFault, type FaultDialect, FaultInjector as SharedFaultInjector, type FaultSpecBase, type FaultViewBase } from '../shared/index.ts';

export interface FaultSpec extends FaultSpecBase {
  /** Response body for `status`; default: Graph's (or the token endpoint's) error body for that status. */
  body?: unknown;
  /** Graph error code in the default body, e.g. `ApplicationThrottled`, `ServiceUnavailable`. */
  code?: string;
}

export interface FaultView extends FaultViewBase {
  code?: string;
}

export type ActiveFault = SharedActiveFault<FaultSpec>;

export const MICROSOFT_FAULTS: FaultDialect = { textFields: ['code'], listedFields: ['code'] };

export class FaultInjector extends SharedFaultInjector<FaultSpec, FaultView> {
  constructor() {
    super(MICROSOFT_FAULTS);
  }
}
