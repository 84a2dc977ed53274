// The console end to end in Chromium, in the sandbox: sign in, authenticate a Gmail instance with
// events through the emulator's consent page, send a test email from the sandbox panel, watch its
// CREATED event get delivered, make the receiver fail and redeliver from the UI (all failed, and one),
// edit and delete.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { apiCall, startTestApp, type TestApp } from '../support/testApp.ts';
import { MAX_ATTEMPTS } from '../../src/events/delivery/retrySchedule.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';
import { answerConsent, ensureConsoleBuilt, launchChromium, screenshot, sequentialSteps, watchPageErrors } from './consoleBrowser.ts';

const MAILBOX = 'console.user@example.com';

let app: TestApp;
let receiver: WebhookReceiver;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let instanceId: number;

before(async () => {
  ensureConsoleBuilt();
  [app, receiver, browser] = await Promise.all([startTestApp('sqlite', { CHANGEHOOK_SANDBOX: '1', CHANGEHOOK_SANDBOX_MICROSOFT_PORT: '0' }), new WebhookReceiver().start(), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  pageErrors = watchPageErrors(page);
});

after(async () => {
  await browser?.close();
  await receiver?.close();
  await app?.close();
});

/** The row of the newest event of a type, as the live table shows it. */
function eventRow(eventType: string) {
  return page.locator(`tr[data-event-type="${eventType}"]`);
}

const step = sequentialSteps(() => page);

step('the console signs in with the tenant secrets and shows the catalog', async () => {
  await page.goto(`${app.url}/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByText('Sandbox.', { exact: true }).waitFor();
  await screenshot(page, 'sign-in');
  // By keyboard alone: the skip link first, then the fields in reading order, and Enter submits.
  const focusedId = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent);
  await page.keyboard.press('Tab');
  assert.equal(await focusedId(), 'Skip to content');
  await page.keyboard.press('Tab');
  assert.equal(await focusedId(), 'user-secret');
  await page.keyboard.type(app.userSecret);
  await page.keyboard.press('Tab');
  assert.equal(await focusedId(), 'organization-secret');
  await page.keyboard.type(app.orgSecret);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
  await page.getByText('No instances yet.').waitFor();

  await page.getByRole('navigation').getByRole('link', { name: 'Elements' }).click();
  await page.getByRole('heading', { name: /Gmail/ }).waitFor();
  await page.getByRole('article', { name: /Gmail/ }).getByRole('cell', { name: '/changed-messages' }).waitFor();
  await screenshot(page, 'elements');
});

step('Authenticate instance goes through the consent page and shows the id and token once', async () => {
  await page.getByRole('link', { name: 'Authenticate instance' }).first().click();
  await page.getByRole('heading', { name: 'Authenticate instance: Gmail' }).waitFor();
  // The form names the element's vendor.
  await page.getByRole('group', { name: 'Google app (OAuth 2.0 client)' }).waitFor();
  // Sandbox defaults: the emulator's client and this console's own callback page.
  assert.equal(await page.getByLabel('OAuth client id').inputValue(), 'sandbox-client-id.apps.googleusercontent.com');
  assert.equal(await page.getByLabel('OAuth callback URL (authorized redirect URI)').inputValue(), `${app.url}/console/oauth/callback`);
  assert.equal(await page.getByRole('checkbox', { name: 'changed-messages' }).isChecked(), true);

  await page.getByLabel('Name', { exact: true }).fill('Support inbox');
  await page.getByText('Optional fields').click();
  await page.getByLabel('Callback notification signature key').fill('console-signature-key');
  assert.equal(await page.getByRole('switch', { name: 'Events Enabled' }).isChecked(), true);
  await page.getByLabel('Event Notification Callback URL').fill(receiver.url);
  await page.getByLabel('Event poller refresh interval (mins)').fill('0.0167');
  // A checked resource is a copy of changed-messages with its own url; unchecking removes it again.
  await page.getByRole('checkbox', { name: 'labels' }).check();
  await page.getByText('Advanced: poller configuration (JSON)').click();
  const pollerJson = JSON.parse(await page.getByLabel('event.poller.configuration').inputValue()) as Record<string, { url: string; idField: string }>;
  assert.deepEqual(pollerJson.labels, { url: '/hubs/general/labels', idField: 'id' });
  await page.getByRole('checkbox', { name: 'labels' }).uncheck();
  await page.getByLabel('Tags').fill('Docs, console');
  await screenshot(page, 'authenticate-instance');

  await page.getByRole('button', { name: 'Create Instance' }).click();
  await answerConsent(page, app.emulator.baseUrl, MAILBOX, 'allow', 'google-consent');
  await page.getByRole('heading', { name: 'Instance created' }).waitFor();
  instanceId = Number(await page.getByTestId('created-instance-id').textContent());
  const shownToken = await page.getByTestId('created-instance-token').textContent();
  await screenshot(page, 'instance-created');

  const { status, body } = await apiCall(app, 'GET', `/instances/${instanceId}`);
  assert.equal(status, 200);
  assert.equal(body.token, shownToken);
  assert.equal(body.name, 'Support inbox');
  assert.deepEqual(body.tags, ['Docs', 'console']);
  assert.equal(body.providerAccount, MAILBOX);
  assert.equal(body.eventsNotificationCallbackUrl, receiver.url);
  assert.equal(body.configuration['event.notification.signature.key'], '********');
  assert.deepEqual(Object.keys(JSON.parse(body.configuration['event.poller.configuration'])), ['changed-messages']);
  // The code is spent and the pending form forgotten: the URL no longer carries the code.
  assert.equal(new URL(page.url()).search, '');
});

step('a test email from the sandbox panel becomes a delivered CREATED event', async () => {
  await page.getByRole('link', { name: 'Open the instance' }).click();
  await page.getByRole('heading', { level: 1, name: 'Support inbox' }).waitFor();
  // The first poll records a baseline and emits nothing; a message sent before it would be part of it.
  await page.getByRole('cell', { name: 'changed-messages' }).waitFor();
  await page.locator('section[aria-labelledby="polling-health"]').getByText('healthy').waitFor();

  await page.getByLabel('Subject').fill('First test email');
  await page.getByRole('button', { name: 'Send test email' }).click();
  await page.getByText(`Sent to ${MAILBOX}.`).waitFor();

  const created = eventRow('CREATED').and(page.locator('[data-status="DELIVERED"]'));
  await created.waitFor();
  await waitFor(() => receiver.events().some((e) => e.eventType === 'CREATED'), 'the receiver to get the CREATED event');

  await created.getByRole('button', { name: 'Details' }).click();
  const detail = page.locator('[data-event-detail]');
  await detail.getByRole('cell', { name: '200' }).waitFor();
  const notification = JSON.parse(await detail.getByLabel('Notification JSON').textContent() ?? '') as { message: { instanceId: number; events: { eventType: string }[] } };
  assert.equal(notification.message.instanceId, instanceId);
  assert.equal(notification.message.events[0]?.eventType, 'CREATED');
  await screenshot(page, 'instance-detail-events');
  await created.getByRole('button', { name: 'Hide' }).click();
});

step('a notification that failed for good is redelivered with "Redeliver all failed"', async () => {
  // The first attempt and the last one fail; in between, the test skips the retry schedule (5 s to
  // 24 h) by booking the last attempt now, so the notification reaches FAILED through the real worker.
  receiver.misbehave({ status: 500 }, { status: 500 });
  await page.getByLabel('Subject').fill('Second test email');
  await page.getByRole('button', { name: 'Send test email' }).click();

  // Watched through the API (every 50 ms), so the booking lands seconds before the 5 s retry would.
  const failedOnce = await waitFor(async () => {
    const { body } = await apiCall(app, 'GET', `/instances/${instanceId}/events?status=RETRYING`);
    return (body as { id: string; notificationId: string; attemptCount: number }[]).find((e) => e.attemptCount === 1);
  }, 'the first failed attempt');
  const booked = await app.server.services.store.db
    .updateTable('notifications')
    .set({ attempt_count: MAX_ATTEMPTS - 1, next_attempt_at: Date.now() })
    .where('id', '=', failedOnce.notificationId)
    .where('attempt_count', '=', 1)
    .executeTakeFirst();
  assert.equal(booked.numUpdatedRows, 1n);
  const eventId = failedOnce.id;
  await page.locator(`tr[data-event-id="${eventId}"][data-status="RETRYING"]`).or(page.locator(`tr[data-event-id="${eventId}"][data-status="FAILED"]`)).waitFor();
  const row = page.locator(`tr[data-event-id="${eventId}"]`);
  await page.locator(`tr[data-event-id="${eventId}"][data-status="FAILED"]`).waitFor();
  await page.getByLabel('Status').selectOption('FAILED');
  await page.getByRole('img', { name: /1 events shown: 0 delivered, 0 on their way, 1 failed/ }).waitFor();
  assert.equal(await page.locator('tr[data-event-id]').count(), 1);
  await screenshot(page, 'instance-delivery-failed');

  const deliveredBefore = receiver.deliveries.length;
  await page.getByRole('button', { name: 'Redeliver all failed' }).click();
  await page.getByText('1 failed notification queued for delivery again.').waitFor();
  await page.getByLabel('Status').selectOption('');
  await page.locator(`tr[data-event-id="${eventId}"][data-status="DELIVERED"]`).waitFor();
  await waitFor(() => receiver.deliveries.length > deliveredBefore, 'the redelivered notification');
  assert.ok(receiver.events().some((e) => e.id === eventId));

  await row.getByRole('button', { name: 'Details' }).click();
  const attempts = page.locator('[data-event-detail] table.attempts tbody tr');
  await waitFor(async () => (await attempts.count()) === 3, 'three attempts listed');
  assert.deepEqual(await attempts.locator('td:nth-child(3)').allTextContents(), ['500', '500', '200']);
  await screenshot(page, 'instance-redelivered');
  await row.getByRole('button', { name: 'Hide' }).click();
});

step('one event is redelivered with its own button', async () => {
  const first = page.locator('tr[data-event-type="CREATED"]').last();
  const eventId = await first.getAttribute('data-event-id');
  const deliveriesOfEvent = () => receiver.deliveries.filter((d) => d.json.message.events.some((e: { id: string }) => e.id === eventId));
  const before = deliveriesOfEvent();
  assert.equal(before.length, 1);
  await first.getByRole('button', { name: 'Redeliver' }).click();
  await page.getByText(/is queued for delivery again/).waitFor();
  const again = await waitFor(() => deliveriesOfEvent()[1], 'the event delivered a second time');
  // Same notification, so receivers can dedupe on webhook-id.
  assert.equal(again.headers['webhook-id'], before[0]!.headers['webhook-id']);
});

step('settings are edited with errors next to the field, and events turn off and on', async () => {
  const interval = page.getByLabel('Event poller refresh interval (mins)');
  await interval.fill('soon');
  await page.getByRole('button', { name: 'Save settings' }).click();
  const error = page.locator('[data-field-error="settings-refresh-interval"]');
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /event\.poller\.refresh_interval must be a number of minutes/);
  assert.equal(await interval.getAttribute('aria-invalid'), 'true');

  await interval.fill('0.0167');
  await page.getByLabel('Name', { exact: true }).fill('Support inbox (renamed)');
  await page.locator('#settings-tags').fill('Docs, console, renamed');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Saved.').waitFor();
  await page.getByRole('heading', { level: 1, name: 'Support inbox (renamed)' }).waitFor();
  const { body } = await apiCall(app, 'GET', `/instances/${instanceId}`);
  assert.equal(body.name, 'Support inbox (renamed)');
  assert.deepEqual(body.tags, ['Docs', 'console', 'renamed']);

  // The Standard Webhooks secret is shown on request only, and is the instance's.
  await page.getByRole('button', { name: 'Show secret' }).click();
  const shownSecret = await page.locator('section[aria-labelledby="webhook-secret-heading"] code.wrap').textContent();
  assert.equal(shownSecret, (await apiCall(app, 'GET', `/instances/${instanceId}/webhook-secret`)).body.secret);
  assert.match(shownSecret ?? '', /^whsec_/);
  await page.getByRole('button', { name: 'Hide secret' }).click();
  assert.equal(await page.title(), `Instance ${instanceId} · Changehook`);

  await page.getByRole('button', { name: 'Turn events off' }).click();
  await page.getByText('events off', { exact: true }).waitFor();
  assert.equal((await apiCall(app, 'GET', `/instances/${instanceId}`)).body.eventsEnabled, false);
  await page.getByRole('button', { name: 'Turn events on' }).click();
  await page.getByText('events on', { exact: true }).waitFor();
});

step('the organization view shows the events, the chart and the instances list', async () => {
  await page.getByRole('navigation').getByRole('link', { name: 'Events' }).click();
  await page.getByRole('heading', { name: 'Events of the organization' }).waitFor();
  await page.locator('tr[data-event-type="CREATED"]').nth(1).waitFor();
  const chart = page.getByRole('img', { name: /Events over time/ });
  assert.match((await chart.getAttribute('aria-label')) ?? '', /2 events shown: 2 delivered/);
  await page.getByRole('link', { name: 'Support inbox (renamed)' }).first().waitFor();
  await screenshot(page, 'org-events');

  await page.getByRole('navigation').getByRole('link', { name: 'Instances' }).click();
  await page.getByRole('link', { name: 'Support inbox (renamed)' }).waitFor();
  await screenshot(page, 'instances');
});

step('the instance page reads on a phone screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('link', { name: 'Support inbox (renamed)' }).click();
  await page.getByRole('heading', { level: 1, name: 'Support inbox (renamed)' }).waitFor();
  await page.locator('tr[data-event-type="CREATED"]').first().waitFor();
  // Nothing wider than the screen but the tables, which scroll inside their own box.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
  await screenshot(page, 'instance-detail-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

step('delete asks first, then removes the instance', async () => {
  await page.getByRole('button', { name: 'Delete instance' }).click();
  const dialog = page.getByRole('dialog', { name: /Delete “Support inbox \(renamed\)”/ });
  await dialog.waitFor();
  // Cancel has the focus: Enter right away keeps the instance.
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await apiCall(app, 'GET', `/instances/${instanceId}`)).status, 200);

  await page.getByRole('button', { name: 'Delete instance' }).click();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await page.getByText('No instances yet.').waitFor();
  assert.equal((await apiCall(app, 'GET', `/instances/${instanceId}`)).status, 404);
  assert.deepEqual(pageErrors, []);
});
