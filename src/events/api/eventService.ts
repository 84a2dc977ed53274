// The events API as the HTTP routes call it, always within the caller's organization: one object over
// the four things the API does — event queries (eventQueries.ts), redelivery (redelivery.ts), polling
// health (pollingHealth.ts) and the per-instance webhook secret (webhookSecrets.ts). It holds no logic
// of its own; it only builds those from one set of dependencies and forwards to them.

import type { Kysely } from 'kysely';
import type { Keyring } from '../../crypto/index.ts';
import type { Database } from '../../store/index.ts';
import { EventQueries } from './eventQueries.ts';
import type { OwnedInstances } from './ownedInstances.ts';
import { PollingHealthQueries } from './pollingHealth.ts';
import { Redelivery } from './redelivery.ts';
import { WebhookSecrets } from './webhookSecrets.ts';

export interface EventServiceDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  /** The instance service at the composition root: whose instance an id is. */
  instances: OwnedInstances;
}

export class EventService {
  private readonly queries: EventQueries;
  private readonly redelivery: Redelivery;
  private readonly health: PollingHealthQueries;
  private readonly secrets: WebhookSecrets;

  constructor(deps: EventServiceDeps) {
    this.queries = new EventQueries({ db: deps.db, instances: deps.instances });
    this.redelivery = new Redelivery({ db: deps.db, instances: deps.instances, queries: this.queries });
    this.health = new PollingHealthQueries({ db: deps.db });
    this.secrets = new WebhookSecrets({ db: deps.db, keyring: deps.keyring, instances: deps.instances });
  }

  list: EventQueries['list'] = (caller, filter) => this.queries.list(caller, filter);
  get: EventQueries['get'] = (caller, eventId, instanceId) => this.queries.get(caller, eventId, instanceId);
  redeliver: Redelivery['redeliver'] = (caller, instanceId, eventId) => this.redelivery.redeliver(caller, instanceId, eventId);
  redeliverFailed: Redelivery['redeliverFailed'] = (caller, instanceId) => this.redelivery.redeliverFailed(caller, instanceId);
  pollingHealth: PollingHealthQueries['pollingHealth'] = (instanceId, row) => this.health.pollingHealth(instanceId, row);
  pollingDisabled: PollingHealthQueries['pollingDisabled'] = (caller) => this.health.pollingDisabled(caller);
  webhookSecret: WebhookSecrets['webhookSecret'] = (caller, instanceId) => this.secrets.webhookSecret(caller, instanceId);
  rotateWebhookSecret: WebhookSecrets['rotateWebhookSecret'] = (caller, instanceId) => this.secrets.rotateWebhookSecret(caller, instanceId);
}
