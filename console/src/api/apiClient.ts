// The platform API as the console calls it: every request carries the signed-in tenant's
// Authorization header; error bodies ({requestId, message}) become ApiError so screens can show the
// message next to the field it names.

import type {
  ConsoleConfig,
  Element,
  EventDetail,
  EventFilter,
  EventSummary,
  Instance,
  OAuthUrl,
  PollerConfiguration,
  Redelivery,
  WebhookSecret,
} from './types.ts';

export const API_BASE = '/elements/api-v2';

export interface Credentials {
  userSecret: string;
  organizationSecret: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The body of POST /instances, exactly as the product page shows it. */
export interface CreateInstanceBody {
  element: { key: string };
  providerData: { code: string };
  configuration: Record<string, string | boolean | PollerConfiguration>;
  tags: string[];
  name: string;
}

export interface InstancePatch {
  name?: string;
  tags?: string[];
  disabled?: boolean;
  configuration?: Record<string, string | boolean | PollerConfiguration>;
}

function authorization(credentials: Credentials): string {
  return `User ${credentials.userSecret}, Organization ${credentials.organizationSecret}`;
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { message?: unknown; requestId?: unknown };
    if (typeof body.message === 'string') {
      return new ApiError(response.status, body.message, typeof body.requestId === 'string' ? body.requestId : undefined);
    }
  } catch {
    // not JSON: a proxy's error page, for instance
  }
  return new ApiError(response.status, `${response.status} ${response.statusText || 'error'}`);
}

export class ApiClient {
  constructor(
    private readonly credentials: Credentials,
    /** Called on any 401 so the console can return to sign-in. */
    private readonly onUnauthorized: () => void = () => {},
  ) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<{ body: T; headers: Headers }> {
    const response = await fetch(path.startsWith('/console/') ? path : `${API_BASE}${path}`, {
      method,
      headers: {
        authorization: authorization(this.credentials),
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401) this.onUnauthorized();
      throw error;
    }
    const text = await response.text();
    return { body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).body;
  }

  listElements(): Promise<Element[]> {
    return this.get('/elements');
  }

  getElement(key: string): Promise<Element> {
    return this.get(`/elements/${encodeURIComponent(key)}`);
  }

  /** The client secret is not sent: the URL does not need it, and a secret in a query string ends up in logs. */
  async oauthUrl(elementKey: string, params: { apiKey: string; callbackUrl: string; state: string; scope?: string }): Promise<string> {
    const query = new URLSearchParams({ apiKey: params.apiKey, callbackUrl: params.callbackUrl, state: params.state });
    if (params.scope) query.set('scope', params.scope);
    const result = await this.get<OAuthUrl>(`/elements/${encodeURIComponent(elementKey)}/oauth/url?${query}`);
    return result.oauthUrl;
  }

  listInstances(): Promise<Instance[]> {
    return this.get('/instances');
  }

  getInstance(id: number): Promise<Instance> {
    return this.get(`/instances/${id}`);
  }

  async createInstance(body: CreateInstanceBody): Promise<Instance> {
    return (await this.request<Instance>('POST', '/instances', body)).body;
  }

  async patchInstance(id: number, patch: InstancePatch): Promise<Instance> {
    return (await this.request<Instance>('PATCH', `/instances/${id}`, patch)).body;
  }

  async deleteInstance(id: number): Promise<void> {
    await this.request('DELETE', `/instances/${id}`);
  }

  /** Newest first; `instanceId` undefined lists the whole organization's events. */
  async listEvents(instanceId: number | undefined, filter: EventFilter): Promise<{ events: EventSummary[]; nextPage?: string }> {
    const query = new URLSearchParams();
    if (filter.deliveryStatus) query.set('deliveryStatus', filter.deliveryStatus);
    if (filter.eventType) query.set('eventType', filter.eventType);
    query.set('pageSize', String(filter.pageSize ?? 50));
    const base = instanceId === undefined ? '/instances/events' : `/instances/${instanceId}/events`;
    const { body, headers } = await this.request<EventSummary[]>('GET', `${base}?${query}`);
    return { events: body, nextPage: headers.get('elements-next-page-token') ?? undefined };
  }

  getEvent(eventId: string): Promise<EventDetail> {
    return this.get(`/instances/events/${encodeURIComponent(eventId)}`);
  }

  async redeliverEvent(instanceId: number, eventId: string): Promise<void> {
    await this.request('POST', `/instances/${instanceId}/events/${encodeURIComponent(eventId)}/redeliver`);
  }

  async redeliverFailed(instanceId: number): Promise<number> {
    return (await this.request<Redelivery>('POST', `/instances/${instanceId}/events/redeliver-failed`)).body.notifications;
  }

  async webhookSecret(instanceId: number): Promise<string> {
    return (await this.get<WebhookSecret>(`/instances/${instanceId}/webhook-secret`)).secret;
  }

  async rotateWebhookSecret(instanceId: number): Promise<string> {
    return (await this.request<WebhookSecret>('POST', `/instances/${instanceId}/webhook-secret/rotate`)).body.secret;
  }

  /** Sandbox only: a message into the instance's emulated mailbox, which its poller then sees. */
  async sendTestEmail(instanceId: number, message: { subject: string; text: string }): Promise<{ mailbox: string; messageId?: string }> {
    return (await this.request<{ mailbox: string; messageId?: string }>('POST', `/console/sandbox/instances/${instanceId}/test-email`, message)).body;
  }
}

/** Unauthenticated: whether this server is a sandbox, and its emulator's client. */
export async function fetchConsoleConfig(): Promise<ConsoleConfig> {
  try {
    const response = await fetch('/console/config.json', { headers: { accept: 'application/json' } });
    if (!response.ok) return { sandbox: false };
    return (await response.json()) as ConsoleConfig;
  } catch {
    return { sandbox: false };
  }
}
