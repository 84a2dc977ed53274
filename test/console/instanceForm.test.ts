// The "Authenticate instance" form's plain logic: the POST /instances body is the product page's,
// resources are copies of the element's default resource (Gmail's changed-messages), the sandbox client
// and the messages follow the element's vendor, and server messages land on the field they name.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Element } from '../../console/src/api/types.ts';
import {
  checkForm,
  configuredResources,
  createBody,
  defaultValues,
  nearestPreset,
  presetText,
  problemFromMessage,
  refreshPresets,
  toggleResource,
  type InstanceFormValues,
} from '../../console/src/instanceForm.ts';

const gmail: Element = {
  id: 1,
  key: 'gmail',
  name: 'Gmail',
  description: 'Mail',
  vendor: 'Google',
  hub: 'general',
  authentication: { type: 'oauth2' },
  configuration: [],
  resources: [
    { name: 'changed-messages', path: '/changed-messages', methods: ['GET'], description: 'Changes', polling: 'cursor' },
    { name: 'messages', path: '/messages', methods: ['GET'], description: 'Messages', polling: 'listing' },
    { name: 'attachments', path: '/attachments', methods: ['GET'], description: 'Attachments' },
  ],
  defaultPollerConfiguration: { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
  events: { supported: true, methods: ['polling'] },
};

function filled(overrides: Partial<InstanceFormValues> = {}): InstanceFormValues {
  return {
    ...defaultValues(gmail, { sandbox: false }, 'https://console.example.com'),
    name: 'API Instance with Polling',
    clientId: 'client-id',
    clientSecret: 'client-secret',
    callbackUrl: 'https://cloud-element.com/elements/api-v2/events/page.elementKey/',
    tags: 'Docs',
    ...overrides,
  };
}

test('the body is the product page body, the poller configuration an object', () => {
  assert.deepEqual(createBody('gmail', filled(), 'the-code'), {
    element: { key: 'gmail' },
    providerData: { code: 'the-code' },
    configuration: {
      'oauth.api.key': 'client-id',
      'oauth.api.secret': 'client-secret',
      'oauth.callback.url': 'https://console.example.com/console/oauth/callback',
      'event.notification.enabled': true,
      'event.notification.callback.url': 'https://cloud-element.com/elements/api-v2/events/page.elementKey/',
      'event.poller.refresh_interval': '15',
      'event.poller.configuration': { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
    },
    tags: ['Docs'],
    name: 'API Instance with Polling',
  });
  const withOptional = createBody('gmail', filled({ signatureKey: 'key', scope: 'https://mail.google.com/', tags: ' a, ,b ' }), 'c');
  assert.equal(withOptional.configuration['event.notification.signature.key'], 'key');
  assert.equal(withOptional.configuration['oauth.scope'], 'https://mail.google.com/');
  assert.deepEqual(withOptional.tags, ['a', 'b']);
});

test('a checked resource copies the changed-messages configuration with its own url', () => {
  const base = JSON.stringify({ '/changed-messages': { url: '/hubs/general/changed-messages', idField: 'id', pollDelay: 5 } });
  const on = toggleResource(base, gmail, 'messages', true);
  assert.deepEqual(JSON.parse(on).messages, { url: '/hubs/general/messages', idField: 'id', pollDelay: 5 });
  // The seed's "/changed-messages" spelling counts as changed-messages.
  assert.deepEqual([...configuredResources(on)!].sort(), ['changed-messages', 'messages']);
  const off = toggleResource(on, gmail, 'changed-messages', false);
  assert.deepEqual(Object.keys(JSON.parse(off)), ['messages']);
  // With no changed-messages left to copy, the element's default is the template.
  assert.deepEqual(JSON.parse(toggleResource('{}', gmail, 'messages', true)).messages, { url: '/hubs/general/messages', idField: 'id' });
  assert.equal(configuredResources('{"broken"'), undefined);
});

test('client-side checks name their field; policy is left to the server', () => {
  assert.deepEqual(checkForm(filled(), 'Google'), []);
  const fields = (values: InstanceFormValues) => checkForm(values, 'Google').map((p) => p.field);
  assert.deepEqual(fields(filled({ name: ' ', clientSecret: '' })), ['name', 'clientSecret']);
  assert.deepEqual(fields(filled({ callbackUrl: '' })), ['callbackUrl']);
  assert.deepEqual(fields(filled({ callbackUrl: '', eventsEnabled: false })), []);
  assert.deepEqual(fields(filled({ callbackUrl: 'ftp://x' })), ['callbackUrl']);
  assert.deepEqual(fields(filled({ refreshInterval: 'soon' })), ['refreshInterval']);
  assert.deepEqual(fields(filled({ refreshInterval: '0.001' })), []);
  assert.deepEqual(fields(filled({ pollerJson: '[]' })), ['pollerJson']);
  assert.deepEqual(fields(filled({ redirectUri: '/relative' })), ['redirectUri']);
});

/** A second element of another vendor, polling another resource by default (as Outlook Email does). */
const outlook: Element = {
  ...gmail,
  id: 2,
  key: 'outlookemail',
  name: 'Outlook Email',
  vendor: 'Microsoft',
  resources: [
    { name: 'messages', path: '/messages', methods: ['GET'], description: 'Messages', polling: 'cursor' },
    { name: 'folders', path: '/folders', methods: ['GET'], description: 'Folders', polling: 'listing' },
  ],
  defaultPollerConfiguration: { messages: { url: '/hubs/general/messages', idField: 'id' } },
};

test('every element gets the same form: its own sandbox client, its vendor in the messages, its default resource as template', () => {
  const config = {
    sandbox: true,
    sandboxElements: [
      { elementKey: 'gmail', vendor: 'Google', emulatorUrl: 'http://127.0.0.1:8090', clientId: 'google-id', clientSecret: 'google-secret', mailbox: 'a@example.com' },
      { elementKey: 'outlookemail', vendor: 'Microsoft', emulatorUrl: 'http://127.0.0.1:8091', clientId: 'microsoft-id', clientSecret: 'microsoft-secret', mailbox: 'a@example.com' },
    ],
  };
  const forGmail = defaultValues(gmail, config, 'https://console.example.com');
  const forOutlook = defaultValues(outlook, config, 'https://console.example.com');
  assert.deepEqual([forGmail.clientId, forGmail.clientSecret], ['google-id', 'google-secret']);
  assert.deepEqual([forOutlook.clientId, forOutlook.clientSecret], ['microsoft-id', 'microsoft-secret']);
  assert.deepEqual(JSON.parse(forOutlook.pollerJson), { messages: { url: '/hubs/general/messages', idField: 'id' } });
  // Not in the sandbox, or an element no emulator stands in for: nothing prefilled.
  assert.equal(defaultValues(outlook, { sandbox: false, sandboxElements: config.sandboxElements }, 'https://c.example.com').clientId, '');
  assert.equal(defaultValues(outlook, { sandbox: true, sandboxElements: config.sandboxElements.slice(0, 1) }, 'https://c.example.com').clientId, '');

  const messages = checkForm({ ...forOutlook, clientId: '', clientSecret: ' ', name: 'x', callbackUrl: 'https://example.com' }, outlook.vendor).map((p) => p.message);
  assert.deepEqual(messages, ['The OAuth client id of your Microsoft app is required.', 'The OAuth client secret of your Microsoft app is required.']);

  const base = JSON.stringify({ messages: { url: '/hubs/general/messages', idField: 'id', pollDelay: 3 } });
  assert.deepEqual(JSON.parse(toggleResource(base, outlook, 'folders', true)).folders, { url: '/hubs/general/folders', idField: 'id', pollDelay: 3 });
});

test("the server's messages land next to the field they name", () => {
  const cases: [string, keyof InstanceFormValues | undefined][] = [
    ['configuration.event.notification.callback.url is required when event.notification.enabled is true', 'callbackUrl'],
    ['configuration.event.notification.callback.url must not be a private address', 'callbackUrl'],
    ['configuration.event.poller.refresh_interval must be at least 1 second, got 0.001', 'refreshInterval'],
    ['configuration.event.poller.configuration.changed-messages.idField is required', 'pollerJson'],
    ['The provider refused the client credentials oauth.api.key / oauth.api.secret (invalid_client)', 'clientSecret'],
    ['configuration.oauth.callback.url must be an absolute http(s) URL', 'redirectUri'],
    ['The provider refused to exchange the code (invalid_grant: redirect_uri mismatch)', 'redirectUri'],
    ['name is required and must be a non-empty string', 'name'],
    ['tags[0] must be a non-empty string', 'tags'],
    ['The provider failed to exchange the code (HTTP 503)', undefined],
  ];
  for (const [message, field] of cases) assert.equal(problemFromMessage(message).field, field, message);
});

test('the interval slider stops include the sandbox 1 s, written as the docs write it', () => {
  const presets = refreshPresets(true);
  assert.equal(presetText(presets[0]!), '0.0167');
  assert.equal(presets[nearestPreset(presets, 0.0167)], presets[0]);
  assert.equal(presets[nearestPreset(presets, 14)], 15);
  assert.equal(refreshPresets(false)[0], 1);
});
