// Headless Chromium for the page suites, started the one way that works on this project's
// machines: Debian's browser (CHROMIUM_PATH), as root (no sandbox), and without the background
// networking, component updates and sync that would try to reach hosts a closed network refuses.
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumPath } from './env.js';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Collects what would mean a page is broken: script errors, and console errors (a CSP violation
 * among them). A resource answered with one of `expectedStatuses` is left out: Chromium logs the
 * failure pages a test provokes on purpose (a wrong code's 401, say) as console errors too.
 */
export function pageProblems(page: Page, expectedStatuses: readonly number[] = []): string[] {
  const problems: string[] = [];
  const expected = (text: string): boolean => expectedStatuses.some((status) => new RegExp(`^Failed to load resource: .* status of ${status}\\b`).test(text));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !expected(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  return problems;
}
