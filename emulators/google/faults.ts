// Google's side of injected faults (the mechanism is shared/faults.ts): a fault may name a Gmail
// method id instead of an HTTP verb, and its default error body carries Google's `reason`.

import { type ActiveFault as SharedActiveFault, type FaultDialect, FaultInjector as SharedFaultInjector, type FaultSpecBase, type FaultViewBase } from '../shared/index.ts';

export interface FaultSpec extends FaultSpecBase {
  /**
   * HTTP verb (`GET`), or Gmail method id with or without the `gmail.` prefix
   * (`gmail.users.history.list`, `users.history.list`). Absent: any method.
   */
  method?: string;
  /** Response body for `status`; default: Google's error body for that status (and `reason`). */
  body?: unknown;
  /** Error reason in the default body, e.g. `userRateLimitExceeded`, `backendError`. */
  reason?: string;
}

export type FaultView = FaultViewBase;

export type ActiveFault = SharedActiveFault<FaultSpec>;

export const GOOGLE_FAULTS: FaultDialect = {
  textFields: ['reason'],
  listedFields: [],
  matchesOperation: (wanted, methodId) => wanted === methodId || `gmail.${wanted}` === methodId,
};

export class FaultInjector extends SharedFaultInjector<FaultSpec, FaultView> {
  constructor() {
    super(GOOGLE_FAULTS);
  }
}
