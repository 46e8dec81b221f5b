import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from '../../../lib/blocks/syntax/json-error-offset.ts';

describe('jsonErrorOffset', () => {
  it('is -1 for every text JSON.parse accepts', () => {
    for (const text of ['0', '-1.5e+3', '"a\\u00e9\\n"', ' [ ] ', '{"a": {"b": [true, false, null]}, "c": ""}', '\t\r\n{}']) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(jsonErrorOffset(text)).toBe(-1);
    }
  });

  it('points at the first character that cannot continue the text', () => {
    const cases: [string, number][] = [
      ['{"a": tru}', 9],
      ['[1,]', 3],
      ['{,}', 1],
      ['{"a" 1}', 5],
      ['01', 1],
      ['-x', 1],
      ['1.', 2],
      ['"\\q"', 2],
      ['"\\u12G4"', 5],
      ['"a\u0001"', 2],
      ["{'a': 1}", 1],
      ['{"a": 1} x', 9],
      ['\ufeff{}', 0],
    ];
    for (const [text, offset] of cases) {
      expect(() => JSON.parse(text)).toThrow();
      expect([text, jsonErrorOffset(text)]).toEqual([text, offset]);
    }
  });

  it('is the length of a text that ends too early, however deep', () => {
    expect(jsonErrorOffset('{"a": [1, 2')).toBe(11);
    expect(jsonErrorOffset('"open')).toBe(5);
    const deep = '['.repeat(100_000);
    expect(jsonErrorOffset(deep)).toBe(100_000);
  });
});
