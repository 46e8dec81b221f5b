import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

/** Debian's Chromium, which the browser specs and the monitor benchmark drive. */
export const chromiumPath = '/usr/bin/chromium';

/** Whether the browser specs run: Chromium is there, or CI requires it (`RXDGT_REQUIRE_SERVICES=1`: fail, not skip). */
export const browserAvailable = existsSync(chromiumPath) || process.env['RXDGT_REQUIRE_SERVICES'] === '1';

/** Headless Chromium with a fresh profile in `userDataDir`, quiet: no network of its own, no updates, no sync. */
export function launchChromium(userDataDir: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    userDataDir,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
