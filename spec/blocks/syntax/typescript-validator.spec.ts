import { describe, expect, it } from 'vitest';
import { typescriptValidator } from '../../../lib/blocks/syntax/typescript-validator.ts';
import { checkerOf } from './validator-harness.ts';

const valid = `interface Box<T> { value: T; label?: string }
enum Color { Red = 1, Green }
abstract class Shape<T extends object> implements Box<T> {
  @logged() area(): number { return 0; }
  value!: T;
}
const n = <number>input;
function assertAll(this: Window, ...rest: readonly unknown[]): asserts rest is string[] {}
type Keys = keyof typeof Color;
`;

describe('validators/typescript', () => {
  it('accepts TypeScript', async () => {
    expect(await checkerOf(typescriptValidator)(valid)).toEqual({ valid: true });
  });

  it('reports a missing token, a missing type and unexpected text', async () => {
    const check = checkerOf(typescriptValidator);
    expect(await check('function f(a: string {\n}')).toEqual({
      valid: false,
      code: 'syntax_error',
      reason: 'typescript: syntax error at line 1, column 21: missing ")"',
      line: 1,
      column: 21,
      metadata: { line: 1, column: 21, message: 'missing ")"' },
    });
    expect((await check('type T = ;')).reason).toBe('typescript: syntax error at line 1, column 9: missing type_identifier');
    expect((await check('const names: Array<string = [];\n')).reason).toBe('typescript: syntax error at line 1, column 26: missing ">"');
    expect((await check('let y: = 3;')).reason).toBe('typescript: syntax error at line 1, column 6: unexpected ":"');
  });

  it('parses JSX only with `tsx: true`', async () => {
    const component = 'export const A = ({ x }: { x: number }) => <div>{x}</div>;\n';
    expect(await checkerOf(typescriptValidator)(component)).toMatchObject({ valid: false, code: 'syntax_error' });
    const tsx = checkerOf(typescriptValidator, { tsx: true });
    expect(await tsx(component)).toEqual({ valid: true });
    expect(await tsx('const A = () => <div>{x</div>;\n')).toMatchObject({ line: 1, column: 22, metadata: { message: 'unclosed "{"' } });
  });

  it('rejects an input that is not a string', async () => {
    expect(await checkerOf(typescriptValidator)({})).toMatchObject({ code: 'input_not_text' });
  });
});
