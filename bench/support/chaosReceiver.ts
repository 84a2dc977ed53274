// The chaos harness's webhook receiver: the tests' receiver (test/support/webhookReceiver.ts, with its
// misbehaviours: error statuses with Retry-After, hung or reset connections, slow answers), keeping every
// body it accepts with the outcome of its signature checks, made on arrival (Standard Webhooks refuses
// timestamps older than five minutes), instead of parsing it: a forged body may be anything.

import type http from 'node:http';
import { WebhookReceiver, type Misbehaviour } from '../../test/support/webhookReceiver.ts';
import type { ReceivedBody } from './noLossVerdict.ts';
import { forgeryOf, type InstanceKeys } from './webhookVerification.ts';

export type ReceiverMisbehaviour = Exclude<Misbehaviour, { holdUntil: Promise<unknown> }>;

export class ChaosReceiver extends WebhookReceiver {
  readonly bodies: ReceivedBody[] = [];
  lastReceivedAt = 0;
  private readonly keys = new Map<number, InstanceKeys>();

  /** The keys a body of this instance must be signed with. */
  trust(instanceId: number, keys: InstanceKeys): void {
    this.keys.set(instanceId, keys);
  }

  protected override record(headers: http.IncomingHttpHeaders, body: string): void {
    const forgery = forgeryOf(body, headers, (id) => this.keys.get(id));
    this.lastReceivedAt = Date.now();
    this.bodies.push({ body, receivedAt: this.lastReceivedAt, ...(forgery === undefined ? {} : { forgery }) });
  }
}
