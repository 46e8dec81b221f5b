import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMonitor } from '../../lib/monitor/start-monitor.ts';
import { RunTelemetry } from '../../lib/telemetry/run-telemetry.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { browserAvailable, launchChromium } from './launch-chromium.ts';
import { geographyTask, mixedAnswers, runWithEvents } from './monitor-fixtures.ts';

// The page's globals, as the functions run in Chromium see them: the project compiles without the DOM library.
declare const document: {
  querySelector(selector: string): { readonly textContent: string | null } | null;
  querySelectorAll(selector: string): { readonly length: number };
  getElementById(id: string): { textContent: string | null } | null;
  readonly body: { getAttribute(name: string): string | null };
};
declare const window: object;

/** An answer whose text is markup: the page must show it as text. */
const hostile = '<img src=x onerror="window.pwned=1">';

describe.skipIf(!browserAvailable)('the monitor page in headless Chromium', () => {
  it('shows a live run as it goes, updating in place, and saves a screenshot', async () => {
    const outputDir = tempDir();
    const telemetry = new RunTelemetry({ admissionEveryMs: 5 });
    const monitor = await startMonitor({ outputDir, events: telemetry.events, throttleMs: 50 });
    const browser = await launchChromium(tempDir('rxdgt-chromium-'));
    try {
      const page = await browser.newPage();
      // No deadline of puppeteer's own: the test timeout bounds every wait.
      page.setDefaultTimeout(0);
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(String(error)));
      page.on('console', (message) => (message.type() === 'error' ? problems.push(message.text()) : undefined));
      await page.setViewport({ width: 1400, height: 1000 });
      await page.goto(monitor.url);
      expect(await page.$eval('#tasks tbody', (body) => body.textContent)).toBe('no task yet');
      // A marker a reload would lose.
      await page.evaluate(() => Object.assign(window, { marker: 'first load' }));
      await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'live');

      const geo = geographyTask(outputDir, 'geo', 12, { latencyMs: 5, answers: (index) => mixedAnswers(index).replace('Unique', hostile) });
      // The run's last event (`run_finished`) is held back, to see a later event reach the page.
      await runWithEvents([geo], telemetry, { finish: false });
      await page.waitForFunction(() => document.querySelector('#tasks tr[data-task="geo"] td.records')?.textContent === '12 / 12');
      await page.waitForFunction(() => document.querySelectorAll('#rejects tr[data-task="geo"]').length >= 2);
      const rejects = await page.$$eval('#rejects tr[data-task="geo"]', (rows) => rows.map((row) => [row.querySelector('.block')?.textContent, row.querySelector('.code')?.textContent]));
      expect(rejects).toEqual(expect.arrayContaining([['generator', 'parse_failed'], ['dedup', 'duplicate']]));
      expect(await page.$eval('#tasks tr[data-task="geo"] .status', (cell) => cell.textContent)).toBe('completed (complete)');
      expect(await page.$eval('#engines tbody', (body) => body.textContent)).toContain('generator: fake/fake-model');
      const samples = await page.$eval('#samples', (node) => node.textContent ?? '');
      expect(samples).toContain(hostile);
      expect(await page.$$('#samples img')).toHaveLength(0);

      const runLabel = await page.$eval('#run', (node) => node.textContent);
      expect(runLabel).toContain('running');
      telemetry.finished('completed');
      await page.waitForFunction(() => document.getElementById('run')?.textContent?.endsWith('completed'));
      await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'run ended');
      expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('first load');
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(problems).toEqual([]);

      mkdirSync(join(process.cwd(), 'artifacts'), { recursive: true });
      await page.screenshot({ path: join(process.cwd(), 'artifacts', 'monitor.png'), fullPage: true });
    } finally {
      await browser.close();
      await monitor.close();
    }
  });
});
