// The example's real pages in headless Chromium (playwright-core with the system's chromium):
// phone -> code (read from the sandbox) -> profile, a wrong code, a resend, return-to forms that
// would leave the site, a password account refused by SMS alone, error pages, the second-factor
// demo, and sign-out. A screenshot of each page goes to test-output/screenshots/.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DingSandbox } from 'passport-ding/sandbox';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { chromiumGate } from '../helpers/env.js';
import { launchChromium, pageProblems } from '../helpers/chromium.js';
import { startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';
import { wrongCode } from '../helpers/codes.js';
import { startWebhookExample } from '../example/webhook-example.js';

const SUITE = 'browser suite (test/e2e/browser.test.ts)';
const SHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

if (chromiumGate(SUITE)) {
  describe(SUITE, () => {
    const clock = new TestClock();
    let sandbox: DingSandbox;
    let example: RunningExample;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let problems: string[];

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      sandbox = await startSandbox(clock);
      example = await startExample(sandbox, clock);
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await example?.stop();
      await sandbox?.close();
    });

    beforeEach(async () => {
      clock.offset = 0;
      context = await browser.newContext({ viewport: { width: 720, height: 860 } });
      page = await context.newPage();
      // Failure pages answer 401/429 on purpose, and so do the error pages under test (403, 404, 413).
      problems = pageProblems(page, [401, 403, 404, 413, 429]);
    });

    afterEach(async () => {
      await context?.close();
      expect(problems).toEqual([]);
    });

    async function shot(name: string): Promise<void> {
      await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
    }

    async function enterPhone(phone: string): Promise<void> {
      await page.goto(`${example.url}/login`);
      await page.getByLabel('Phone number').fill(phone);
      await page.getByRole('button', { name: 'Text me a code' }).click();
      await page.waitForURL(`${example.url}/login/code`);
    }

    it('phone -> code from the sandbox -> profile', async () => {
      const phone = '+12015550301';
      await page.goto(`${example.url}/login`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in with your phone');
      expect(await page.title()).toContain('Sign in');
      await shot('01-login');
      await page.getByLabel('Phone number').fill(phone);
      await page.getByRole('button', { name: 'Text me a code' }).click();
      await page.waitForURL(`${example.url}/login/code`);

      const codeInput = page.getByLabel('Code', { exact: true });
      expect(await codeInput.getAttribute('inputmode')).toBe('numeric');
      expect(await codeInput.getAttribute('autocomplete')).toBe('one-time-code');
      expect(await page.locator('.masked-phone').textContent()).toBe('+1•••••0301');
      // The countdown script ran (under the CSP nonce) and holds the resend button back.
      expect(await page.locator('#resend').isDisabled()).toBe(true);
      expect(await page.locator('#resend-hint').textContent()).toMatch(/You can ask for a new code in \d+ seconds?\./);
      await shot('02-code');

      await codeInput.fill(sandbox.latestCode(phone) ?? '');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${example.url}/account`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Phone user');
      expect(await page.locator('dd').first().textContent()).toBe('+1 201 555 0301');
      await shot('03-profile');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${example.url}/login?signedOut=1`);
      expect(await page.getByRole('status').textContent()).toBe('You are signed out.');
    });

    it('a wrong code shows the message on the page', async () => {
      const phone = '+12015550302';
      await enterPhone(phone);
      const wrong = wrongCode(sandbox.latestCode(phone));
      await page.getByLabel('Code', { exact: true }).fill(wrong);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForLoadState();
      expect(await page.getByRole('alert').textContent()).toBe('That code is not correct.');
      expect(await page.locator('#code-hint').textContent()).toContain('4 attempts left');
      await shot('04-code-wrong');
    });

    it('resend: available after the countdown, then the new code signs in', async () => {
      const phone = '+12015550303';
      await enterPhone(phone);
      const retries = sandbox.stats().byOperation.retry ?? 0;
      clock.advance(31_000);
      await page.reload();
      expect(await page.locator('#resend').isEnabled()).toBe(true);
      expect(await page.locator('#resend-hint').textContent()).toBe('You can ask for a new code now.');
      await page.getByRole('button', { name: 'Send a new code' }).click();
      await page.waitForURL(`${example.url}/login/code`);
      expect(sandbox.stats().byOperation.retry).toBe(retries + 1);
      expect(await page.getByRole('status').textContent()).toBe('A new code is on its way.');
      expect(await page.locator('#resend').isDisabled()).toBe(true);
      await shot('05-code-resent');

      await page.getByLabel('Code', { exact: true }).fill(sandbox.latestCode(phone) ?? '');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${example.url}/account`);
    });

    it('open redirect: returnTo forms that normalise to //evil.example stay on this site', async () => {
      const left: string[] = [];
      // Nothing beyond the example may load; a request elsewhere is recorded and refused.
      await context.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1') return route.continue();
        left.push(url.href);
        return route.abort();
      });
      let n = 310;
      for (const target of ['/.//evil.example/x', '/%2e//evil.example/x', '/a/..//evil.example/x', '/./\\evil.example/x']) {
        const phone = `+1201555${String((n += 1)).padStart(4, '0')}`;
        await page.goto(`${example.url}/login?returnTo=${encodeURIComponent(target)}`);
        await page.getByLabel('Phone number').fill(phone);
        await page.getByRole('button', { name: 'Text me a code' }).click();
        await page.waitForURL(`${example.url}/login/code`);
        await page.getByLabel('Code', { exact: true }).fill(sandbox.latestCode(phone) ?? '');
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL(`${example.url}/account`);
        // Signed in, /login follows a returnTo at once (a link in a mail, say): same check.
        await page.goto(`${example.url}/login?returnTo=${encodeURIComponent(target)}`).catch(() => undefined);
        expect(new URL(page.url()).host).toBe(new URL(example.url).host);
        await page.goto(`${example.url}/account`);
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.waitForURL(`${example.url}/login?signedOut=1`);
      }
      expect(left).toEqual([]);
    });

    it('a number that belongs to an account with a password does not sign in by SMS alone', async () => {
      await enterPhone(DEFAULT_DEMO_USER.phone);
      await page.getByLabel('Code', { exact: true }).fill(sandbox.latestCode(DEFAULT_DEMO_USER.phone) ?? '');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForLoadState();
      expect(await page.getByRole('alert').textContent()).toContain('This number belongs to an account with a password.');
      await shot('09-password-account-refused');
      await page.getByRole('link', { name: 'Sign in with your password' }).first().click();
      await page.waitForURL(`${example.url}/login/password`);
      await page.goto(`${example.url}/account`);
      await page.waitForURL(/\/login\?returnTo=%2Faccount$/);
    });

    it('error pages explain and link back: a 10 KB phone number, an unknown page', async () => {
      await page.goto(`${example.url}/login`);
      // Past the field's own limits, as a script or a paste would.
      await page.getByLabel('Phone number').evaluate((el, value) => el.setAttribute('value', value), '1'.repeat(10_000));
      await page.getByRole('button', { name: 'Text me a code' }).click();
      await page.waitForLoadState();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('That was too long');
      expect(await page.locator('.explain').textContent()).toContain('8KB');
      await shot('10-error-413');
      await page.getByRole('link', { name: 'Back to the sign-in page' }).click();
      await page.waitForURL(`${example.url}/login`);
      expect(await page.getByLabel('Phone number').isVisible()).toBe(true);

      const missing = await page.goto(`${example.url}/no/such/page`);
      expect(missing?.status()).toBe(404);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
      await shot('11-error-404');
      await page.getByRole('link', { name: 'Back to the start' }).click();
      await page.waitForURL(`${example.url}/login`);
    });

    it('second factor: password, SMS code to the stored phone, security page', async () => {
      const { username, password, phone } = DEFAULT_DEMO_USER;
      await page.goto(`${example.url}/login/password`);
      await shot('06-password');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(`${example.url}/2fa/code`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Confirm it is you');
      await shot('07-second-factor-code');

      await page.getByLabel('Code', { exact: true }).fill(sandbox.latestCode(phone) ?? '');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${example.url}/account`);
      await page.getByRole('link', { name: 'Security settings' }).click();
      await page.waitForURL(`${example.url}/account/security`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Security settings');
      await shot('08-security');
    });
  });
}

// The example with the sandbox's delivery webhooks (issue 18, item 5) and "Remember this device"
// (issue 19, item 2), in Chromium: the code page's delivery report updates by itself, and a
// remembered device skips the SMS until it is forgotten.
const WIRING_SUITE = 'browser suite: delivery reports and remembered devices (test/browser.test.ts)';
if (chromiumGate(WIRING_SUITE)) {
  describe(WIRING_SUITE, () => {
    const clock = new TestClock();
    const undeliverable = '+12015550667';
    let sandbox: DingSandbox;
    let example: RunningExample;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let problems: string[];

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      sandbox = await startSandbox(clock, { numbers: { [undeliverable]: 'undeliverable' } });
      example = await startWebhookExample(sandbox, clock, 'prelude', { limits: false });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await example?.stop();
      await sandbox?.close();
    });

    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 720, height: 860 } });
      page = await context.newPage();
      problems = pageProblems(page);
    });

    afterEach(async () => {
      await context?.close();
      expect(problems).toEqual([]);
    });

    const sends = (): number => sandbox.stats().byOperation.createVerification ?? 0;

    async function shot(name: string): Promise<void> {
      await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
    }

    async function phoneLogin(phone: string): Promise<void> {
      await page.goto(`${example.url}/login`);
      await page.getByLabel('Phone number').fill(phone);
      await page.getByRole('button', { name: 'Text me a code' }).click();
      await page.waitForURL(`${example.url}/login/code`);
    }

    async function passwordLogin(): Promise<void> {
      await page.goto(`${example.url}/login/password`);
      await page.getByLabel('Username').fill(DEFAULT_DEMO_USER.username);
      await page.getByLabel('Password').fill(DEFAULT_DEMO_USER.password);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(/\/(2fa\/code|account)$/);
    }

    async function signOut(): Promise<void> {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/login\?signedOut=1$/);
    }

    it('the code page shows "delivered" once the sandbox reports it, without a reload', async () => {
      await phoneLogin('+12015550415');
      // The page's script asks until the report is final; no navigation happens meanwhile.
      await page.locator('#delivery-status', { hasText: 'delivered' }).waitFor({ timeout: 15_000 });
      expect(page.url()).toBe(`${example.url}/login/code`);
      await shot('20-delivery-delivered');
    });

    it('an undeliverable number shows "undeliverable"', async () => {
      await phoneLogin(undeliverable);
      await page.locator('#delivery-status', { hasText: 'undeliverable' }).waitFor({ timeout: 15_000 });
      await shot('21-delivery-undeliverable');
    });

    it('"Remember this device" skips the second SMS on the next password login; "Forget this device" brings it back', async () => {
      await passwordLogin();
      expect(page.url()).toBe(`${example.url}/2fa/code`);
      await page.getByLabel('Code', { exact: true }).fill(sandbox.latestCode(DEFAULT_DEMO_USER.phone) ?? '');
      await page.getByLabel('Remember this device for 30 days').check();
      await shot('22-remember-device');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${example.url}/account`);
      expect(await page.locator('#device-state').textContent()).toContain('This device is remembered');
      await signOut();

      const before = sends();
      await passwordLogin();
      expect(page.url()).toBe(`${example.url}/account`);
      expect(sends()).toBe(before);
      await shot('23-remembered-device-account');

      await page.getByRole('button', { name: 'Forget this device' }).click();
      await page.waitForURL(`${example.url}/account`);
      expect(await page.locator('#device-state').textContent()).toContain('This device is not remembered');
      await signOut();
      await passwordLogin();
      expect(page.url()).toBe(`${example.url}/2fa/code`);
      expect(sends()).toBe(before + 1);
    });
  });
}
