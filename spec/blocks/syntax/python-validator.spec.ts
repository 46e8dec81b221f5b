import { describe, expect, it } from 'vitest';
import { pythonValidator } from '../../../lib/blocks/syntax/python-validator.ts';
import { checkerOf } from './validator-harness.ts';

const valid = `import asyncio
from dataclasses import dataclass


@dataclass
class Point:
    x: int = 0
    y: int = 0

    def norm(self) -> float:
        return (self.x ** 2 + self.y ** 2) ** 0.5


async def main(points: list[Point]) -> None:
    async with asyncio.timeout(1):
        for p in points:
            match p:
                case Point(x=0, y=0):
                    print("origin")
                case _:
                    print(f"{p.norm():.2f}")
    squares = {n: n * n for n in range(10) if n % 2}
    return lambda value: value or squares
`;

describe('validators/python', () => {
  it('accepts Python 3 source', async () => {
    const check = checkerOf(pythonValidator);
    expect(await check(valid)).toEqual({ valid: true });
    expect(await check('')).toEqual({ valid: true });
  });

  it('reports a missing token where it was expected', async () => {
    expect(await checkerOf(pythonValidator)('import os\nif (x == 1:\n    pass\n')).toEqual({
      valid: false,
      code: 'syntax_error',
      reason: 'python: syntax error at line 2, column 11: missing ")"',
      line: 2,
      column: 11,
      metadata: { line: 2, column: 11, message: 'missing ")"' },
    });
  });

  it('reports an unclosed bracket at the bracket', async () => {
    const check = checkerOf(pythonValidator);
    expect(await check('def area(r):\n    return 3.14 * r ** 2\n\nprint(area(2)\n')).toMatchObject({
      reason: 'python: syntax error at line 4, column 6: unclosed "("',
    });
    expect(await check('values = [1, 2')).toMatchObject({ line: 1, column: 10, metadata: { message: 'unclosed "["' } });
  });

  it('reports unexpected text at its first character, counting columns in characters', async () => {
    const check = checkerOf(pythonValidator);
    expect((await check('total = = 1\n')).reason).toBe('python: syntax error at line 1, column 9: unexpected "="');
    expect(await check('label = "😀"; y = = 2')).toMatchObject({ line: 1, column: 18 });
    expect(await check('class A:\n    def f(self)\n        return 1\n')).toMatchObject({ line: 2, column: 5, metadata: { message: 'unexpected "def f(self)"' } });
  });

  it('rejects an input that is not a string', async () => {
    expect(await checkerOf(pythonValidator)(false)).toEqual({ valid: false, code: 'input_not_text', reason: 'input is a boolean, expected a string' });
  });
});
