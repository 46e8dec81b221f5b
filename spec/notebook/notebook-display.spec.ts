import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { RxdgtError } from '../../lib/errors/rxdgt-error.ts';
import { inNotebook, notebookDisplays } from '../../lib/notebook/notebook-display.ts';
import { fakeTslab } from './fake-tslab.ts';

describe('notebookDisplays', () => {
  test('uses the tslab API given', () => {
    const tslab = fakeTslab();
    expect(notebookDisplays('owner', tslab)).toBe(tslab);
  });

  test('outside a tslab kernel: not a notebook, and an RxdgtError that names the caller and the way out', () => {
    expect(inNotebook()).toBe(false);
    let thrown: unknown;
    try {
      notebookDisplays('displayRecords');
    } catch (error) {
      thrown = error;
    }
    expect(RxdgtError.isInstance(thrown)).toBe(true);
    expect((thrown as Error).message).toMatch(/^displayRecords: needs a Jupyter notebook running the tslab kernel \(this process is not one\); pass `\{ tslab \}`/);
  });

  test('something given that is not tslab\'s API is refused', () => {
    expect(() => notebookDisplays('progressView', { display: {} } as never)).toThrow(/^progressView: the `tslab` option has no `display.html` and `newDisplay`/);
  });

  test('importing the entry point needs no tslab and draws nothing', () => {
    const script = "import('./lib/notebook/index.ts').then((notebook) => process.stdout.write(JSON.stringify([Object.keys(notebook).sort(), notebook.inNotebook()])))";
    const out = execFileSync('node', ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([['displayRecords', 'escapeHtml', 'inNotebook', 'progressHtml', 'progressView', 'recordsTable', 'tapProgress'], false]);
  });
});
