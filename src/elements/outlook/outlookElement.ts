// The Outlook Email element, the one object registered for it: the Microsoft identity platform's
// OAuth 2.0 endpoints (v2.0, the `common` tenant: work, school and personal accounts), the default
// scopes, its hub resources and the default poller configuration (as data), with its hub's operations,
// Graph's error dialect, how it names a grant's account (GET /me) and the fields of its change feed's
// records. Microsoft has no token revocation endpoint: a grant is ended by its user (or an admin).

import { EVENT_CONFIGURATION_FIELDS, type ElementDefinition } from '../elementDefinition.ts';
import { readGraphError } from './graphErrors.ts';
import { GraphApi } from './hub/graphApi.ts';
import { STATE_FIELDS } from './hub/messageShape.ts';
import { outlookHubOperations } from './hub/outlookHub.ts';
import { WATCHED_FOLDERS } from './hub/watchedFolders.ts';

export const MICROSOFT_ORIGINS = {
  identity: 'https://login.microsoftonline.com',
  graph: 'https://graph.microsoft.com',
} as const;

const DEFAULT_SCOPES = ['offline_access', 'User.Read', 'Mail.ReadWrite', 'Mail.Send'] as const;

export const outlookElement: ElementDefinition = {
  // Cloud Elements' id of its Outlook Email element could not be found; this one is ours (see the report).
  id: 6410,
  key: 'outlookemail',
  name: 'Outlook Email',
  description: "Microsoft's email service (Outlook.com and Microsoft 365): messages and mail folders through Microsoft Graph, with polling events through Graph's message delta.",
  vendor: 'Microsoft',
  hub: 'general',
  authentication: {
    type: 'oauth2',
    authorizationUrl: `${MICROSOFT_ORIGINS.identity}/common/oauth2/v2.0/authorize`,
    tokenUrl: `${MICROSOFT_ORIGINS.identity}/common/oauth2/v2.0/token`,
    // Microsoft's token endpoint wants the scope on code exchange and refresh alike.
    tokenRequestsCarryScope: true,
    apiBaseUrl: `${MICROSOFT_ORIGINS.graph}/v1.0`,
    defaultScopes: DEFAULT_SCOPES,
    // The code comes back in the redirect's query (the default for a code flow, said explicitly).
    // Microsoft issues a refresh token whenever offline_access is granted: no consent prompt is forced.
    authorizationParameters: { response_mode: 'query' },
  },
  configuration: [
    { key: 'oauth.api.key', name: 'OAuth client id', type: 'TEXTFIELD_1000', description: 'Application (client) ID of your Microsoft Entra app registration', required: true },
    { key: 'oauth.api.secret', name: 'OAuth client secret', type: 'PASSWORD', description: 'Client secret value of your Microsoft Entra app registration', required: true, secret: true },
    { key: 'oauth.callback.url', name: 'OAuth callback URL', type: 'TEXTFIELD_1000', description: 'Redirect URI (Web platform) of your Microsoft Entra app registration', required: true },
    { key: 'oauth.scope', name: 'OAuth scope', type: 'TEXTFIELD_1000', description: 'Space-separated Microsoft Graph permissions (delegated); keep offline_access', required: false, defaultValue: DEFAULT_SCOPES.join(' ') },
    ...EVENT_CONFIGURATION_FIELDS,
  ],
  resources: [
    {
      name: 'changed-messages',
      path: '/changed-messages',
      methods: ['GET'],
      description: `Messages created, changed or deleted since a cursor in ${WATCHED_FOLDERS.join(', ')} (Graph message delta)`,
      polling: 'cursor',
      recovery: { snapshotPath: '/message-states', stateFields: STATE_FIELDS, recordPath: '/messages/:id' },
    },
    { name: 'message-states', path: '/message-states', methods: ['GET'], description: 'Every message of the watched folders with the fields recovery compares' },
    { name: 'messages', path: '/messages', methods: ['GET', 'POST', 'PATCH', 'DELETE'], description: 'Messages of the mailbox', polling: 'listing' },
    { name: 'folders', path: '/folders', methods: ['GET'], description: 'Mail folders', polling: 'listing' },
  ],
  defaultPollerConfiguration: {
    'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' },
  },
  events: { supported: true, methods: ['polling'] },
  // changed-messages records: `version` versions each change, createdDateTime dates a creation.
  changeFeeds: { 'changed-messages': { versionField: 'version', createdDateField: 'createdDateTime' } },
  operations: outlookHubOperations,
  readProviderError: readGraphError,
  async identifyAccount(provider) {
    const me = await new GraphApi(provider).me(['mail', 'userPrincipalName']);
    if (typeof me.mail === 'string' && me.mail !== '') return me.mail;
    return typeof me.userPrincipalName === 'string' && me.userPrincipalName !== '' ? me.userPrincipalName : undefined;
  },
};
