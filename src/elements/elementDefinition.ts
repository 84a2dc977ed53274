// What an element is: one object per provider, registered once (registeredElements.ts). It holds its
// Cloud Elements definition as data (what GET /elements shows: OAuth parameters, configuration fields,
// resources with their change detection and gap recovery, the default poller configuration) and what
// the generic code calls: its hub's operations, how its provider words errors and names the account
// behind a grant (ElementHub, which the hub engine runs) and how the poller reads its change feeds.

import type { ElementHub } from '../hubs/index.ts';

export interface ElementConfigurationField {
  key: string;
  name: string;
  type: 'TEXTFIELD_32' | 'TEXTFIELD_1000' | 'BOOLEAN' | 'TEXTAREA' | 'PASSWORD' | 'NUMBER';
  description: string;
  required: boolean;
  hidden?: boolean;
  /** Secret values are stored encrypted and masked in every response. */
  secret?: boolean;
  defaultValue?: string;
}

export interface ElementResource {
  name: string;
  path: string;
  methods: readonly ('GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE')[];
  description: string;
  /** Whether the poller can watch it, and how it detects changes. */
  polling?: 'cursor' | 'listing';
  /**
   * For a cursor resource: how to recover when the provider no longer has changes from an old cursor.
   * The poller keeps, per object the receiver was told about, a fingerprint of `stateFields`; when the
   * cursor expires it reads `snapshotPath` (every object with those fields, called with the query of
   * the poll URL, so that a feed narrowed by its query is snapshotted the same way), emits DELETED for objects
   * gone, UPDATED for objects whose fields differ and CREATED for new ones, reading each changed
   * object's full record from `recordPath` (`:id` is replaced).
   */
  recovery?: { snapshotPath: string; stateFields: readonly string[]; recordPath: string };
}

/**
 * The configuration fields of the events framework, the same for every element that polls (Cloud
 * Elements' keys): an element lists them after its own OAuth fields.
 */
export const EVENT_CONFIGURATION_FIELDS: readonly ElementConfigurationField[] = [
  { key: 'event.notification.enabled', name: 'Events Enabled', type: 'BOOLEAN', description: 'Send events to the callback URL', required: false, defaultValue: 'false' },
  { key: 'event.notification.callback.url', name: 'Event Notification Callback URL', type: 'TEXTFIELD_1000', description: 'Where events are POSTed', required: false },
  { key: 'event.notification.signature.key', name: 'Callback Notification Signature Key', type: 'PASSWORD', description: 'Signs each notification with HMAC-SHA256 (Elements-Webhook-Signature)', required: false, secret: true },
  { key: 'event.poller.refresh_interval', name: 'Event poller refresh interval (mins)', type: 'NUMBER', description: 'How often the poller checks for changes, in minutes', required: false, defaultValue: '15' },
  { key: 'event.poller.configuration', name: 'Configure Polling', type: 'TEXTAREA', description: 'Resources to poll, as JSON', required: false },
];

/** The fields of a change feed's records the poller reads; without them, the fingerprint and the poll date. */
export interface ChangeFeedFields {
  /** The provider's version of a change, part of the event id. */
  versionField?: string;
  /** When a created object came to be (epoch ms or ISO-8601): a CREATED event's date. */
  createdDateField?: string;
}

export interface ElementDefinition extends ElementHub {
  id: number;
  key: string;
  name: string;
  description: string;
  /** Who runs the consent page and the OAuth app the user registers (e.g. Google), as the console names it. */
  vendor: string;
  hub: string;
  authentication: {
    type: 'oauth2';
    /** URLs on the provider's origins; configuration may send them to another origin (an emulator). */
    authorizationUrl: string;
    tokenUrl: string;
    /** Where a grant is revoked (RFC 7009 style, `token=` form); undefined when the provider has none. */
    revokeUrl?: string;
    /**
     * Revoking one token ends every token of the same OAuth client and account (Google): a grant is
     * then revoked only when no other instance uses that client and account.
     */
    revocationEndsSharedGrant?: boolean;
    /** Token requests (code exchange and refresh) carry the scope, as Microsoft's token endpoint requires. */
    tokenRequestsCarryScope?: boolean;
    apiBaseUrl: string;
    defaultScopes: readonly string[];
    /** Extra query parameters of the authorization URL (e.g. to ask for a refresh token). */
    authorizationParameters: Readonly<Record<string, string>>;
  };
  configuration: readonly ElementConfigurationField[];
  resources: readonly ElementResource[];
  defaultPollerConfiguration: Readonly<Record<string, { url: string; idField: string }>>;
  events: { supported: boolean; methods: readonly ('polling' | 'webhooks')[] };
  /** Per cursor resource (by name), the fields of its records the poller reads; not shown by GET /elements. */
  changeFeeds?: Readonly<Record<string, ChangeFeedFields>>;
}
