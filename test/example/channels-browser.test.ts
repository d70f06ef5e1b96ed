// The example's code page in headless Chromium (playwright-core with the system's chromium), on
// Prelude V2 through the sandbox: the WebOTP script is a progressive enhancement (without the API,
// or with it and no SMS to read as in headless Chromium, the page works as without the script;
// where the API hands over a code, it is filled in and sent), and "Call me instead" appears once the resend wait is over and resends by
// voice. On Ding V1 (SMS only) the page offers no call.
import type { DingSandbox } from 'passport-ding/sandbox';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromiumGate } from '../helpers/env.js';
import { launchChromium, pageProblems } from '../helpers/chromium.js';
import { sandboxApi, startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';

const SUITE = 'code page channels and WebOTP in Chromium (test/example/channels-browser.test.ts)';
const COOLDOWN_MS = 30_000;

if (chromiumGate(SUITE)) {
  describe(SUITE, () => {
    const clock = new TestClock();
    let sandbox: DingSandbox;
    let prelude: RunningExample;
    let ding: RunningExample;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let problems: string[];

    beforeAll(async () => {
      sandbox = await startSandbox(clock);
      prelude = await startExample(sandbox, clock, { ding: sandboxApi(sandbox, 'prelude'), webOtpOrigin: 'https://login.example.com' });
      ding = await startExample(sandbox, clock, { ding: sandboxApi(sandbox, 'ding') });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await prelude?.stop();
      await ding?.stop();
      await sandbox?.close();
    });

    beforeEach(async () => {
      clock.offset = 0;
      context = await browser.newContext({ viewport: { width: 720, height: 860 } });
      page = await context.newPage();
      problems = pageProblems(page, [401, 429]);
    });

    afterEach(async () => {
      await context?.close();
      expect(problems).toEqual([]);
    });

    async function enterPhone(app: RunningExample, phone: string): Promise<void> {
      await page.goto(`${app.url}/login`);
      await page.getByLabel('Phone number').fill(phone);
      await page.getByRole('button', { name: 'Text me a code' }).click();
      await page.waitForURL(`${app.url}/login/code`);
    }

    it('without the WebOTP API (most browsers) the code page with its script works as before', async () => {
      const phone = '+12015550401';
      // This Chromium exposes OTPCredential; take it away, as Firefox, Safari and desktop builds lack it.
      await page.addInitScript(() => {
        delete (globalThis as { OTPCredential?: unknown }).OTPCredential;
      });
      await enterPhone(prelude, phone);
      expect(await page.evaluate(() => 'OTPCredential' in globalThis)).toBe(false);
      const input = page.getByLabel('Code');
      expect(await input.getAttribute('autocomplete')).toBe('one-time-code');
      expect(await page.locator('p', { hasText: 'We sent a code by SMS to' }).count()).toBe(1);
      // The message the sandbox "sent" is in the WebOTP format for the configured origin.
      const delivery = sandbox.latestDelivery(phone);
      expect(delivery?.message.split('\n').at(-1)).toBe(`@login.example.com #${delivery?.code}`);
      await input.fill(delivery?.code ?? '');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${prelude.url}/account`);
    });

    it('with the API present but no SMS to read (headless Chromium), typing the code still works and cancels the wait', async () => {
      const phone = '+12015550406';
      await enterPhone(prelude, phone);
      await page.getByLabel('Code').fill(sandbox.latestCode(phone) ?? '');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${prelude.url}/account`);
    });

    it('where the WebOTP API exists, the code it hands over is filled in and sent without typing', async () => {
      const phone = '+12015550402';
      const asked: unknown[] = [];
      await page.exposeFunction('sandboxDelivery', (options: unknown) => {
        asked.push(options);
        return sandbox.latestCode(phone) ?? '';
      });
      // What Chrome on Android provides: OTPCredential, and credentials.get({ otp }) resolving with
      // the code of the SMS bound to this origin once the user taps "Allow".
      await page.addInitScript(() => {
        // Runs in the page (the test's tsconfig has no DOM types): `globalThis` is its window.
        const w = globalThis as unknown as { OTPCredential: unknown; navigator: object; sandboxDelivery(o: unknown): Promise<string> };
        w.OTPCredential = function OTPCredential() {};
        Object.defineProperty(w.navigator, 'credentials', {
          value: {
            get: async (options: { otp?: { transport: string[] }; signal?: AbortSignal }) => ({
              type: 'otp',
              code: await w.sandboxDelivery({ otp: options.otp, hasSignal: options.signal instanceof AbortSignal }),
            }),
          },
        });
      });
      await page.goto(`${prelude.url}/login`);
      await page.getByLabel('Phone number').fill(phone);
      await page.getByRole('button', { name: 'Text me a code' }).click();
      await page.waitForURL(`${prelude.url}/account`);
      expect(asked).toEqual([{ otp: { transport: ['sms'] }, hasSignal: true }]);
    });

    it('"Call me instead" stays hidden during the wait, appears when it is over, and resends by voice', async () => {
      const phone = '+12015550403';
      await enterPhone(prelude, phone);
      const callMe = page.getByRole('button', { name: 'Call me instead' });
      expect(await callMe.isHidden()).toBe(true);
      // Almost over on the server's clock: the page renders a 1-second wait, and its countdown reveals the button.
      clock.advance(COOLDOWN_MS - 1_000);
      await page.reload();
      expect(await callMe.isHidden()).toBe(true);
      await callMe.waitFor({ state: 'visible', timeout: 5_000 });
      clock.advance(1_000);
      await callMe.click();
      await page.waitForURL(`${prelude.url}/login/code`);
      expect(await page.getByText('We are calling you now with a new code.').count()).toBe(1);
      expect(await page.locator('p', { hasText: 'We are calling' }).first().textContent()).toMatch(/^We are calling \+1\S+ to read you a code\./);
      const call = sandbox.latestDelivery(phone);
      expect(call).toMatchObject({ kind: 'retry', channel: 'voice', method: 'voice' });
      // Already a call: no second "Call me instead"; a new SMS is still one button away.
      expect(await callMe.count()).toBe(0);
      await page.getByLabel('Code').fill(call?.code ?? '');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${prelude.url}/account`);
    });

    it('a page rendered after the wait shows "Call me instead" at once', async () => {
      await enterPhone(prelude, '+12015550404');
      clock.advance(COOLDOWN_MS);
      await page.reload();
      expect(await page.getByRole('button', { name: 'Call me instead' }).isVisible()).toBe(true);
    });

    it('on Ding V1 (SMS only) the code page offers no call, even after the wait', async () => {
      await enterPhone(ding, '+12015550405');
      clock.advance(COOLDOWN_MS);
      await page.reload();
      expect(await page.getByRole('button', { name: 'Send a new code' }).isEnabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Call me instead' }).count()).toBe(0);
    });
  });
}
