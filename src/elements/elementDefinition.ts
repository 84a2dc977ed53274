// What an element is: a connector definition as data. A second element is mostly a second object of
// this shape plus its hub resources.

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
   * cursor expires it reads `snapshotPath` (every object with those fields), emits DELETED for objects
   * gone, UPDATED for objects whose fields differ and CREATED for new ones, reading each changed
   * object's full record from `recordPath` (`:id` is replaced).
   */
  recovery?: { snapshotPath: string; stateFields: readonly string[]; recordPath: string };
}

export interface ElementDefinition {
  id: number;
  key: string;
  name: string;
  description: string;
  hub: string;
  authentication: {
    type: 'oauth2';
    /** Paths on the provider's origins; the origins come from configuration (Google or the emulator). */
    authorizationUrl: string;
    tokenUrl: string;
    revokeUrl: string;
    apiBaseUrl: string;
    defaultScopes: readonly string[];
    /** Extra query parameters of the authorization URL (Google: offline access and consent). */
    authorizationParameters: Readonly<Record<string, string>>;
  };
  configuration: readonly ElementConfigurationField[];
  resources: readonly ElementResource[];
  defaultPollerConfiguration: Readonly<Record<string, { url: string; idField: string }>>;
  events: { supported: boolean; methods: readonly ('polling' | 'webhooks')[] };
  /** Names the provider account behind fresh tokens (shown on the instance); undefined if unknown. */
  identifyAccount?(apiBaseUrl: string, accessToken: string): Promise<string | undefined>;
}
