// The chaos harness's webhook receiver: records every body it accepts (200) with the outcome of its
// signature checks, made on arrival (Standard Webhooks refuses timestamps older than five minutes), and
// misbehaves on request for the next N requests: an error status (with Retry-After), a hung or reset
// connection, or a slow but successful answer.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedBody } from './noLossVerdict.ts';
import { forgeryOf, type InstanceKeys } from './webhookVerification.ts';

export type ReceiverMisbehaviour = { status: number; retryAfter?: string } | { hang: true } | { destroy: true } | { slowMs: number };

export class ChaosReceiver {
  readonly bodies: ReceivedBody[] = [];
  requests = 0;
  lastReceivedAt = 0;
  private plan: ReceiverMisbehaviour[] = [];
  private readonly hanging: http.ServerResponse[] = [];
  private readonly server: http.Server;
  private readonly keys = new Map<number, InstanceKeys>();
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
        if (next && 'status' in next) {
          res.writeHead(next.status, next.retryAfter ? { 'retry-after': next.retryAfter } : {});
          res.end('receiver says no');
          return;
        }
        const accept = () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const forgery = forgeryOf(body, req.headers, (id) => this.keys.get(id));
          this.lastReceivedAt = Date.now();
          this.bodies.push({ body, receivedAt: this.lastReceivedAt, ...(forgery === undefined ? {} : { forgery }) });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"ok":true}');
        };
        if (next && 'slowMs' in next) setTimeout(accept, next.slowMs);
        else accept();
      });
    });
  }

  /** The keys a body of this instance must be signed with. */
  trust(instanceId: number, keys: InstanceKeys): void {
    this.keys.set(instanceId, keys);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  misbehave(...plan: ReceiverMisbehaviour[]): void {
    this.plan.push(...plan);
  }

  calm(): void {
    this.plan = [];
    for (const res of this.hanging.splice(0)) res.destroy();
  }

  async close(): Promise<void> {
    this.calm();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
