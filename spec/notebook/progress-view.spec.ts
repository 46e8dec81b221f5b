import { describe, expect, test } from 'vitest';
import { progressView } from '../../lib/notebook/progress-view.ts';
import { initialProgress } from '../../lib/run/task-progress.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { fakeTslab } from './fake-tslab.ts';

/** A clock the test moves by hand. */
function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('progressView', () => {
  test('draws once at once, then redraws the same output in place as records come', () => {
    const tslab = fakeTslab();
    const time = clock();
    const view = progressView({ title: 'geo', target: 4, intervalMs: 0, tslab, now: time.now });
    expect(tslab.outputs).toHaveLength(1);
    expect(tslab.outputs[0]).toHaveLength(1);
    expect(tslab.outputs[0]![0]).toMatch(/<strong>geo<\/strong> · running[\s\S]*<progress value="0" max="4"[\s\S]*0\/4 records · 0 rejected · 0\.0s/);
    time.advance(1000);
    view.record();
    time.advance(1000);
    view.record();
    view.reject();
    expect(tslab.outputs).toHaveLength(1);
    expect(view.draws).toBe(4);
    expect(tslab.outputs[0]!.at(-1)).toMatch(/2\/4 records · 1\.0\/s · ETA 2s · 1 rejected · 2\.0s/);
    expect(view.state).toMatchObject({ records: 2, rejected: 1, target: 4, status: 'running', perSecond: 1 });
  });

  test('redraws at most once per intervalMs, and always draws the end', () => {
    const tslab = fakeTslab();
    const time = clock();
    const view = progressView({ intervalMs: 100, tslab, now: time.now });
    for (let index = 0; index < 10; index += 1) {
      time.advance(30);
      view.record();
    }
    // Drawn at 0 (first), then at 120, 240 (30 ms apart, 100 ms at least between draws).
    expect(view.draws).toBe(3);
    view.end();
    expect(view.draws).toBe(4);
    expect(tslab.outputs[0]!.at(-1)).toMatch(/records<\/strong> · completed[\s\S]*10 records · 0 rejected/);
  });

  test('its hooks take a task\'s progress and final status; the first status given stays', () => {
    const tslab = fakeTslab();
    const time = clock(0);
    const view = progressView({ title: 'task', target: 10, intervalMs: 0, tslab, now: time.now });
    const start = initialProgress(0, 3);
    time.advance(2000);
    const later = { ...start, accepted: 7, rejected: 2, usage: { ...start.usage, costUsd: 0.0123 } };
    view.hooks.onProgress?.(later);
    expect(tslab.outputs[0]!.at(-1)).toMatch(/7\/10 records · 2\.0\/s · ETA 2s · 2 rejected · \$0\.0123/);
    view.hooks.onEnd?.({ status: 'stalled' } as TaskResult, { ...later, accepted: 8 });
    view.end('completed');
    view.record();
    expect(view.state).toMatchObject({ status: 'stalled', records: 8 });
    expect(tslab.outputs[0]!.at(-1)).toMatch(/task<\/strong> · stalled[\s\S]*8\/10 records · 2 rejected · \$0\.0123/);
    expect(tslab.outputs[0]!.at(-1)).not.toMatch(/ETA|\d\/s/);
  });

  test('without a target the bar moves while running and goes once ended; no cost is shown while none was spent', () => {
    const tslab = fakeTslab();
    const view = progressView({ tslab, intervalMs: 0, now: () => 0 });
    view.progress(initialProgress(0));
    expect(tslab.outputs[0]!.at(-1)).toContain('<progress style="width: 24em"></progress>');
    expect(tslab.outputs[0]!.at(-1)).not.toContain('$');
    view.end('failed');
    expect(tslab.outputs[0]!.at(-1)).not.toContain('<progress');
  });

  test('the title is escaped', () => {
    const tslab = fakeTslab();
    progressView({ title: '<img src=x onerror=alert(1)>', tslab });
    expect(tslab.outputs[0]![0]).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  test('outside a tslab kernel, without `tslab`, it says what it needs', () => {
    expect(() => progressView()).toThrow(/^progressView: needs a Jupyter notebook running the tslab kernel/);
  });

  test('a bad option is a ConfigError naming it', () => {
    expect(() => progressView({ target: -1, tslab: fakeTslab() })).toThrow(/progressView: invalid config at `target`/);
  });
});
