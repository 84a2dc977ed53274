// The provider's response time in a running emulator: the latency model in force (changed by the
// control API, restored by a reset), its random draws and how a request waits; and the Fastify hook
// that makes every request the provider's servers would answer wait a sampled delay first.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { type LatencyModel, sampleLatencyMs } from './latencyModel.ts';

export interface ResponseDelayState {
  /** The model of the provider's response time; undefined (the default) answers at once. */
  latency: LatencyModel | undefined;
  /** The model the emulator was started with, restored by a reset. */
  readonly initialLatency: LatencyModel | undefined;
  /** Draws for the latency model; Math.random unless a test passes a seeded one. */
  readonly latencyRandom: () => number;
  /** How a request waits out its latency (the model's or an injected fault's); a timer unless a test records the delays instead. */
  readonly sleep: (ms: number) => Promise<void>;
}

export interface LatencyOptions {
  latency?: LatencyModel | undefined;
  random?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

export function responseDelayState(options: LatencyOptions): ResponseDelayState {
  return {
    latency: options.latency,
    initialLatency: options.latency,
    latencyRandom: options.random ?? Math.random,
    sleep: options.sleep ?? sleepUnref,
  };
}

/** A timer that does not hold the process open: requests still waiting when the emulator closes must not keep it alive. */
function sleepUnref(ms: number): Promise<void> {
  return sleepFor(ms, undefined, { ref: false });
}

/**
 * When a model is set, every request not `exempt` (pages a person reads, the control API, which is
 * not the provider) first waits a sampled delay, before anything else it meets (token check,
 * concurrency slot, injected faults, quota), as network and server time come before the provider's
 * answer. A timer, never a busy wait, so thousands of delayed requests cost nothing but memory; with
 * no model the hook is one comparison.
 */
export function addResponseDelay(app: FastifyInstance, state: ResponseDelayState, exempt: (request: FastifyRequest) => boolean): void {
  app.addHook('onRequest', (request, reply, done) => {
    const model = state.latency;
    if (model === undefined) return done();
    if (exempt(request)) return done();
    state.sleep(sampleLatencyMs(model, state.latencyRandom)).then(() => {
      // The client left while waiting: there is no one to answer, and a route hook must not take a
      // concurrency slot whose release (on the response's close) has already happened.
      if (reply.raw.destroyed) {
        reply.hijack();
        return;
      }
      done();
    }, done);
  });
}
