import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { RxdgtError } from '../errors/rxdgt-error.ts';

/** One output of a notebook cell: tslab's `Display` (only `html` is used). */
export interface DisplaySurface {
  html(html: string): void;
}

/**
 * The part of tslab's API the notebook helpers use: `import * as tslab from 'tslab'` in a cell is one. `display`
 * adds an output; each `newDisplay()` is one output that every later call replaces in place (Jupyter's `display_id`:
 * the first call sends `display_data`, the next ones `update_display_data`).
 */
export interface NotebookDisplays {
  readonly display: DisplaySurface;
  newDisplay(): DisplaySurface;
}

const isDisplays = (value: unknown): value is NotebookDisplays =>
  typeof (value as NotebookDisplays | undefined)?.newDisplay === 'function' && typeof (value as NotebookDisplays).display?.html === 'function';

/**
 * The tslab this process runs as a kernel, if it does: the one its main module (tslab's `bin/tslab`) belongs to, so
 * that its display reaches the kernel's Jupyter connection. A `require('tslab')` from this package could find another
 * copy, or none (a kernel installed globally), whose display has no connection.
 */
function runningTslab(): NotebookDisplays | undefined {
  try {
    const main = createRequire(import.meta.url).main?.filename ?? process.argv[1];
    if (main === undefined) return undefined;
    const kernelRequire = createRequire(realpathSync(main));
    const root = realpathSync(dirname(kernelRequire.resolve('tslab/package.json')));
    if (!realpathSync(main).startsWith(root + sep)) return undefined;
    const tslab: unknown = kernelRequire('tslab');
    return isDisplays(tslab) ? tslab : undefined;
  } catch {
    // No tslab beside the main module: not a notebook.
    return undefined;
  }
}

/**
 * The notebook display to draw on: the one given (`tslab` option), else the running tslab kernel's.
 *
 * @param owner The function asking, named in the error.
 * @throws {RxdgtError} Outside a tslab kernel with none given.
 */
export function notebookDisplays(owner: string, given?: NotebookDisplays): NotebookDisplays {
  if (given !== undefined) {
    if (!isDisplays(given)) throw new RxdgtError(`${owner}: the \`tslab\` option has no \`display.html\` and \`newDisplay\`: pass \`import * as tslab from 'tslab'\``);
    return given;
  }
  const found = runningTslab();
  if (found === undefined) {
    throw new RxdgtError(
      `${owner}: needs a Jupyter notebook running the tslab kernel (this process is not one); pass \`{ tslab }\` (\`import * as tslab from 'tslab'\`) to draw with another copy, or use \`recordsTable(records)\` for the HTML`,
    );
  }
  return found;
}

/** Whether this process is a tslab kernel: where the display helpers draw without a `tslab` option. */
export function inNotebook(): boolean {
  return runningTslab() !== undefined;
}
