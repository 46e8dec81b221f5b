import { Subject, of } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { displayRecords } from '../../lib/notebook/display-records.ts';
import { fakeTslab } from './fake-tslab.ts';

const rows = (html: string): number => html.match(/<tr><td/g)?.length ?? 0;

describe('displayRecords', () => {
  test('a list is drawn once, as a new output', () => {
    const tslab = fakeTslab();
    expect(displayRecords([{ q: 'a' }, { q: '<b>' }], { tslab })).toBeUndefined();
    expect(tslab.shown).toHaveLength(1);
    expect(rows(tslab.shown[0]!)).toBe(2);
    expect(tslab.shown[0]).toContain('&lt;b&gt;');
    expect(tslab.outputs).toEqual([]);
  });

  test('an Observable fills one output in place as records come, and resolves with them all', async () => {
    const tslab = fakeTslab();
    const source = new Subject<{ n: number }>();
    const done = displayRecords(source, { tslab, intervalMs: 0, columns: ['n'] });
    expect(tslab.outputs).toHaveLength(1);
    expect(tslab.outputs[0]!.map(rows)).toEqual([0]);
    source.next({ n: 1 });
    source.next({ n: 2 });
    source.complete();
    expect(await done).toEqual([{ n: 1 }, { n: 2 }]);
    expect(tslab.outputs).toHaveLength(1);
    expect(tslab.outputs[0]!.map(rows)).toEqual([0, 1, 2, 2]);
  });

  test('redraws at most once per intervalMs, then draws the end', async () => {
    const tslab = fakeTslab();
    let now = 0;
    const source = new Subject<{ n: number }>();
    const done = displayRecords(source, { tslab, intervalMs: 100, now: () => now });
    for (let n = 0; n < 5; n += 1) {
      now += 40;
      source.next({ n });
    }
    source.complete();
    await done;
    // First at 0, then at 120 (3 records); 160 and 200 are too soon after it, so the end draws the 5.
    expect(tslab.outputs[0]!.map(rows)).toEqual([0, 3, 5]);
  });

  test('an error rejects the Promise, the table keeping the records before it', async () => {
    const tslab = fakeTslab();
    const source = new Subject<{ n: number }>();
    const done = displayRecords(source, { tslab, intervalMs: 0 });
    source.next({ n: 1 });
    source.error(new Error('the model went away'));
    await expect(done).rejects.toThrow('the model went away');
    expect(rows(tslab.outputs[0]!.at(-1)!)).toBe(1);
  });

  test('a bad option throws at the call, before any output; outside tslab it says what it needs', () => {
    const tslab = fakeTslab();
    expect(() => displayRecords(of({ n: 1 }), { tslab, maxRows: -1 })).toThrow(/recordsTable: invalid config at `maxRows`/);
    expect(tslab.outputs).toEqual([]);
    expect(() => displayRecords([{ n: 1 }])).toThrow(/^displayRecords: needs a Jupyter notebook running the tslab kernel.*recordsTable\(records\)/);
  });
});
