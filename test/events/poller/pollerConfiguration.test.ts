import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequest } from '../../../src/errors/index.ts';
import { normalizeResourceKey } from '../../../src/events/deterministicId.ts';
import { parsePollerConfiguration, resourceNameFromUrl } from '../../../src/events/poller/pollerConfiguration.ts';

function rejects(value: unknown, message: string | RegExp, fieldName?: string): void {
  assert.throws(
    () => parsePollerConfiguration(value, fieldName === undefined ? {} : { fieldName }),
    (error: unknown) => {
      assert.ok(error instanceof BadRequest, `expected BadRequest, got ${String(error)}`);
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    },
  );
}

test('both seed variants parse to the same normalized resource key', () => {
  const withSlash = parsePollerConfiguration({ '/changed-messages': { url: '/hubs/general/changed-message', idField: 'id' } });
  const withoutSlash = parsePollerConfiguration({ 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } });
  assert.deepEqual(Object.keys(withSlash), ['changed-messages']);
  assert.deepEqual(withoutSlash, { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } });
});

test('accepts a JSON string', () => {
  const parsed = parsePollerConfiguration('{"/messages":{"url":"/hubs/general/messages?q=in:inbox","idField":"message.id"}}');
  assert.deepEqual(parsed, { messages: { url: '/hubs/general/messages?q=in:inbox', idField: 'message.id' } });
});

test('numbers and booleans may arrive as strings', () => {
  const parsed = parsePollerConfiguration({
    messages: {
      url: "/hubs/general/messages?after=${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}",
      idField: 'id',
      pageSize: '200',
      pollDelay: '15',
      filterByUpdatedDate: 'true',
      filterByCurrentDate: false,
      createdCheckTolerance: '2',
      datesConfiguration: {
        updatedDateField: 'updated',
        updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
        updatedDateTimezone: 'GMT',
        createdDateField: 'created',
        createdDateFormat: 'milliseconds',
      },
    },
  });
  assert.deepEqual(parsed.messages, {
    url: "/hubs/general/messages?after=${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}",
    idField: 'id',
    pageSize: 200,
    pollDelay: 15,
    filterByUpdatedDate: true,
    filterByCurrentDate: false,
    createdCheckTolerance: 2,
    datesConfiguration: {
      updatedDateField: 'updated',
      updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
      updatedDateTimezone: 'GMT',
      createdDateField: 'created',
      createdDateFormat: 'milliseconds',
    },
  });
});

test('root errors', () => {
  rejects(42, 'event.poller.configuration must be an object or a JSON string');
  rejects([], 'event.poller.configuration must be an object or a JSON string');
  rejects('{nope', /^event.poller.configuration must be an object or a JSON string: the string is not valid JSON$/);
  rejects(null, 'configuration.event.poller.configuration must be an object or a JSON string', 'configuration.event.poller.configuration');
  rejects({ '/': { url: '/hubs/general/x', idField: 'id' } }, /invalid resource name "\/"/);
  rejects(
    { '/changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' }, 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } },
    'event.poller.configuration.changed-messages is configured twice ("/changed-messages" and "changed-messages")',
  );
});

test('entry errors name the resource and the field', () => {
  const base = { url: '/hubs/general/changed-messages', idField: 'id' };
  const entry = (patch: Record<string, unknown>) => ({ '/changed-messages': { ...base, ...patch } });
  rejects({ 'changed-messages': 'x' }, /^event.poller.configuration.changed-messages must be an object/);
  rejects(entry({ idField: undefined }), 'event.poller.configuration.changed-messages.idField is required');
  rejects(entry({ idField: ' ' }), 'event.poller.configuration.changed-messages.idField is required');
  rejects(entry({ idField: 'message..id' }), /changed-messages.idField must be a dot path/);
  rejects(entry({ url: undefined }), 'event.poller.configuration.changed-messages.url is required');
  rejects(entry({ url: 5 }), 'event.poller.configuration.changed-messages.url must be a string');
  rejects(entry({ url: 'https://evil.example/hubs/general/x' }), /changed-messages.url must start with \/hubs\//);
  rejects(entry({ url: '/hubs/general' }), /changed-messages.url must look like \/hubs\/<hub>\/<resource>/);
  rejects(entry({ url: '/hubs/general/../admin' }), /changed-messages.url must not contain \. or \.\. segments/);
  rejects(entry({ url: '/hubs/general/m?x=${nope}' }), /^event.poller.configuration.changed-messages.url: unknown placeholder \$\{nope\}/);
  rejects(entry({ pageSize: 0 }), 'event.poller.configuration.changed-messages.pageSize must be an integer between 1 and 500');
  rejects(entry({ pageSize: '501' }), /pageSize must be an integer between 1 and 500/);
  rejects(entry({ pageSize: 2.5 }), /pageSize must be an integer/);
  rejects(entry({ pollDelay: -1 }), 'event.poller.configuration.changed-messages.pollDelay must be a number ≥ 0');
  rejects(entry({ pollDelay: 'soon' }), /pollDelay must be a number/);
  rejects(entry({ createdCheckTolerance: '-5' }), /createdCheckTolerance must be a number ≥ 0/);
  rejects(entry({ filterByUpdatedDate: 'yes' }), 'event.poller.configuration.changed-messages.filterByUpdatedDate must be true or false');
  rejects(entry({ datesConfiguration: [] }), /changed-messages.datesConfiguration must be an object/);
  rejects(entry({ datesConfiguration: { updatedDateField: 3 } }), 'event.poller.configuration.changed-messages.datesConfiguration.updatedDateField must be a string');
  rejects(entry({ datesConfiguration: { updatedDateField: 'u', updatedDateFormat: 'yyyy-WW' } }), /datesConfiguration.updatedDateFormat: .*unsupported letter WW/);
  rejects(entry({ datesConfiguration: { createdDateField: 'c', createdDateTimezone: 'Mars/Base' } }), /datesConfiguration.createdDateTimezone "Mars\/Base" is not a known time zone/);
  rejects(entry({ datesConfiguration: { updatedDateFormat: 'seconds' } }), /datesConfiguration.updatedDateField is required when updatedDateFormat/);
});

test('a resource named __proto__ stays an ordinary key', () => {
  const parsed = parsePollerConfiguration('{"__proto__":{"url":"/hubs/general/x","idField":"id"}}');
  assert.deepEqual(Object.keys(parsed), ['__proto__']);
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
});

test('resourceNameFromUrl and normalizeResourceKey', () => {
  assert.deepEqual(resourceNameFromUrl('/hubs/general/changed-messages?x=1'), { hubKey: 'general', resourceName: 'changed-messages' });
  assert.deepEqual(resourceNameFromUrl('/hubs/crm/contacts/${epoch}/notes/'), { hubKey: 'crm', resourceName: 'contacts/${epoch}/notes' });
  assert.throws(() => resourceNameFromUrl('/messages'), BadRequest);
  assert.equal(normalizeResourceKey('/labels'), 'labels');
  assert.equal(normalizeResourceKey('labels'), 'labels');
});
