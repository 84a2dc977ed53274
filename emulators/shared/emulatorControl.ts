// The control verbs every emulator has, whatever its provider: inject and list faults, set the
// provider's response time, expire access tokens, revoke grants, change the token lifetime, register
// OAuth clients. Each emulator's EmulatorControl extends this class with its mail model's verbs.

import type { ClientRegistry, OAuthClientRegistration } from './clientRegistry.ts';
import { badInputAs400, checkEmail, ControlError } from './controlError.ts';
import type { FaultInjector, FaultSpecBase, FaultViewBase } from './faults.ts';
import { type LatencyModel, validateLatencyModel } from './latencyModel.ts';
import type { ResponseDelayState } from './responseDelay.ts';

/** The part of an emulator's state the common verbs steer. */
export interface ControlledState<Spec extends FaultSpecBase, View extends FaultViewBase> extends ResponseDelayState {
  readonly initialSettings: { accessTokenTtlSeconds: number };
  readonly settings: { accessTokenTtlSeconds: number };
  readonly mailboxes: { reset(): void };
  readonly clients: ClientRegistry;
  readonly faults: FaultInjector<Spec, View>;
  readonly grants: { reset(): void; expireAccessTokens(email?: string): number; revokeGrants(email?: string): number };
}

export class CommonEmulatorControl<Spec extends FaultSpecBase, View extends FaultViewBase, State extends ControlledState<Spec, View>> {
  constructor(protected readonly state: State) {}

  /** Back to a fresh start: no mailboxes, tokens or faults; clients, settings and latency as configured. */
  reset(): void {
    const s = this.state;
    s.mailboxes.reset();
    s.grants.reset();
    s.faults.clear();
    s.clients.reset();
    Object.assign(s.settings, s.initialSettings);
    s.latency = s.initialLatency;
  }

  injectFault(spec: Spec): View {
    const fault = badInputAs400(() => this.state.faults.add(spec));
    return this.state.faults.list().find((f) => f.id === fault.id) as View;
  }

  listFaults(): View[] {
    return this.state.faults.list();
  }

  removeFault(id: string): boolean {
    return this.state.faults.remove(id);
  }

  clearFaults(): void {
    this.state.faults.clear();
  }

  /** The provider's response time from now on (see latencyModel.ts); undefined answers at once. Returns the model set. */
  setLatency(model: LatencyModel | undefined): LatencyModel | undefined {
    this.state.latency = model === undefined ? undefined : badInputAs400(() => validateLatencyModel(model));
    return this.latency();
  }

  latency(): LatencyModel | undefined {
    const model = this.state.latency;
    return model === undefined ? undefined : { ...model };
  }

  /** Every access token (of one user, or everyone's) expires now; refresh tokens keep working. */
  expireAccessTokens(email?: string): number {
    return this.state.grants.expireAccessTokens(email === undefined ? undefined : checkEmail(email));
  }

  /** As if the user removed the app's access (or their sessions were revoked): their tokens stop working. */
  revokeGrants(email?: string): number {
    return this.state.grants.revokeGrants(email === undefined ? undefined : checkEmail(email));
  }

  setAccessTokenTtl(seconds: number): void {
    if (typeof seconds !== 'number' || !(seconds > 0)) throw new ControlError(400, 'seconds must be positive');
    this.state.settings.accessTokenTtlSeconds = seconds;
  }

  registerClient(client: OAuthClientRegistration): void {
    badInputAs400(() => this.state.clients.register(client));
  }

  listClients(): { clientId: string; redirectUris?: string[] }[] {
    return this.state.clients.list().map((c) => ({ clientId: c.clientId, ...(c.redirectUris !== undefined ? { redirectUris: [...c.redirectUris] } : {}) }));
  }
}
