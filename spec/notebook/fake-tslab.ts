import type { NotebookDisplays } from '../../lib/notebook/notebook-display.ts';

/** What a fake tslab was asked to draw: `display` outputs, and every draw of each `newDisplay()` output in order. */
export interface FakeTslab extends NotebookDisplays {
  readonly shown: string[];
  readonly outputs: string[][];
}

/** A stand-in for `import * as tslab from 'tslab'` that records the HTML instead of sending it to Jupyter. */
export function fakeTslab(): FakeTslab {
  const shown: string[] = [];
  const outputs: string[][] = [];
  return {
    shown,
    outputs,
    display: { html: (html) => void shown.push(html) },
    newDisplay: () => {
      const draws: string[] = [];
      outputs.push(draws);
      return { html: (html) => void draws.push(html) };
    },
  };
}
