// Background job of the workers: refreshes the access tokens of live instances before they expire,
// so polls never stall on a refresh and a revoked grant is noticed (and shown) early.

import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { instances, type Database } from '../store/index.ts';
import type { ProviderTokenManager } from './providerTokenManager.ts';

const SWEEP_EVERY_MS = 60_000;
const REFRESH_WITHIN_MS = 10 * 60_000;
const BATCH = 100;

export function startTokenRefresher(deps: { db: Kysely<Database>; tokens: ProviderTokenManager; logger: Logger }): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  async function sweep(): Promise<void> {
    const due = await instances.findDueForTokenRefresh(deps.db, Date.now() + REFRESH_WITHIN_MS, BATCH);
    for (const id of due) {
      if (stopped) return;
      try {
        await deps.tokens.accessToken(id);
      } catch (error) {
        deps.logger.warn({ instanceId: id, err: error }, 'token refresh failed');
      }
    }
  }

  const timer = setInterval(() => {
    running = running.then(sweep).catch((error: unknown) => deps.logger.error({ err: error }, 'token refresh sweep failed'));
  }, SWEEP_EVERY_MS);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
