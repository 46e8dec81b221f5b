import { describe, expect, it } from 'vitest';
import { lengthValidator } from '../../../lib/blocks/syntax/length-validator.ts';
import { checkerOf, configErrorOf } from './validator-harness.ts';

describe('validators/length', () => {
  it('counts characters as Unicode code points', async () => {
    const check = checkerOf(lengthValidator, { max: 3 });
    expect(await check('😀é!')).toEqual({ valid: true });
    expect(await check('😀😀😀😀')).toEqual({
      valid: false,
      code: 'length_out_of_range',
      reason: 'the text has 4 characters, more than the maximum of 3',
      metadata: { message: 'the text has 4 characters, more than the maximum of 3', length: 4, unit: 'characters', max: 3 },
    });
  });

  it('counts words as runs of non-space', async () => {
    const check = checkerOf(lengthValidator, { min: 3, max: 5, unit: 'words' });
    expect(await check('  one\ttwo\n three ')).toEqual({ valid: true });
    expect(await check('one\u00a0two\u3000three')).toEqual({ valid: true });
    expect((await check('one two')).reason).toBe('the text has 2 words, fewer than the minimum of 3');
    expect((await check('a b c d e f')).reason).toBe('the text has 6 words, more than the maximum of 5');
    expect((await check('')).metadata).toMatchObject({ length: 0, min: 3, max: 5 });
  });

  it('counts lines, a final line break starting none', async () => {
    const check = checkerOf(lengthValidator, { min: 2, unit: 'lines' });
    expect(await check('a\r\nb')).toEqual({ valid: true });
    expect(await check('a\n\n')).toEqual({ valid: true });
    expect((await check('a\n')).reason).toBe('the text has 1 line, fewer than the minimum of 2');
    expect((await check('')).reason).toBe('the text has 0 lines, fewer than the minimum of 2');
  });

  it('needs a bound, and `min` no greater than `max`', () => {
    expect(configErrorOf(lengthValidator, { unit: 'words' })).toMatchObject({ file: 'b.yaml', field: 'blocks.0.max' });
    expect(configErrorOf(lengthValidator, { min: 5, max: 2 }).message).toContain('`min` (5) is greater than `max` (2)');
    expect(configErrorOf(lengthValidator, { max: -1 })).toMatchObject({ field: 'blocks.0.max' });
  });

  it('rejects an input that is not a string', async () => {
    expect(await checkerOf(lengthValidator, { max: 1 })(1)).toMatchObject({ code: 'input_not_text' });
  });
});
