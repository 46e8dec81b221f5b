import { describe, expect, it } from 'vitest';
import { javascriptValidator } from '../../../lib/blocks/syntax/javascript-validator.ts';
import { checkerOf } from './validator-harness.ts';

const valid = `import { readFile } from 'node:fs/promises';

export default class Store extends Map {
  #path;
  constructor(path) { super(); this.#path = path; }
  async *lines() { for (const line of (await readFile(this.#path, 'utf8')).split('\\n')) yield line; }
}

export const List = ({ items }) => <ul>{items.map((item) => <li key={item.id}>{item?.name ?? 'none'}</li>)}</ul>;
const tag = \`store: \${new Store('a').size}\`;
`;

describe('validators/javascript', () => {
  it('accepts JavaScript, JSX included', async () => {
    expect(await checkerOf(javascriptValidator)(valid)).toEqual({ valid: true });
  });

  it('reports a missing token where it was expected', async () => {
    const check = checkerOf(javascriptValidator);
    expect(await check('if (ready) {\n  start();\n')).toEqual({
      valid: false,
      code: 'syntax_error',
      reason: 'javascript: syntax error at line 2, column 11: missing "}"',
      line: 2,
      column: 11,
      metadata: { line: 2, column: 11, message: 'missing "}"' },
    });
    expect(await check('let a = [1, 2;\n')).toMatchObject({ line: 1, column: 14, metadata: { message: 'missing "]"' } });
  });

  it('reports an unclosed bracket and unexpected text', async () => {
    const check = checkerOf(javascriptValidator);
    expect((await check('class A {\n  m() { return 1 }\n  n( { }\n}\n')).reason).toBe('javascript: syntax error at line 3, column 4: unclosed "("');
    expect((await check('const x = ;')).reason).toBe('javascript: syntax error at line 1, column 9: unexpected "="');
  });

  it('rejects an input that is not a string', async () => {
    expect(await checkerOf(javascriptValidator)(12)).toMatchObject({ code: 'input_not_text' });
  });
});
