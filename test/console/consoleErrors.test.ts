// The console's error paths in Chromium: wrong secrets at sign-in, checks before leaving for Google,
// refused consent, a field the server rejects after the consent, a bad client secret, a forged
// redirect — each shown next to the field it is about, with the form kept.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { apiCall, startTestApp, type TestApp } from '../support/testApp.ts';
import { answerConsent, ensureConsoleBuilt, launchChromium, screenshot, sequentialSteps, watchPageErrors } from './consoleBrowser.ts';

const MAILBOX = 'errors.user@example.com';

let app: TestApp;
let browser: Browser;
let page: Page;
let pageErrors: string[];

before(async () => {
  ensureConsoleBuilt();
  [app, browser] = await Promise.all([startTestApp('sqlite', { CHANGEHOOK_SANDBOX: '1', CHANGEHOOK_SANDBOX_MICROSOFT_PORT: '0' }), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  pageErrors = watchPageErrors(page);
});

after(async () => {
  await browser?.close();
  await app?.close();
});

const step = sequentialSteps(() => page);

function fieldError(id: string) {
  return page.locator(`[data-field-error="${id}"]`);
}

async function fillValidForm(name: string): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Event Notification Callback URL').fill('http://127.0.0.1:9/hooks');
}

async function instanceCount(): Promise<number> {
  const { body } = await apiCall(app, 'GET', '/instances');
  return (body as unknown[]).length;
}

step('wrong secrets are refused next to the fields and nothing is kept', async () => {
  await page.goto(`${app.url}/`);
  await page.getByLabel('User secret').fill(app.userSecret);
  await page.getByLabel('Organization secret').fill('not-the-organization-secret');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await fieldError('organization-secret').waitFor();
  assert.match((await fieldError('user-secret').textContent()) ?? '', /Not accepted/);
  assert.equal(await page.getByLabel('Organization secret').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => window.sessionStorage.length), 0);
  await screenshot(page, 'sign-in-wrong-secrets');

  // The banner's whole Authorization line, pasted into one field, is understood.
  await page.getByLabel('User secret').fill(`Authorization: ${app.auth}`);
  await page.getByLabel('Organization secret').fill('');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
});

step('the form is checked before leaving for Google', async () => {
  await page.getByRole('navigation').getByRole('link', { name: 'Authenticate instance' }).click();
  await page.getByRole('button', { name: 'Create Instance' }).click();
  await fieldError('name').waitFor();
  await fieldError('callback-url').waitFor();
  // The keyboard lands on the first field in trouble.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'name');
  assert.equal(new URL(page.url()).pathname, '/instances/new');

  await page.getByText('Advanced: poller configuration (JSON)').click();
  await page.getByLabel('event.poller.configuration').fill('{"changed-messages": ');
  await fieldError('poller-json').waitFor();
  assert.equal(await page.getByRole('checkbox', { name: 'changed-messages' }).isDisabled(), true);
  await page.getByLabel('event.poller.configuration').fill('{"changed-messages": {"url": "/hubs/general/changed-messages", "idField": "id"}}');
  assert.equal(await page.getByRole('checkbox', { name: 'changed-messages' }).isChecked(), true);
});

step('refused consent brings the user back to the filled form', async () => {
  await fillValidForm('Denied inbox');
  await page.getByRole('button', { name: 'Create Instance' }).click();
  await answerConsent(page, app.emulator.baseUrl, MAILBOX, 'deny');
  const problem = page.locator('#form-problems .form-error');
  await problem.waitFor();
  assert.match((await problem.textContent()) ?? '', /refused on the consent page \(access_denied\)/);
  assert.equal(new URL(page.url()).pathname, '/instances/new');
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Denied inbox');
  assert.equal(await instanceCount(), 0);
  await screenshot(page, 'consent-denied');
});

step('a field the server refuses after the consent is shown next to that field', async () => {
  await page.getByLabel('Name', { exact: true }).fill('Too eager');
  await page.getByLabel('Event poller refresh interval (mins)').fill('0.001');
  await page.getByRole('button', { name: 'Create Instance' }).click();
  await answerConsent(page, app.emulator.baseUrl, MAILBOX, 'allow');
  const error = fieldError('refresh-interval');
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /configuration\.event\.poller\.refresh_interval must be at least 1 second/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'refresh-interval');
  assert.equal(await instanceCount(), 0);
  await screenshot(page, 'invalid-field');
});

step('a wrong OAuth client secret is shown next to the secret', async () => {
  await page.getByLabel('Event poller refresh interval (mins)').fill('0.0167');
  await page.getByLabel('OAuth client secret').fill('not-the-client-secret');
  await page.getByRole('button', { name: 'Create Instance' }).click();
  await answerConsent(page, app.emulator.baseUrl, MAILBOX, 'allow');
  const error = fieldError('client-secret');
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /oauth\.api\.secret/);
  assert.equal(await instanceCount(), 0);
});

step('a redirect this tab did not ask for is refused, and an empty one explained', async () => {
  await page.goto(`${app.url}/console/oauth/callback?code=forged-code&state=forged-state`);
  const problem = page.locator('#form-problems .form-error');
  await problem.waitFor();
  assert.match((await problem.textContent()) ?? '', /does not belong to the request this tab made/);
  assert.equal(await instanceCount(), 0);

  await page.getByRole('button', { name: 'Start over' }).click();
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), '');
  await page.goto(`${app.url}/console/oauth/callback?code=another-code&state=x`);
  await page.getByRole('heading', { name: 'Nothing to finish' }).waitFor();
});

step('signing out forgets the secrets', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => window.sessionStorage.length), 0);
  await page.goto(`${app.url}/instances`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.deepEqual(pageErrors, []);
});
