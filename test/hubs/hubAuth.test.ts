// Who may call the hub: both Authorization forms, the instance must belong to the caller's
// organization, and the hub's resources and shapes appear in the OpenAPI document.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiCall } from '../support/testApp.ts';
import { startHubFixture, type HubFixture } from './hubFixture.ts';

describe('hub authorization and documentation', () => {
  let f: HubFixture;
  before(async () => {
    f = await startHubFixture('authz@example.com');
  });
  after(async () => {
    await f?.close();
  });

  it('accepts "User …, Organization …, Element …" and "User …, Element …"', async () => {
    assert.equal((await f.hub('GET', '/ping')).status, 200);
    const userOnly = await apiCall({ api: f.app.api, auth: `User ${f.app.userSecret}, Element ${f.instance.token}` }, 'GET', '/hubs/general/ping');
    assert.equal(userOnly.status, 200, JSON.stringify(userOnly.body));
    assert.equal(userOnly.body.emailAddress, 'authz@example.com');
  });

  // CE's Error Codes page: 401 for "an invalid element token"; one message whether or not the token exists elsewhere.
  it("refuses another organization's instance token, an unknown token and calls without an Element token with 401", async () => {
    const other = await f.app.server.services.tenants.createOrganization({ name: 'Other org', userEmail: 'other@example.com' });
    const foreign = await apiCall(
      { api: f.app.api, auth: `User ${other.userSecret}, Organization ${other.organizationSecret}, Element ${f.instance.token}` },
      'GET',
      '/hubs/general/messages',
    );
    assert.equal(foreign.status, 401);
    assert.ok(foreign.body.requestId);
    assert.match(foreign.body.message, /Element token is not valid/);
    const foreignUserOnly = await apiCall({ api: f.app.api, auth: `User ${other.userSecret}, Element ${f.instance.token}` }, 'GET', '/hubs/general/ping');
    assert.equal(foreignUserOnly.status, 401);

    const unknownToken = await apiCall({ api: f.app.api, auth: `${f.app.auth}, Element not-a-token` }, 'GET', '/hubs/general/ping');
    assert.equal(unknownToken.status, 401);
    assert.equal(unknownToken.body.message, foreign.body.message, 'no hint that the foreign token exists');
    const noElement = await apiCall(f.app, 'GET', '/hubs/general/ping');
    assert.equal(noElement.status, 401);
    assert.match(noElement.body.message, /Element/);
  });

  it('documents every hub resource with its normalized shape in the OpenAPI document', async () => {
    const response = await fetch(`${f.app.url}/docs/json`);
    assert.equal(response.status, 200);
    const spec = (await response.json()) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: any }> }> }>> };
    const base = '/elements/api-v2/hubs/general';
    for (const [path, method] of [
      ['/messages', 'get'],
      ['/messages', 'post'],
      ['/messages/{id}', 'get'],
      ['/messages/{id}', 'patch'],
      ['/messages/{id}', 'delete'],
      ['/messages/{id}/trash', 'post'],
      ['/messages/{id}/untrash', 'post'],
      ['/messages/{id}/attachments/{attachmentId}', 'get'],
      ['/messages/batch-modify', 'post'],
      ['/threads', 'get'],
      ['/threads/{id}', 'get'],
      ['/labels', 'post'],
      ['/drafts', 'post'],
      ['/drafts/{id}/send', 'post'],
      ['/changed-messages', 'get'],
      ['/ping', 'get'],
    ]) {
      assert.ok(spec.paths[`${base}${path}`]?.[method!], `${method} ${path} documented`);
    }
    // Gmail and Outlook Email share these paths; each answers in its own shape, documented as anyOf.
    const shapes = (schema: any): any[] => schema.anyOf ?? [schema];
    const messageShapes = shapes(spec.paths[`${base}/messages/{id}`]!.get!.responses['200']!.content!['application/json']!.schema);
    assert.equal(messageShapes.length, 2, 'one message shape per element');
    const gmailMessage = messageShapes.find((shape) => 'threadId' in shape.properties);
    for (const field of ['id', 'threadId', 'labelIds', 'snippet', 'historyId', 'internalDate', 'date', 'from', 'to', 'cc', 'subject', 'sizeEstimate', 'body', 'attachments']) {
      assert.ok(field in gmailMessage.properties, `message.${field}`);
    }
    const outlookMessage = messageShapes.find((shape) => 'parentFolderId' in shape.properties);
    assert.ok(outlookMessage, "Outlook Email's message shape");
    const changed = shapes(spec.paths[`${base}/changed-messages`]!.get!.responses['200']!.content!['application/json']!.schema);
    assert.equal(changed.length, 2);
    for (const feed of changed) assert.deepEqual(feed.items.properties.eventType.enum, ['CREATED', 'UPDATED', 'DELETED']);
  });
});
