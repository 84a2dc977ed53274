// The console with two elements, in Chromium, in the sandbox: it lists Gmail and Outlook Email, and
// the same "Authenticate instance" form creates an Outlook instance through the Microsoft emulator's
// consent page, each text naming Microsoft where the Gmail form names Google; a test email from the
// sandbox panel lands in the Microsoft emulator and comes back as a delivered CREATED event.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { apiCall, startTestApp, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';
import { answerConsent, ensureConsoleBuilt, launchChromium, screenshot, sequentialSteps, watchPageErrors } from './consoleBrowser.ts';

const MAILBOX = 'outlook.user@example.com';
const MICROSOFT_CLIENT_ID = '00000000-0000-4000-8000-00000000c0de';

let app: TestApp;
let receiver: WebhookReceiver;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let instanceId: number;
let microsoftEmulatorUrl: string;

before(async () => {
  ensureConsoleBuilt();
  // The test app points Gmail at its own Google emulator; the sandbox starts the Microsoft one (port 0).
  [app, receiver, browser] = await Promise.all([
    startTestApp('sqlite', { CHANGEHOOK_SANDBOX: '1', CHANGEHOOK_SANDBOX_MICROSOFT_PORT: '0' }),
    new WebhookReceiver().start(),
    launchChromium(),
  ]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  pageErrors = watchPageErrors(page);
});

after(async () => {
  await browser?.close();
  await receiver?.close();
  await app?.close();
});

const step = sequentialSteps(() => page);

step('the sandbox runs a Microsoft emulator for the Outlook element, and the banner lists both emulators', async () => {
  const outlook = app.server.sandbox?.find((provider) => provider.elementKey === 'outlookemail');
  assert.ok(outlook?.emulator, `the sandbox started no Microsoft emulator: ${JSON.stringify(app.server.sandbox)}`);
  assert.equal(outlook.vendor, 'Microsoft');
  microsoftEmulatorUrl = outlook.emulator.baseUrl;

  await page.goto(`${app.url}/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const banner = page.getByRole('note');
  await banner.getByText('Sandbox.', { exact: true }).waitFor();
  assert.match((await banner.textContent()) ?? '', new RegExp(`Google at ${app.emulator.baseUrl}`));
  assert.match((await banner.textContent()) ?? '', new RegExp(`Microsoft at ${microsoftEmulatorUrl}`));

  await page.getByLabel('User secret').fill(app.userSecret);
  await page.getByLabel('Organization secret').fill(app.orgSecret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
});

step('the catalog lists both elements with their vendors', async () => {
  await page.getByRole('navigation').getByRole('link', { name: 'Elements' }).click();
  const gmail = page.getByRole('article', { name: /Gmail/ });
  const outlook = page.getByRole('article', { name: /Outlook Email/ });
  await gmail.waitFor();
  await outlook.waitFor();
  assert.match((await gmail.locator('dl.facts').textContent()) ?? '', /VendorGoogle/);
  assert.match((await outlook.locator('dl.facts').textContent()) ?? '', /VendorMicrosoft/);
  await screenshot(page, 'elements-two');
});

step('the form offers both elements and, for Outlook, names Microsoft and prefills its sandbox client', async () => {
  await page.getByRole('navigation').getByRole('link', { name: 'Authenticate instance' }).click();
  await page.getByRole('heading', { name: 'Authenticate instance: Gmail' }).waitFor();
  const chooser = page.getByRole('group', { name: 'Element' });
  assert.equal(await chooser.getByRole('radio', { name: /Gmail/ }).isChecked(), true);
  await page.getByRole('group', { name: 'Google app (OAuth 2.0 client)' }).waitFor();

  await chooser.getByRole('radio', { name: /Outlook Email/ }).check();
  await page.getByRole('heading', { name: 'Authenticate instance: Outlook Email' }).waitFor();
  await page.getByRole('group', { name: 'Microsoft app (OAuth 2.0 client)' }).waitFor();
  assert.equal(await page.getByLabel('OAuth client id').inputValue(), MICROSOFT_CLIENT_ID);
  assert.equal(await page.getByLabel('OAuth client secret').inputValue(), 'sandbox-outlook-client-secret');
  assert.equal(await page.getByLabel('OAuth callback URL (authorized redirect URI)').inputValue(), `${app.url}/console/oauth/callback`);
  // Google is named only in the chooser's Gmail entry, nowhere in the form or its introduction.
  const form = (await page.locator('main form').textContent()) ?? '';
  assert.doesNotMatch(form, /Google/, 'the Outlook form still names Google');
  const introduction = (await page.locator('main section > p').first().textContent()) ?? '';
  assert.match(introduction, /sign in\s+with Microsoft/);

  // A client-side check names the element's vendor.
  await page.getByLabel('OAuth client id').fill('');
  await page.getByRole('button', { name: 'Create Instance' }).click();
  await page.getByText('The OAuth client id of your Microsoft app is required.').waitFor();
  await page.getByLabel('OAuth client id').fill(MICROSOFT_CLIENT_ID);
  await screenshot(page, 'authenticate-outlook-instance');
});

step('a refused consent and a forged redirect bring the user back to the Outlook form, naming Microsoft', async () => {
  await page.getByLabel('Name', { exact: true }).fill('Outlook inbox');
  await page.getByLabel('Event Notification Callback URL').fill(receiver.url);
  await page.getByLabel('Event poller refresh interval (mins)').fill('0.0167');
  await page.getByRole('button', { name: 'Create Instance' }).click();
  await answerConsent(page, microsoftEmulatorUrl, MAILBOX, 'deny');
  const problem = page.locator('#form-problems .form-error');
  await problem.waitFor();
  assert.match((await problem.textContent()) ?? '', /refused on the consent page \(access_denied: AADSTS65004/);
  await page.getByRole('heading', { name: 'Authenticate instance: Outlook Email' }).waitFor();
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Outlook inbox');

  await page.goto(`${app.url}/console/oauth/callback?code=forged-code&state=forged-state`);
  await problem.waitFor();
  assert.match((await problem.textContent()) ?? '', /^The answer from Microsoft does not belong to the request this tab made/);
  await page.getByRole('heading', { name: 'Authenticate instance: Outlook Email' }).waitFor();
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Outlook inbox');
});

step('Create Instance goes through the Microsoft emulator consent page and creates an Outlook instance', async () => {
  await page.getByRole('button', { name: 'Create Instance' }).click();
  await answerConsent(page, microsoftEmulatorUrl, MAILBOX, 'allow', 'microsoft-consent');
  await page.getByRole('heading', { name: 'Instance created' }).waitFor();
  instanceId = Number(await page.getByTestId('created-instance-id').textContent());

  const { status, body } = await apiCall(app, 'GET', `/instances/${instanceId}`);
  assert.equal(status, 200);
  assert.equal(body.element.key, 'outlookemail');
  assert.equal(body.name, 'Outlook inbox');
  assert.equal(body.providerAccount, MAILBOX);
  assert.equal(body.configuration['oauth.api.key'], MICROSOFT_CLIENT_ID);
  await screenshot(page, 'outlook-instance-created');
});

step('a test email from the sandbox panel lands in the Microsoft emulator and becomes a delivered CREATED event', async () => {
  await page.getByRole('link', { name: 'Open the instance' }).click();
  await page.getByRole('heading', { level: 1, name: 'Outlook inbox' }).waitFor();
  // The first poll records a baseline and emits nothing; a message sent before it would be part of it.
  await page.locator('section[aria-labelledby="polling-health"]').getByText('healthy').waitFor();

  await page.getByLabel('Subject').fill('Outlook test email');
  await page.getByRole('button', { name: 'Send test email' }).click();
  await page.getByText(`Sent to ${MAILBOX}.`).waitFor();
  await page.locator('tr[data-event-type="CREATED"][data-status="DELIVERED"]').waitFor({ timeout: 30_000 });
  const delivery = await waitFor(() => receiver.deliveries.find((d) => d.json.message.elementKey === 'outlookemail'), 'the receiver to get the Outlook event');
  // The panel's text reached the Microsoft emulator as the message's body (Graph's bodyPreview).
  assert.match(JSON.stringify(delivery.json.message.raw), /Sent from the console at /);
  await screenshot(page, 'outlook-instance-events');
});

step("the delete warning names Microsoft's grant, and delete removes the instance", async () => {
  await page.getByRole('button', { name: 'Delete instance' }).click();
  const dialog = page.getByRole('dialog', { name: /Delete “Outlook inbox”/ });
  await dialog.waitFor();
  await dialog.getByText(/its grant from Microsoft is given up/).waitFor();
  assert.doesNotMatch((await dialog.textContent()) ?? '', /Google/);
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await page.getByText('No instances yet.').waitFor();
  assert.equal((await apiCall(app, 'GET', `/instances/${instanceId}`)).status, 404);
  assert.deepEqual(pageErrors, []);
});
