import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gmailElement } from '../../../src/elements/gmail/index.ts';
import { effectiveResourceConfiguration } from '../../../src/events/poller/resourcePoller.ts';

test("the product page's /changed-messages key with the url /hubs/general/changed-message polls changed-messages", () => {
  const config = { url: '/hubs/general/changed-message', idField: 'id' };
  assert.deepEqual(effectiveResourceConfiguration(gmailElement, 'changed-messages', config), { url: '/hubs/general/changed-messages', idField: 'id' });
  const withQuery = { url: "/hubs/general/changed-message?where=labelIds='INBOX'", idField: 'id' };
  assert.equal(effectiveResourceConfiguration(gmailElement, 'changed-messages', withQuery).url, "/hubs/general/changed-messages?where=labelIds='INBOX'");
});

test('a url naming a known resource, or a key naming none, is polled as configured', () => {
  const labels = { url: '/hubs/general/labels', idField: 'id' };
  assert.equal(effectiveResourceConfiguration(gmailElement, 'my-labels', labels), labels);
  const unknown = { url: '/hubs/general/nothing-here', idField: 'id' };
  assert.equal(effectiveResourceConfiguration(gmailElement, 'also-unknown', unknown), unknown);
});
