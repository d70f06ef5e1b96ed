// Headless Chromium for the page suites, started the one way that works on this project's
// machines: Debian's browser (CHROMIUM_PATH), as root (no sandbox), and without the background
// networking, component updates and sync that would try to reach hosts a closed network refuses.
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath } from './env.js';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
