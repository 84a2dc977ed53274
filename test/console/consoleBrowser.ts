// What the console's browser tests share: a fresh build of the console when its sources changed,
// Debian's Chromium driven by playwright-core, screenshots under artifacts/, the consent page, and
// steps that continue one story.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const consoleDir = path.join(repoRoot, 'console');
const builtIndex = path.join(consoleDir, 'dist', 'index.html');
export const SCREENSHOT_DIR = path.join(repoRoot, 'artifacts', 'screenshots');

function newestSourceMtime(entry: string): number {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(entry).map((name) => newestSourceMtime(path.join(entry, name))));
}

/** Builds the console unless console/dist is newer than every source file (a stale build tests old code). */
export function ensureConsoleBuilt(): void {
  const sources = ['src', 'index.html', 'vite.config.ts'].map((name) => path.join(consoleDir, name));
  const builtAt = fs.existsSync(builtIndex) ? fs.statSync(builtIndex).mtimeMs : 0;
  if (builtAt > Math.max(...sources.map(newestSourceMtime))) return;
  execFileSync('npx', ['vite', 'build', 'console', '--logLevel', 'warn'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Collects uncaught page errors and console errors so a test can assert the console stayed healthy. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // Failed API calls the test provokes on purpose are logged by Chromium as resource errors.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  return errors;
}

/**
 * Answers an emulator's consent page as a user would: every emulator's page is a form with an email
 * field and allow / deny buttons (Google's at /o/oauth2/…, Microsoft's at /{tenant}/oauth2/v2.0/…).
 */
export async function answerConsent(page: Page, emulatorUrl: string, email: string, decision: 'allow' | 'deny', screenshotAs?: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${emulatorUrl}/`) && url.pathname.includes('/oauth2/'));
  await page.locator('input[name="email"]').fill(email);
  if (screenshotAs) await screenshot(page, screenshotAs);
  await page.locator(`button[name="decision"][value="${decision}"]`).click();
}

/**
 * Tests that continue one story in one page: after a failed step the rest are skipped (their failures
 * would only echo the first), and the page at the moment of failure is kept as a screenshot.
 */
export function sequentialSteps(currentPage: () => Page | undefined): (name: string, body: () => Promise<void>) => void {
  let failed: string | undefined;
  return (name, body) => {
    test(name, async (t) => {
      if (failed) {
        t.skip(`after the failed step "${failed}"`);
        return;
      }
      try {
        await body();
      } catch (error) {
        failed = name;
        const page = currentPage();
        if (page) await screenshot(page, `failed-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
        throw error;
      }
    });
  };
}
