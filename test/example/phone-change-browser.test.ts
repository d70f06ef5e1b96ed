// The example's /account/phone in headless Chromium (playwright-core with the system's chromium):
// the demo user signs in with password and code, follows the link from the profile, types a new
// number, gets the code page of the change (which shows the SMS's delivery report, from the
// sandbox's webhooks, as the login's code page does: issue 18, item 5), types a wrong code (the
// number stays), then the right one (the profile shows the new number). Screenshots go to
// test-output/screenshots/.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DingSandbox } from 'passport-ding/sandbox';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { chromiumGate } from '../helpers/env.js';
import { launchChromium, pageProblems } from '../helpers/chromium.js';
import { startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';
import { startWebhookExample } from './webhook-example.js';

const SUITE = 'phone-change browser suite (test/example/phone-change-browser.test.ts)';
const SHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

if (chromiumGate(SUITE)) {
  describe(SUITE, () => {
    const clock = new TestClock();
    let sandbox: DingSandbox;
    let example: RunningExample;
    let browser: Browser;

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      sandbox = await startSandbox(clock);
      // Ding V1, as before; wired to the sandbox's delivery webhooks like `npm start` in sandbox mode.
      example = await startWebhookExample(sandbox, clock, 'ding');
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await example?.stop();
      await sandbox?.close();
    });

    async function shot(page: Page, name: string): Promise<void> {
      await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
    }

    it('/account/phone: new number -> code page -> a wrong code keeps the old number -> the right one changes it', async () => {
      const context = await browser.newContext({ viewport: { width: 720, height: 860 } });
      const page = await context.newPage();
      // The wrong code answers 401 on purpose.
      const problems = pageProblems(page, [401]);
      const demo = DEFAULT_DEMO_USER;
      const newPhone = '+12015550399';

      await page.goto(`${example.url}/login/password`);
      await page.getByLabel('Username').fill(demo.username);
      await page.getByLabel('Password').fill(demo.password);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(`${example.url}/2fa/code`);
      await page.getByLabel('Code', { exact: true }).fill(sandbox.latestCode(demo.phone) ?? '');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${example.url}/account`);

      await page.getByRole('link', { name: 'Change your phone number' }).click();
      await page.waitForURL(`${example.url}/account/phone`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Change your phone number');
      expect(await page.locator('.current-phone').textContent()).toBe('+1 201 555 0123');
      const input = page.getByLabel('New phone number');
      expect(await input.getAttribute('type')).toBe('tel');
      expect(await input.getAttribute('autocomplete')).toBe('tel');
      await shot(page, 'phone-change-01-form');
      await input.fill(newPhone);
      await page.getByRole('button', { name: 'Text a code to the new number' }).click();
      await page.waitForURL(`${example.url}/account/phone/code`);

      const codeInput = page.getByLabel('Code', { exact: true });
      expect(await codeInput.getAttribute('autocomplete')).toBe('one-time-code');
      expect(await page.locator('.masked-phone').textContent()).toBe('+1•••••0399');
      // The shared code page's countdown script ran under the CSP nonce.
      expect(await page.locator('#resend').isDisabled()).toBe(true);
      // The delivery report of this change's SMS, updated by the page's script without a reload.
      await page.locator('#delivery-status', { hasText: 'delivered' }).waitFor({ timeout: 15_000 });
      expect(page.url()).toBe(`${example.url}/account/phone/code`);
      await shot(page, 'phone-change-02-code');

      const right = sandbox.latestCode(newPhone) ?? '';
      await codeInput.fill(right === '000000' ? '111111' : '000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForLoadState();
      expect(await page.getByRole('alert').textContent()).toBe('That code is not correct.');
      expect(page.url()).toBe(`${example.url}/account/phone/code`);
      expect(example.users.findById('demo')?.phone).toBe(demo.phone);
      await shot(page, 'phone-change-03-wrong');

      await page.getByLabel('Code', { exact: true }).fill(right);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${example.url}/account`);
      expect(await page.getByRole('status').textContent()).toBe('Your phone number is changed.');
      expect(await page.locator('dd').first().textContent()).toBe('+1 201 555 0399');
      expect(example.users.findById('demo')?.phone).toBe(newPhone);
      // Still signed in as before: the page behind both factors still opens.
      await page.goto(`${example.url}/account/security`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Security settings');
      await shot(page, 'phone-change-04-done');

      await context.close();
      expect(problems).toEqual([]);
    });
  });
}
