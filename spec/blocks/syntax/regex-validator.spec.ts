import { describe, expect, it } from 'vitest';
import { regexValidator } from '../../../lib/blocks/syntax/regex-validator.ts';
import { checkerOf, configErrorOf } from './validator-harness.ts';

describe('validators/regex', () => {
  it('searches by default: the pattern must occur somewhere', async () => {
    const check = checkerOf(regexValidator, { pattern: '\\d{3}-\\d{4}' });
    expect(await check('call 555-0199 now')).toEqual({ valid: true });
    expect(await check('call me')).toEqual({
      valid: false,
      code: 'pattern_mismatch',
      reason: 'regex: the text does not match the pattern /\\d{3}-\\d{4}/',
      metadata: { pattern: '/\\d{3}-\\d{4}/', message: 'the text does not match the pattern /\\d{3}-\\d{4}/' },
    });
  });

  it('matches the whole text with `match: full`, whatever the flags', async () => {
    const check = checkerOf(regexValidator, { pattern: 'a|ab', match: 'full' });
    expect(await check('ab')).toEqual({ valid: true });
    expect((await check('abc')).reason).toBe('regex: the text as a whole does not match the pattern /a|ab/');
    const multiline = checkerOf(regexValidator, { pattern: '^yes$', flags: 'm', match: 'full' });
    expect(await multiline('yes')).toEqual({ valid: true });
    expect(await multiline('no\nyes')).toMatchObject({ valid: false });
    const ignoringCase = checkerOf(regexValidator, { pattern: 'yes', flags: 'i', match: 'full' });
    expect(await ignoringCase('YES')).toEqual({ valid: true });
    expect(await ignoringCase('YES')).toEqual({ valid: true });
  });

  it('rejects a forbidden match with `invert: true`, giving where it is', async () => {
    const check = checkerOf(regexValidator, { pattern: 'TODO|TBD', invert: true });
    expect(await check('all done')).toEqual({ valid: true });
    expect(await check('step one\nstep 😀 TBD later')).toEqual({
      valid: false,
      code: 'pattern_mismatch',
      reason: 'regex: the text matches the forbidden pattern /TODO|TBD/ at line 2, column 8: "TBD"',
      line: 2,
      column: 8,
      metadata: { pattern: '/TODO|TBD/', line: 2, column: 8, message: 'the text matches the forbidden pattern /TODO|TBD/ at line 2, column 8: "TBD"' },
    });
    const whole = checkerOf(regexValidator, { pattern: '\\s*', match: 'full', invert: true });
    expect((await whole('  ')).reason).toBe('regex: the whole text matches the forbidden pattern /\\s*/');
    expect(await whole(' x ')).toEqual({ valid: true });
  });

  it('refuses a bad pattern or flags, naming the field', () => {
    const pattern = configErrorOf(regexValidator, { pattern: '(unclosed' });
    expect(pattern).toMatchObject({ file: 'b.yaml', field: 'blocks.0.pattern' });
    expect(pattern.message).toContain('invalid regular expression');
    expect(configErrorOf(regexValidator, { pattern: 'a', flags: 'g' })).toMatchObject({ field: 'blocks.0.flags' });
    expect(configErrorOf(regexValidator, { pattern: 'a', flags: 'ii' })).toMatchObject({ field: 'blocks.0.flags' });
    expect(configErrorOf(regexValidator, { pattern: 'a', flags: 'uv' })).toMatchObject({ field: 'blocks.0.flags' });
  });

  it('rejects an input that is not a string', async () => {
    expect(await checkerOf(regexValidator, { pattern: 'a' })(['a'])).toEqual({ valid: false, code: 'input_not_text', reason: 'input is an array, expected a string' });
  });
});
