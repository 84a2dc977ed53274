// A webhook receiver on loopback for tests (and, extended, the chaos harness's): records every delivery,
// verifies both signature schemes, and can be told to misbehave (answer an error status, hang, close, or
// answer late) for the next N requests.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { elementsSignature } from '../../src/crypto/index.ts';

export interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
  receivedAt: number;
}

/** An error status; a hang until close; a dropped connection; a 200 held back until `holdUntil` resolves, or for `slowMs`. */
export type Misbehaviour =
  | { status: number; retryAfter?: string }
  | { hang: true }
  | { destroy: true }
  | { holdUntil: Promise<unknown> }
  | { slowMs: number };

export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  /** Every request, including the ones answered with an error. */
  requests = 0;
  /** Requests held back by a `holdUntil` misbehaviour, not answered yet. */
  held = 0;
  private plan: Misbehaviour[] = [];
  private readonly server: http.Server;
  private hanging: http.ServerResponse[] = [];
  url = '';

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests += 1;
        const next = this.plan.shift();
        if (next && 'hang' in next) {
          this.hanging.push(res);
          return;
        }
        if (next && 'destroy' in next) {
          req.socket.destroy();
          return;
        }
        if (next && ('holdUntil' in next || 'slowMs' in next)) {
          this.held += 1;
          const until = 'holdUntil' in next ? next.holdUntil : new Promise((resolve) => setTimeout(resolve, next.slowMs));
          void until.then(() => {
            this.held -= 1;
            this.accept(req, res, chunks);
          });
          return;
        }
        if (next) {
          res.writeHead(next.status, next.retryAfter ? { 'retry-after': next.retryAfter } : {});
          res.end('receiver says no');
          return;
        }
        this.accept(req, res, chunks);
      });
    });
  }

  private accept(req: http.IncomingMessage, res: http.ServerResponse, chunks: Buffer[]): void {
    this.record(req.headers, Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  }

  /** Keeps a body answered 200 (a subclass may keep it its own way). */
  protected record(headers: http.IncomingHttpHeaders, body: string): void {
    this.deliveries.push({ headers, body, json: JSON.parse(body), receivedAt: Date.now() });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  misbehave(...plan: Misbehaviour[]): void {
    this.plan.push(...plan);
  }

  /** Forgets the misbehaviour still planned: from now on every request is answered 200. */
  behave(): void {
    this.plan = [];
  }

  /** behave(), and the hung requests are dropped (their senders see the connection close). */
  calm(): void {
    this.behave();
    for (const res of this.hanging.splice(0)) res.destroy();
  }

  /** Every event carried by a successful delivery, in arrival order. */
  events(): { eventType: string; objectId: string; objectType: string; id: string; sequence: number }[] {
    return this.deliveries.flatMap((d) => d.json.message.events);
  }

  async close(): Promise<void> {
    this.calm();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Throws unless the delivery carries valid Standard Webhooks and (given a key) sha256= signatures. */
export function verifyDelivery(delivery: Delivery, webhookSecret: string, signatureKey?: string): void {
  new Webhook(webhookSecret).verify(delivery.body, {
    'webhook-id': String(delivery.headers['webhook-id']),
    'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
    'webhook-signature': String(delivery.headers['webhook-signature']),
  });
  if (delivery.headers['webhook-id'] !== delivery.headers['elements-webhook-id']) throw new Error('webhook-id differs from Elements-Webhook-Id');
  if (signatureKey !== undefined && delivery.headers['elements-webhook-signature'] !== elementsSignature(signatureKey, delivery.body)) {
    throw new Error('Elements-Webhook-Signature does not match');
  }
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
