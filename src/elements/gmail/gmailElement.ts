// The Gmail element, the one object registered for it: Google's OAuth 2.0 endpoints, the default scope,
// its hub resources and the default poller configuration of the Cloud Elements product page (as data),
// with its hub's operations, Google's error dialect, how it names a grant's account (users.getProfile)
// and the fields of its change feed's records.

import { EVENT_CONFIGURATION_FIELDS, type ElementDefinition } from '../elementDefinition.ts';
import { readGoogleError } from './googleErrors.ts';
import { GmailApi } from './hub/gmailApi.ts';
import { gmailHubOperations } from './hub/gmailHub.ts';

export const GOOGLE_ORIGINS = {
  accounts: 'https://accounts.google.com',
  oauth2: 'https://oauth2.googleapis.com',
  gmail: 'https://gmail.googleapis.com',
} as const;

export const gmailElement: ElementDefinition = {
  // Cloud Elements' id of its Gmail element, so clients that address it by id keep working.
  id: 6409,
  key: 'gmail',
  name: 'Gmail',
  description: "Google's email service: messages, threads, labels and drafts, with polling events through Gmail's History API.",
  vendor: 'Google',
  hub: 'general',
  authentication: {
    type: 'oauth2',
    authorizationUrl: `${GOOGLE_ORIGINS.accounts}/o/oauth2/v2/auth`,
    tokenUrl: `${GOOGLE_ORIGINS.oauth2}/token`,
    revokeUrl: `${GOOGLE_ORIGINS.oauth2}/revoke`,
    // Google keeps one authorization per (client, account): revoking any token of it ends them all.
    revocationEndsSharedGrant: true,
    apiBaseUrl: `${GOOGLE_ORIGINS.gmail}/gmail/v1`,
    defaultScopes: ['https://mail.google.com/'],
    authorizationParameters: { access_type: 'offline', prompt: 'consent' },
  },
  configuration: [
    { key: 'oauth.api.key', name: 'OAuth client id', type: 'TEXTFIELD_1000', description: 'Client ID of your Google app', required: true },
    { key: 'oauth.api.secret', name: 'OAuth client secret', type: 'PASSWORD', description: 'Client secret of your Google app', required: true, secret: true },
    { key: 'oauth.callback.url', name: 'OAuth callback URL', type: 'TEXTFIELD_1000', description: 'Authorized redirect URI of your Google app', required: true },
    { key: 'oauth.scope', name: 'OAuth scope', type: 'TEXTFIELD_1000', description: 'Space-separated Google scopes', required: false, defaultValue: 'https://mail.google.com/' },
    ...EVENT_CONFIGURATION_FIELDS,
  ],
  resources: [
    {
      name: 'changed-messages',
      path: '/changed-messages',
      methods: ['GET'],
      description: 'Messages changed since a cursor (Gmail History API)',
      polling: 'cursor',
      recovery: { snapshotPath: '/message-states', stateFields: ['labelIds'], recordPath: '/messages/:id' },
    },
    { name: 'message-states', path: '/message-states', methods: ['GET'], description: 'Every message with its labels, ids only (what history recovery compares)' },
    { name: 'messages', path: '/messages', methods: ['GET', 'POST', 'PATCH', 'DELETE'], description: 'Messages of the mailbox', polling: 'listing' },
    { name: 'threads', path: '/threads', methods: ['GET', 'PATCH', 'DELETE'], description: 'Conversations', polling: 'listing' },
    { name: 'labels', path: '/labels', methods: ['GET', 'POST', 'PATCH', 'DELETE'], description: 'System and user labels', polling: 'listing' },
    { name: 'drafts', path: '/drafts', methods: ['GET', 'POST', 'PUT', 'DELETE'], description: 'Drafts', polling: 'listing' },
  ],
  defaultPollerConfiguration: {
    'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' },
  },
  events: { supported: true, methods: ['polling'] },
  // changed-messages records are messages: historyId versions each change, internalDate dates a creation.
  changeFeeds: { 'changed-messages': { versionField: 'historyId', createdDateField: 'internalDate' } },
  operations: gmailHubOperations,
  readProviderError: readGoogleError,
  async identifyAccount(provider) {
    // users.getProfile costs 1 quota unit and proves the token works for Gmail.
    const profile: { emailAddress?: unknown } | undefined = await new GmailApi(provider).profile();
    return typeof profile?.emailAddress === 'string' ? profile.emailAddress : undefined;
  },
};
