// Seeding for the capacity benchmark: N Gmail mailboxes in the emulator, each authorized through the
// emulator's consent page and token endpoint like a real user, and N polling instances in the store,
// written directly (one instance goes through the product's own create path; the others copy its row
// with their own tokens), with their baselines already taken and their token expiries spread over an
// hour, so what is measured is the steady state: idle polls, and refreshes at the rate an hour-long
// token lifetime asks for. The product's modules are imported from `root`, so a benchmark can seed an older checkout.

import crypto from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import { approveConsent, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../../emulators/google/index.ts';
import type { ChildEmulator } from './childEmulator.ts';

export interface SeedOptions {
  /** Repository root of the product to seed (its own store and keyring modules are used). */
  root: string;
  emulator: ChildEmulator;
  mailboxes: number;
  intervalMinutes: number;
  /** Environment of the product: CHANGEHOOK_DATA_DIR or DATABASE_URL, CHANGEHOOK_MASTER_KEY. */
  env: Record<string, string>;
  /** First due time of the schedules, spread evenly over one interval from here. */
  firstDueAt: number;
}

export interface Grant {
  email: string;
  historyId: string;
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

const REDIRECT = 'https://bench.example.com/oauth/callback';
const SEED_CONCURRENCY = 32;
const INSERT_CHUNK = 500;
/** The earliest seeded token expiry: soon enough that refreshes fall inside a measurement. */
const TOKEN_SPREAD_START_MS = 4 * 60_000;

/** A mailbox in the emulator, authorized through its consent page and token endpoint as a user would. */
export async function authorize(emulator: ChildEmulator, email: string): Promise<Grant> {
  const mailbox = (await emulator.control('POST', '/mailboxes', { email })) as { historyId: string };
  const authUrl = `${emulator.baseUrl}/o/oauth2/v2/auth?${new URLSearchParams({
    client_id: SANDBOX_CLIENT_ID,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'https://www.googleapis.com/auth/gmail.readonly',
    access_type: 'offline',
    prompt: 'consent',
  })}`;
  const { code } = await approveConsent(authUrl, email);
  const response = await request(`${emulator.baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: SANDBOX_CLIENT_ID, client_secret: SANDBOX_CLIENT_SECRET, redirect_uri: REDIRECT }).toString(),
  });
  const tokens = (await response.body.json()) as { access_token: string; refresh_token: string; expires_in: number };
  if (response.statusCode !== 200) throw new Error(`token exchange for ${email} answered ${response.statusCode}`);
  return { email, historyId: mailbox.historyId, accessToken: tokens.access_token, refreshToken: tokens.refresh_token, expiresAt: Date.now() + tokens.expires_in * 1000 };
}

async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!);
      }
    }),
  );
  return results;
}

/** Seeds the store; returns the time written as every seeded instance's updated_at. */
export async function seedCapacity(options: SeedOptions): Promise<number> {
  const load = <T>(file: string): Promise<T> => import(pathToFileURL(path.join(options.root, file)).href) as Promise<T>;
  const { loadConfig } = await load<typeof import('../../src/config/index.ts')>('src/config/index.ts');
  const { createServices, createLogger } = await load<typeof import('../../src/cli/services.ts')>('src/cli/services.ts');
  const config = loadConfig({ ...options.env, CHANGEHOOK_GOOGLE_BASE_URL: options.emulator.baseUrl, CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS: 'true', LOG_LEVEL: 'silent' });
  const services = await createServices(config, createLogger(config));
  try {
    const emails = Array.from({ length: options.mailboxes }, (_, i) => `capacity${i}@example.com`);
    const grants = await inParallel(emails, SEED_CONCURRENCY, (email) => authorize(options.emulator, email));
    const { db } = services.store;
    const tenant = await services.tenants.createOrganization({ name: 'capacity', userEmail: 'capacity@example.com' });
    const caller = { organizationId: tenant.organizationId, userId: tenant.userId };

    // One instance through the product's own path: the template of every other row.
    const first = await approveConsent(services.elements.oauthUrl(services.elements.get('gmail'), { apiKey: SANDBOX_CLIENT_ID, callbackUrl: REDIRECT }), 'capacity-template@example.com');
    const created = await services.instances.create(caller, {
      element: { key: 'gmail' },
      providerData: { code: first.code },
      name: 'template',
      configuration: {
        'oauth.api.key': SANDBOX_CLIENT_ID,
        'oauth.api.secret': SANDBOX_CLIENT_SECRET,
        'oauth.callback.url': REDIRECT,
        'event.notification.enabled': true,
        'event.notification.callback.url': 'http://127.0.0.1:9/unused',
        'event.poller.refresh_interval': String(options.intervalMinutes),
        'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
      },
    });
    const { id: _id, ...template } = await db.selectFrom('instances').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    const schedule = await db.selectFrom('poll_schedules').selectAll().where('instance_id', '=', created.id).executeTakeFirstOrThrow();
    // The template's own schedule is not part of the measured population.
    await db.updateTable('instances').set({ events_enabled: 0 }).where('id', '=', created.id).execute();
    await db.deleteFrom('poll_schedules').where('instance_id', '=', created.id).execute();

    const intervalMs = options.intervalMinutes * 60_000;
    const now = Date.now();
    for (let start = 0; start < grants.length; start += INSERT_CHUNK) {
      const chunk = grants.slice(start, start + INSERT_CHUNK);
      await db.transaction().execute(async (trx) => {
        const rows = chunk.map((grant, i) => {
          const token = crypto.randomBytes(24).toString('base64url');
          return {
            ...template,
            name: grant.email,
            token_hash: crypto.createHash('sha256').update(token).digest('hex'),
            token_encrypted: services.keyring.encrypt(token),
            provider_account: grant.email,
            access_token_encrypted: services.keyring.encrypt(grant.accessToken),
            refresh_token_encrypted: services.keyring.encrypt(grant.refreshToken),
            // As in a deployment running for a while, tokens were issued at different times: their
            // expiries spread over the next hour (Google's access tokens live an hour), so about one
            // in sixty must be refreshed each minute of the measurement, through the token endpoint.
            access_token_expires_at: Math.min(grant.expiresAt, now + TOKEN_SPREAD_START_MS + Math.floor(((start + i) / grants.length) * 3_600_000)),
            created_at: now + start + i,
            updated_at: now,
          };
        });
        const inserted = await trx.insertInto('instances').values(rows).returning('id').execute();
        await trx
          .insertInto('poll_schedules')
          .values(
            inserted.map(({ id }, i) => ({
              instance_id: id,
              resource: schedule.resource,
              next_run_at: options.firstDueAt + Math.floor(((start + i) / grants.length) * intervalMs),
              lease_owner: null,
              lease_until: null,
              cursor: chunk[i]!.historyId,
              baseline_at: now,
              config_fingerprint: schedule.config_fingerprint,
              last_poll_at: now,
              last_success_at: now,
              last_error: null,
              created_at: now,
            })),
          )
          .execute();
      });
    }
    return now;
  } finally {
    await services.hubs.close();
    await services.store.close();
  }
}
