import { describe, expect, it } from 'vitest';
import { parserFor, treeSitterCheck } from '../../../lib/blocks/syntax/tree-sitter-internals.ts';

describe('tree-sitter parsers', () => {
  it('loads each grammar once per process and shares its parser', async () => {
    const first = parserFor('python');
    expect(parserFor('python')).toBe(first);
    const [python, javascript] = await Promise.all([first, parserFor('javascript')]);
    expect(await parserFor('python')).toBe(python);
    expect(javascript).not.toBe(python);
  });

  it('gives every one of many concurrent checks its own answer', async () => {
    const check = treeSitterCheck('python', 'python');
    const texts = Array.from({ length: 200 }, (_, index) => (index % 2 === 0 ? `x${index} = ${index}\n` : `x${index} = = ${index}\n`));
    const verdicts = await Promise.all(texts.map((text) => check({ input: text })));
    verdicts.forEach((verdict, index) => {
      if (index % 2 === 0) expect(verdict).toEqual({ valid: true });
      else expect(verdict).toMatchObject({ valid: false, line: 1, column: String(index).length + 5 });
    });
  });
});
