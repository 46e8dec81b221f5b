import { Observable, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { accepted, rejected } from '../../lib/outcome.ts';
import type { Outcome } from '../../lib/record.ts';
import { validate } from '../../operators/validate.ts';
import { type Question, rejectedOf, restoredOf } from '../helpers/outcomes.ts';

const schema = z.object({ question: z.string().min(1), answer: z.string().min(1) });
type Pair = z.output<typeof schema>;

const usage = { calls: 1, cachedCalls: 0, promptTokens: 3, completionTokens: 4 };
const good = accepted<Question>(0, { question: 'Why?', answer: 'Because.' }, usage);
const empty = accepted<Question>(1, { question: 'How?', answer: '' });
const missing = accepted<Question>(2, { question: '' });
const values = { g: good, e: empty, m: missing };

const check = () => validate<Question, Pair>({ schema });

describe('validate', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  test('never: emits nothing', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Outcome<Question>>('-');
      expectObservable(source.pipe(check())).toBe('-');
      expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  test('empty: completes', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold<Outcome<Question>>('|').pipe(check())).toBe('|');
    });
  });

  test('one valid record passes as the schema output, keeping attempt and usage', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-g|', values).pipe(check())).toBe('-g|', { g: accepted(0, { question: 'Why?', answer: 'Because.' }, usage) });
    });
  });

  test('many values: invalid records become rejections with one invalid_record issue per zod issue', () => {
    testScheduler.run(({ cold, expectObservable }) => {
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
    testScheduler.run(({ cold, expectObservable }) => {
      const trimming = z.object({ question: z.string().trim() });
      const source = cold('-a|', { a: accepted(0, { question: '  Why?  ', extra: true }) });
      expectObservable(source.pipe(validate({ schema: trimming }))).toBe('-a|', { a: accepted(0, { question: 'Why?' }) });
    });
  });

  test('a nested issue names its full path', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const nested = z.object({ answers: z.array(z.string()) });
      const outcome = accepted(3, { answers: ['a', 2] });
      const expected = rejected(outcome, [
        { code: 'invalid_record', message: expect.stringMatching(/^answers\.1: Invalid input/), block: 'checker', path: ['answers', 1] },
      ]);
      expectObservable(cold('-a|', { a: outcome }).pipe(validate({ schema: nested, name: 'checker' }))).toBe('-a|', { a: expected });
    });
  });

  test('rejected and restored outcomes pass through untouched', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const passing = { r: rejectedOf(0, 'q'), s: restoredOf('q') };
      expectObservable(cold('-r-s|', passing).pipe(validate({ schema: z.never() }))).toBe('-r-s|', passing);
    });
  });

  test('a refinement that throws rejects that record with validate_failed; the stream goes on', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const throwing = schema.refine((record) => {
        if (record.question === 'Why?') throw new Error('refinement broke');
        return true;
      });
      const expected = {
        g: rejected(good, [{ code: 'validate_failed', message: 'refinement broke', block: 'validator' }]),
        o: accepted(4, { question: 'Who?', answer: 'Me.' }),
      };
      const source = cold('-g-o|', { g: good, o: accepted(4, { question: 'Who?', answer: 'Me.' }) });
      expectObservable(source.pipe(validate<Question, Pair>({ schema: throwing }))).toBe('-g-o|', expected);
    });
  });

  test('a source error is passed on', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-g-#', values, new Error('broke')).pipe(check())).toBe('-g-#', values, new Error('broke'));
    });
  });

  test('early unsubscribe unsubscribes the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-g-g-g-g|', values);
      expectObservable(source.pipe(check()), '^--!').toBe('-g-', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  test('a synchronous endless source stops once downstream is done', () => {
    let emitted = 0;
    const endless = new Observable<Outcome<Question>>((subscriber) => {
      while (!subscriber.closed) subscriber.next(accepted(emitted++, { question: 'q', answer: 'a' }));
    });
    const outcomes: Outcome<Pair>[][] = [];
    endless.pipe(check(), take(3), toArray()).subscribe((all) => outcomes.push(all));
    expect(outcomes[0]).toHaveLength(3);
    expect(emitted).toBe(3);
  });

  test('bad config throws a ConfigError at the factory call', () => {
    expect(() => validate({ schema: { safeParse: () => ({ success: true }) } as never })).toThrow(ConfigError);
    expect(() => validate({ schema: 'not a schema' as never })).toThrow('validate: invalid config at `schema`');
    expect(() => validate({ schema, name: '' })).toThrow('`name`');
  });
});
