// The shapes the platform API returns, as far as the console reads them (the OpenAPI at /docs/json
// is the full contract).

export interface ElementResource {
  name: string;
  path: string;
  methods: string[];
  description?: string;
  /** How the poller detects changes of this resource; absent when it cannot be polled. */
  polling?: 'cursor' | 'window' | 'listing';
}

export interface ConfigurationField {
  key: string;
  name: string;
  type: string;
  description?: string;
  required: boolean;
  secret?: boolean;
  defaultValue?: string;
}

export interface PollerResourceConfiguration {
  url: string;
  idField: string;
  [key: string]: unknown;
}

export type PollerConfiguration = Record<string, PollerResourceConfiguration>;

export interface Element {
  id: number;
  key: string;
  name: string;
  description?: string;
  hub: string;
  authentication?: { type: string; scopes?: string[] };
  resources: ElementResource[];
  defaultPollerConfiguration?: PollerConfiguration;
  configuration?: ConfigurationField[];
  events?: { supported: boolean; methods: string[] };
}

export interface ResourcePollingHealth {
  resource: string;
  baselineDate: string | null;
  lastPollDate: string | null;
  lastSuccessDate: string | null;
  nextPollDate: string | null;
  lastError: string | null;
  consecutiveFailures: number;
}

export interface PollingHealth {
  disabled: boolean;
  disabledReason: string | null;
  callbackGone: boolean;
  resources: ResourcePollingHealth[];
}

export interface Instance {
  id: number;
  name: string;
  token: string;
  element: { id: number; key: string; name: string; hub: string };
  tags: string[];
  valid: boolean;
  invalidReason?: string;
  disabled: boolean;
  eventsEnabled: boolean;
  eventsNotificationCallbackUrl: string | null;
  eventsPollerRefreshInterval: number | null;
  configuration: Record<string, string>;
  providerAccount?: string;
  createdDate: string;
  updatedDate: string;
  /** Only on GET /instances/{id}. */
  eventsPolling?: PollingHealth;
}

export type DeliveryStatus = 'NEW' | 'RETRYING' | 'DELIVERED' | 'FAILED';
/** Cloud Elements' event state, derived from the delivery state (the console shows the delivery state). */
export type CeEventStatus = 'NEW' | 'RECEIVED' | 'DISPATCHED' | 'CONSUMED' | 'NOTIFIED';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['NEW', 'RETRYING', 'DELIVERED', 'FAILED'];
export const EVENT_TYPES = ['CREATED', 'UPDATED', 'DELETED'] as const;

export interface EventSummary {
  id: string;
  instanceId: number;
  objectType: string;
  objectId: string;
  eventType: string;
  sequence: number;
  date: string;
  pollDate: string;
  createdDate: string;
  deliveryStatus: DeliveryStatus;
  /** Cloud Elements' fields. */
  status: CeEventStatus;
  eventDate: string;
  providerData: string;
  notificationId: string;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptDate: string | null;
  deliveredDate: string | null;
}

export interface DeliveryAttempt {
  attemptedDate: string;
  durationMs: number;
  statusCode: number | null;
  outcome: string;
  responseExcerpt: string | null;
  error: string | null;
}

export interface EventDetail extends EventSummary {
  record: unknown;
  notification: unknown;
  attempts: DeliveryAttempt[];
}

export interface EventFilter {
  deliveryStatus?: DeliveryStatus | '';
  eventType?: string;
  pageSize?: number;
}

/** GET /console/config.json: what the server tells the console about itself. */
export interface ConsoleConfig {
  sandbox: boolean;
  googleEmulatorUrl?: string;
  sandboxClientId?: string;
  sandboxClientSecret?: string;
  sandboxMailbox?: string;
}
