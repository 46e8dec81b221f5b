import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { accepted, rejected } from '../../lib/outcome.ts';
import { validate } from '../../operators/validate.ts';
import { describeOperatorContract } from '../helpers/operator-contract.ts';
import { type Question, rejectedOf, restoredOf, usageOf } from '../helpers/outcomes.ts';
import { useTestScheduler } from '../helpers/test-scheduler.ts';

const schema = z.object({ question: z.string().min(1), answer: z.string().min(1) });
type Pair = z.output<typeof schema>;

const usage = usageOf({ calls: 1, cachedCalls: 0, promptTokens: 3, completionTokens: 4 });
const good = accepted<Question>('0', { question: 'Why?', answer: 'Because.' }, usage);
const empty = accepted<Question>('1', { question: 'How?', answer: '' });
const missing = accepted<Question>('2', { question: '' });
const values = { g: good, e: empty, m: missing };

const check = () => validate<Question, Pair>({ schema });

// Valid samples, whose schema output equals the input; `empty` and `missing` would be rejected.
describeOperatorContract('validate', check, { g: good, o: accepted<Question>('4', { question: 'Who?', answer: 'Me.' }) }, {
  endless: (index) => accepted<Question>(String(index), { question: 'q', answer: 'a' }),
});

describe('validate', () => {
  const testScheduler = useTestScheduler();

  test('one valid record passes as the schema output, keeping attempt and usage', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-g|', values).pipe(check())).toBe('-g|', { g: accepted('0', { question: 'Why?', answer: 'Because.' }, usage) });
    });
  });

  test('many values: invalid records become rejections with one invalid_record issue per zod issue', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const expected = {
        g: good,
        e: rejected(empty, [
          { code: 'invalid_record', message: expect.stringMatching(/^answer: Too small/), block: 'validator', path: ['answer'] },
        ]),
        m: rejected(missing, [
          { code: 'invalid_record', message: expect.stringMatching(/^question: Too small/), block: 'validator', path: ['question'] },
          { code: 'invalid_record', message: expect.stringMatching(/^answer: Invalid input/), block: 'validator', path: ['answer'] },
        ]),
      };
      expectObservable(cold('-g-e-m|', values).pipe(check())).toBe('-g-e-m|', expected);
    });
  });

  test('the schema output replaces the record (transforms and stripped keys)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const trimming = z.object({ question: z.string().trim() });
      const source = cold('-a|', { a: accepted('0', { question: '  Why?  ', extra: true }) });
      expectObservable(source.pipe(validate({ schema: trimming }))).toBe('-a|', { a: accepted('0', { question: 'Why?' }) });
    });
  });

  test('a nested issue names its full path', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const nested = z.object({ answers: z.array(z.string()) });
      const outcome = accepted('3', { answers: ['a', 2] });
      const expected = rejected(outcome, [
        { code: 'invalid_record', message: expect.stringMatching(/^answers\.1: Invalid input/), block: 'checker', path: ['answers', 1] },
      ]);
      expectObservable(cold('-a|', { a: outcome }).pipe(validate({ schema: nested, name: 'checker' }))).toBe('-a|', { a: expected });
    });
  });

  test('rejected and restored outcomes pass through untouched', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const passing = { r: rejectedOf(0, 'q'), s: restoredOf('q') };
      expectObservable(cold('-r-s|', passing).pipe(validate({ schema: z.never() }))).toBe('-r-s|', passing);
    });
  });

  test('a refinement that throws rejects that record with validate_failed; the stream goes on', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const throwing = schema.refine((record) => {
        if (record.question === 'Why?') throw new Error('refinement broke');
        return true;
      });
      const expected = {
        g: rejected(good, [{ code: 'validate_failed', message: 'refinement broke', block: 'validator' }]),
        o: accepted('4', { question: 'Who?', answer: 'Me.' }),
      };
      const source = cold('-g-o|', { g: good, o: accepted('4', { question: 'Who?', answer: 'Me.' }) });
      expectObservable(source.pipe(validate<Question, Pair>({ schema: throwing }))).toBe('-g-o|', expected);
    });
  });

  test('bad config throws a ConfigError at the factory call', () => {
    expect(() => validate({ schema: { safeParse: () => ({ success: true }) } as never })).toThrow(ConfigError);
    expect(() => validate({ schema: 'not a schema' as never })).toThrow('validate: invalid config at `schema`');
    expect(() => validate({ schema, name: '' })).toThrow('`name`');
  });
});
