/**
 * The monitor page: how long it takes to load (navigation to the first state on screen) and to show an event (the event
 * emitted in the run's process to the page's DOM updated), each against a baseline measured in the same run and the
 * same headless Chromium: an empty static page served by a bare node:http server, and a DOM change made through the
 * DevTools protocol (the round trip every measurement here pays).
 */
import { createServer } from 'node:http';
import { Subject } from 'rxjs';
import { startMonitor } from '../../lib/monitor/start-monitor.ts';
import type { RunEvent } from '../../lib/telemetry/run-event.ts';
import { chromiumPath, launchChromium } from '../monitor/launch-chromium.ts';
import { num, scratchDir } from './common.ts';

// The page's globals, as the functions run in Chromium see them: the project compiles without the DOM library.
declare const document: {
  querySelector(selector: string): { readonly textContent: string | null } | null;
  querySelectorAll(selector: string): { readonly length: number };
  getElementById(id: string): { textContent: string | null } | null;
  readonly body: { getAttribute(name: string): string | null };
};
declare const window: object;

const loads = 30;
const updates = 40;
const tasks = 4;
/** Inputs settled per task before the measurements: a state of a run under way, with rejects and samples. */
const inputsPerTask = 2_000;
const base = { runId: 'bench', buildId: 'exp' };

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
const summary = (values: readonly number[]): string => `median ${num(quantile(values, 0.5))} ms, p90 ${num(quantile(values, 0.9))} ms`;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function settled(task: string, time: number, accepted: number, attempts: number): RunEvent {
  const rejections = attempts % 3 === 0 ? [{ record: { question: `rejected ${attempts}`, answer: 'x'.repeat(400) }, issues: [{ code: attempts % 2 ? 'duplicate' : 'parse_failed', message: 'bench', block: attempts % 2 ? 'dedup' : 'generator' }] }] : [];
  const records = rejections.length ? [] : [{ task_name: task, is_seed: false, question: `Question ${accepted}?`, answer: 'An answer of a sentence or two. '.repeat(4) }];
  const usage = { calls: 1, cachedCalls: 0, promptTokens: 300, completionTokens: 40, costUsd: 0.0002, byModel: {} };
  return { ...base, type: 'input-end', time, task, records, rejections, usage, accepted, rejected: attempts - accepted, attempts };
}

/** Page load and update latency of the monitor, as ratios to the baselines. */
export async function benchMonitor(): Promise<string[]> {
  const scratch = await scratchDir('monitor');
  const events = new Subject<RunEvent>();
  const monitor = await startMonitor({ outputDir: scratch.path, events });
  const staticServer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>empty</title><p>empty</p>'));
  await new Promise<void>((resolve) => staticServer.listen(0, '127.0.0.1', resolve));
  const staticUrl = `http://127.0.0.1:${(staticServer.address() as { port: number }).port}/`;
  const browser = await launchChromium(`${scratch.path}/chromium`);
  try {
    const names = Array.from({ length: tasks }, (_, index) => `bench/task-${index}`);
    const now = Date.now();
    events.next({ ...base, type: 'run-start', time: now, tasks: names.map((task) => ({ task, target: 1_000_000 })) });
    const counts = new Map(names.map((task) => [task, { accepted: 0, attempts: 0 }]));
    for (const task of names) events.next({ ...base, type: 'task-start', time: now, task, target: 1_000_000, taskRunId: task });
    for (let input = 0; input < inputsPerTask; input += 1) {
      for (const task of names) {
        const count = counts.get(task)!;
        count.attempts += 1;
        if (count.attempts % 3 !== 0) count.accepted += 1;
        events.next(settled(task, now + input, count.accepted, count.attempts));
      }
    }
    for (let call = 0; call < 5_000; call += 1) {
      events.next({ ...base, type: 'model-call-end', time: now, block: 'generator', usageKey: 'generator: bench/model', provider: 'bench', model: 'model', startedAt: now, endedAt: now + 200 + (call % 700), cached: false, promptTokens: 300, completionTokens: 40, request: { method: 'completion', prompt: '' }, texts: [], tasks: [names[0]!] });
    }
    const stateBytes = (await (await fetch(`http://127.0.0.1:${monitor.port}/api/state?token=${monitor.token}`)).text()).length;

    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    // Page load: navigation to the first state rendered, against an empty static page (warm-up first).
    const monitorLoads: number[] = [];
    const staticLoads: number[] = [];
    const inPage: number[] = [];
    for (let round = -3; round < loads; round += 1) {
      let start = performance.now();
      await page.goto(staticUrl, { waitUntil: 'domcontentloaded' });
      await page.waitForFunction(() => document.querySelector('p') !== null);
      if (round >= 0) staticLoads.push(performance.now() - start);
      start = performance.now();
      await page.goto(monitor.url, { waitUntil: 'domcontentloaded' });
      await page.waitForFunction(() => document.body.getAttribute('data-version') !== null);
      if (round >= 0) {
        monitorLoads.push(performance.now() - start);
        inPage.push(await page.evaluate(() => (window as unknown as { monitorFirstRender: number }).monitorFirstRender));
      }
    }

    // Update latency: one event emitted → the task's row shows it; isolated events (past the 250 ms throttle).
    await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'live');
    const task = names[0]!;
    const count = counts.get(task)!;
    const monitorUpdates: number[] = [];
    const baselineUpdates: number[] = [];
    for (let round = -3; round < updates; round += 1) {
      await pause(300);
      count.attempts += 1;
      count.accepted += 1;
      const expected = `${count.accepted.toLocaleString('en-US')} / 1,000,000`;
      let start = performance.now();
      events.next(settled(task, Date.now(), count.accepted, count.attempts));
      await page.waitForFunction((text: string) => document.querySelector('#tasks tr[data-task="bench/task-0"] td.records')?.textContent === text, { polling: 'mutation' }, expected);
      if (round >= 0) monitorUpdates.push(performance.now() - start);
      start = performance.now();
      await page.evaluate((value: number) => void setTimeout(() => (document.getElementById('updated')!.textContent = `baseline ${value}`)), round);
      await page.waitForFunction((value: number) => document.getElementById('updated')?.textContent === `baseline ${value}`, { polling: 'mutation' }, round);
      if (round >= 0) baselineUpdates.push(performance.now() - start);
    }
    // A burst: 1,000 inputs settled at once reach the page as one push (throttled to one every 250 ms).
    const burstStart = performance.now();
    for (let index = 0; index < 1_000; index += 1) {
      count.attempts += 1;
      count.accepted += 1;
      events.next(settled(task, Date.now(), count.accepted, count.attempts));
    }
    const last = `${count.accepted.toLocaleString('en-US')} / 1,000,000`;
    await page.waitForFunction((text: string) => document.querySelector('#tasks tr[data-task="bench/task-0"] td.records')?.textContent === text, { polling: 'mutation' }, last);
    const burst = performance.now() - burstStart;

    const ratio = (values: readonly number[], baseline: readonly number[]): string => `${num(quantile(values, 0.5) / quantile(baseline, 0.5))}×`;
    return [
      `headless ${chromiumPath} via puppeteer-core; a live state of ${tasks} tasks × ${num(inputsPerTask)} inputs (rejects, samples, 5,000 LM calls): ${num(stateBytes / 1024, 1)} KiB of JSON`,
      `  page load, navigation to the first state rendered (${loads} loads): ${summary(monitorLoads)}; first render ${summary(inPage)} after navigation start, in the page`,
      `    baseline, an empty static page: ${summary(staticLoads)}; ratio ${ratio(monitorLoads, staticLoads)}`,
      `  update latency, event emitted → DOM updated (${updates} isolated events): ${summary(monitorUpdates)}`,
      `    baseline, a DOM change through the DevTools protocol: ${summary(baselineUpdates)}; ratio ${ratio(monitorUpdates, baselineUpdates)}`,
      `  a burst of 1,000 events → the last on screen: ${num(burst)} ms (one push; the throttle allows one every 250 ms)`,
    ];
  } finally {
    await browser.close();
    await monitor.close();
    await new Promise((resolve) => staticServer.close(resolve));
    await scratch.remove();
  }
}
