import { describe, expect, it } from 'vitest';
import { codePointCount, notText, positionAt, quote } from '../../../lib/blocks/syntax/syntax-internals.ts';

describe('syntax internals', () => {
  it('counts code points, a surrogate pair as one', () => {
    expect(codePointCount('a😀é')).toBe(3);
    expect(codePointCount('a😀é', 1, 3)).toBe(1);
    expect(codePointCount('\ud83d')).toBe(1);
  });

  it('places a UTF-16 index at a 1-based line and column in characters', () => {
    const text = 'ab\n😀x\r\ny';
    expect(positionAt(text, 0)).toEqual({ line: 1, column: 1 });
    expect(positionAt(text, 2)).toEqual({ line: 1, column: 3 });
    expect(positionAt(text, 5)).toEqual({ line: 2, column: 2 });
    expect(positionAt(text, 8)).toEqual({ line: 3, column: 1 });
    expect(positionAt(text, 99)).toEqual({ line: 3, column: 2 });
  });

  it('quotes the first line, cut when long', () => {
    expect(quote('x = 1')).toBe('"x = 1"');
    expect(quote('first\nsecond')).toBe('"first…"');
    expect(quote('a'.repeat(30), 5)).toBe('"aaaaa…"');
  });

  it('words what a non-text input is', () => {
    expect(notText(Symbol('s'))).toEqual({ valid: false, code: 'input_not_text', reason: 'input is a symbol, expected a string' });
    expect(notText(10n)).toMatchObject({ reason: 'input is a bigint, expected a string' });
  });
});
