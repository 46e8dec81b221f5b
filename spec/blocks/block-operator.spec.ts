import { EMPTY, NEVER, Observable, delay, lastValueFrom, of, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { BlockBehaviour, BlockContext, BlockDefinition, BlockFields, Verdict } from '../../lib/blocks/block-definition.ts';
import { BlockError } from '../../lib/blocks/block-error.ts';
import { blockOperator } from '../../lib/blocks/block-operator.ts';
import { withInputContext } from '../../lib/blocks/input-context.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { accepted } from '../../lib/outcome.ts';
import type { DataPoint, Outcome, Usage } from '../../lib/record.ts';

const context: BlockContext = {
  file: '/b/builder.yaml',
  field: 'blocks.0',
  directory: '/b',
  builderKind: 'transformation',
  engine: () => {
    throw new Error('no engine');
  },
  embedder: () => {
    throw new Error('no embedder');
  },
};

const record = (fields: Record<string, unknown>): DataPoint => ({ task_name: 't', is_seed: false, ...fields });

async function run(definition: BlockDefinition, config: Record<string, unknown>, records: readonly DataPoint[]): Promise<Outcome<DataPoint>[]> {
  const operator = blockOperator(definition, { name: 'b', type: definition.type, ...config }, context);
  return lastValueFrom(of(...records.map((each, index) => accepted(`${index}-x`, each))).pipe(operator, toArray()));
}

/** Upper-cases its input `text`; writes `upper`. */
const upper: BlockDefinition = {
  type: 'test/upper',
  summary: 'upper-cases text',
  fields: { suffix: z.string().default('') },
  inputs: { required: ['text'], optional: ['extra'] },
  create: (config) => ({
    kind: 'transform',
    run: (input) => {
      if (input['text'] === 'boom') throw new Error('cannot shout boom');
      if (input['text'] === 'typed') throw new BlockError('parse_failed', 'not parseable');
      return { upper: `${String(input['text']).toUpperCase()}${config['suffix'] as string}`, ...(input['extra'] === undefined ? {} : { saw: input['extra'] }) };
    },
  }),
};

/** Valid when `input` is short; says how long it was. */
const short: BlockDefinition = {
  type: 'test/short',
  summary: 'short texts',
  fields: { max: z.number() },
  inputs: { required: ['input'] },
  validator: true,
  create: (config) => ({
    kind: 'validator',
    check: (input) => {
      const length = String(input['input']).length;
      return length <= (config['max'] as number)
        ? { valid: true }
        : { valid: false, code: 'too_long', reason: `input has ${length} characters, more than ${String(config['max'])}`, metadata: { length } };
    },
  }),
};

describe('blockOperator', () => {
  it('reads inputs through input_map paths and writes outputs through output_map, appending with [+]', async () => {
    const [outcome] = await run(upper, { input_map: { 'q.text': 'text' }, output_map: { upper: 'answers[+]' } }, [record({ q: { text: 'hi' }, answers: ['x'] })]);
    expect(outcome).toMatchObject({ status: 'accepted', record: { q: { text: 'hi' }, answers: ['x', 'HI'] } });
    expect((outcome?.record as Record<string, unknown>)['upper']).toBeUndefined();
  });

  it('reads inputs by their own names without a map, leaves absent optional ones out, and writes unmapped outputs by name', async () => {
    const [plain, withExtra] = await run(upper, { suffix: '!' }, [record({ text: 'a' }), record({ text: 'b', extra: 3 })]);
    expect(plain?.record).toEqual(record({ text: 'a', upper: 'A!' }));
    expect(withExtra?.record).toEqual(record({ text: 'b', extra: 3, upper: 'B!', saw: 3 }));
  });

  it('rejects a record whose required input is absent with input_missing, naming the map and the record fields', async () => {
    const [outcome] = await run(upper, { input_map: { question: 'text' } }, [record({ questoin: 'typo' })]);
    expect(outcome).toMatchObject({ status: 'rejected', issues: [{ code: 'input_missing', block: 'b' }] });
    const message = outcome?.status === 'rejected' ? outcome.issues[0]?.message : '';
    expect(message).toContain('`question` (its input_map)');
    expect(message).toContain('questoin');
  });

  it('rejects only the record a block throws on: block_failed, or the BlockError code', async () => {
    const outcomes = await run(upper, {}, [record({ text: 'boom' }), record({ text: 'ok' }), record({ text: 'typed' })]);
    expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.issues[0]?.code : outcome.status))).toEqual(['block_failed', 'accepted', 'parse_failed']);
    expect(outcomes[0]).toMatchObject({ issues: [{ message: 'cannot shout boom' }] });
  });

  it('fans a record out when a transform returns several outputs, splitting its share', async () => {
    const split: BlockDefinition = {
      type: 'test/split',
      summary: 'one record per word',
      fields: {},
      inputs: { required: ['text'] },
      create: () => ({ kind: 'transform', run: (input) => String(input['text']).split(' ').map((word) => ({ word })) }),
    };
    const outcomes = await run(split, {}, [record({ text: 'a b c' })]);
    expect(outcomes.map((outcome) => [outcome.status, (outcome.record as Record<string, unknown>)['word'], outcome.share])).toEqual([
      ['accepted', 'a', [1, 3]],
      ['accepted', 'b', [1, 3]],
      ['accepted', 'c', [1, 3]],
    ]);
  });

  it('validators: filter true rejects with the verdict and keeps is_valid and metadata on the rejected record', async () => {
    const [kept, dropped] = await run(short, { filter: true, max: 3, input_map: { answer: 'input' } }, [record({ answer: 'ok' }), record({ answer: 'too long' })]);
    expect(kept?.record).toEqual(record({ answer: 'ok' }));
    expect(dropped).toMatchObject({
      status: 'rejected',
      record: { answer: 'too long', is_valid: false, metadata: { length: 8 } },
      issues: [{ code: 'too_long', message: 'input has 8 characters, more than 3', block: 'b' }],
    });
    // The record as the validator received it, unmarked, beside the marked one.
    expect(dropped).toHaveProperty('received', record({ answer: 'too long' }));
  });

  it('validators: filter false (DGT default) keeps every record, marked with is_valid and metadata', async () => {
    const outcomes = await run(short, { max: 3, input_map: { answer: 'input' } }, [record({ answer: 'ok' }), record({ answer: 'too long' })]);
    expect(outcomes.map((outcome) => [outcome.status, outcome.record])).toEqual([
      ['accepted', record({ answer: 'ok', is_valid: true })],
      ['accepted', record({ answer: 'too long', is_valid: false, metadata: { length: 8 } })],
    ]);
  });

  it('passes rejected and restored outcomes through untouched', async () => {
    const restored = { status: 'restored', id: '0-r', record: record({ text: 'old' }) } as const;
    const refused = { status: 'rejected', id: '1-r', record: record({ text: 'x' }), issues: [{ code: 'duplicate', message: 'dup', block: 'd' }] } as const;
    const operator = blockOperator(upper, { name: 'b', type: 'test/upper' }, context);
    const outcomes = await lastValueFrom(of<Outcome<DataPoint>[]>(restored, refused).pipe(operator, toArray()));
    expect(outcomes).toEqual([restored, refused]);
  });

  it('answers from promises and observables, and aborts the signal of a record the run stops waiting for', async () => {
    let signal: AbortSignal | undefined;
    const slow: BlockDefinition = {
      type: 'test/slow',
      summary: 'never answers for `wait`',
      fields: {},
      inputs: { required: ['text'] },
      create: () => ({
        kind: 'transform',
        concurrency: 2,
        run: (input, call) => {
          if (input['text'] === 'wait') {
            signal = call.signal;
            return NEVER as Observable<Record<string, unknown>>;
          }
          return input['text'] === 'promise' ? Promise.resolve({ done: 'p' }) : of({ done: 'o' }).pipe(delay(1));
        },
      }),
    };
    const operator = blockOperator(slow, { name: 'b', type: 'test/slow' }, context);
    const seen: unknown[] = [];
    const subscription = of(accepted('0-a', record({ text: 'promise' })), accepted('1-a', record({ text: 'wait' })), accepted('2-a', record({ text: 'obs' })))
      .pipe(operator)
      .subscribe((outcome) => seen.push((outcome.record as Record<string, unknown>)['done']));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen.sort()).toEqual(['o', 'p']);
    expect(signal?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(signal?.aborted).toBe(true);
  });

  it('refuses an unknown field or a malformed map at the factory call, naming the file and the field', () => {
    expect(() => blockOperator(upper, { name: 'b', type: 'test/upper', sufix: '!' }, context)).toThrow(ConfigError);
    try {
      blockOperator(upper, { name: 'b', type: 'test/upper', sufix: '!' }, context);
    } catch (error) {
      expect(error).toMatchObject({ file: '/b/builder.yaml', field: 'blocks.0.sufix' });
    }
    expect(() => blockOperator(upper, { name: 'b', type: 'test/upper', input_map: { 'a..b': 'text' } }, context)).toThrow(/a\.\.b/);
    expect(() => blockOperator(upper, { name: 'b', type: 'test/upper', filter: true }, context)).toThrow(ConfigError);
  });
});

/** Usage of one call: `calls` 1 and the given tokens, attributed to `<model>`. */
const spent = (model: string, promptTokens: number): Usage => ({
  calls: 1,
  cachedCalls: 0,
  promptTokens,
  completionTokens: 0,
  costUsd: 0,
  byModel: { [model]: { calls: 1, cachedCalls: 0, promptTokens, completionTokens: 0, costUsd: 0 } },
});

/** A transform whose behaviour each test gives. */
const transform = (run: Extract<BlockBehaviour, { kind: 'transform' }>['run'], concurrency?: number): BlockDefinition => ({
  type: 'test/transform',
  summary: 'runs what the test gives',
  fields: {},
  create: () => ({ kind: 'transform', run, ...(concurrency === undefined ? {} : { concurrency }) }),
});

const issueCodes = (outcomes: readonly Outcome<DataPoint>[]) => outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.issues[0]?.code : outcome.status));

describe('blockOperator: usage, fan-out, answers', () => {
  it('adds what call.spend reports to the usage the record already had, and keeps it on a record rejected afterwards', async () => {
    const definition = transform((input, call) => {
      call.spend(spent('b: fake/m', 3));
      call.spend(spent('b: fake/m', 4));
      if (input['fail']) throw new Error('the answer was unusable');
      return { done: true };
    });
    const operator = blockOperator(definition, { name: 'b', type: definition.type }, context);
    const outcomes = await lastValueFrom(of(accepted('0-a', record({}), spent('earlier: fake/m', 10)), accepted('1-a', record({ fail: true }))).pipe(operator, toArray()));
    expect(outcomes[0]).toMatchObject({ status: 'accepted', usage: { calls: 3, promptTokens: 17, byModel: { 'earlier: fake/m': { calls: 1 }, 'b: fake/m': { calls: 2, promptTokens: 7 } } } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', issues: [{ code: 'block_failed', message: 'the answer was unusable' }], usage: { calls: 2, promptTokens: 7 } });
  });

  it('splits shares again when a fanned-out record fans out once more, the usage on the first record only', async () => {
    const split = transform((input, call) => {
      call.spend(spent('b: fake/m', 1));
      return [{ level: `${String(input['level'] ?? '')}a` }, { level: `${String(input['level'] ?? '')}b` }];
    });
    const operator = blockOperator(split, { name: 'b', type: split.type }, context);
    const outcomes = await lastValueFrom(of(accepted('0-a', record({}))).pipe(operator, operator, toArray()));
    expect(outcomes.map((outcome) => [(outcome.record as DataPoint)['level'], outcome.share, outcome.usage?.calls])).toEqual([
      ['aa', [1, 4], 2],
      ['ab', [1, 4], undefined],
      ['ba', [1, 4], 1],
      ['bb', [1, 4], undefined],
    ]);
  });

  it('rejects a transform that answers nothing, an empty list, or something other than an object of fields', async () => {
    const odd = transform((input) => {
      if (input['kind'] === 'empty') return EMPTY as Observable<BlockFields>;
      if (input['kind'] === 'none') return [];
      return 'a string' as unknown as BlockFields;
    });
    const outcomes = await run(odd, {}, [record({ kind: 'empty' }), record({ kind: 'none' }), record({ kind: 'text' })]);
    expect(issueCodes(outcomes)).toEqual(['block_failed', 'no_output', 'block_failed']);
    expect(outcomes[0]).toMatchObject({ issues: [{ message: 'block `b` gave no answer' }] });
    expect(outcomes[2]).toMatchObject({ issues: [{ message: expect.stringMatching(/gave string as its outputs, expected an object of fields/) }] });
  });

  it('never writes to the records it gets: deep-frozen records come out copied', async () => {
    const frozen = Object.freeze(record({ q: Object.freeze({ text: 'hi' }), answers: Object.freeze(['x']) }));
    const outcomes = await run(upper, { input_map: { 'q.text': 'text' }, output_map: { upper: 'answers[+]' } }, [frozen]);
    expect(outcomes[0]?.record).toEqual(record({ q: { text: 'hi' }, answers: ['x', 'HI'] }));
    expect(frozen).toEqual(record({ q: { text: 'hi' }, answers: ['x'] }));
  });

  it('works on at most `concurrency` records at once', async () => {
    let running = 0;
    let most = 0;
    const slow = transform(
      () =>
        new Observable<BlockFields>((subscriber) => {
          running += 1;
          most = Math.max(most, running);
          const timer = setTimeout(() => {
            running -= 1;
            subscriber.next({ done: true });
            subscriber.complete();
          }, 2);
          return () => clearTimeout(timer);
        }),
      2,
    );
    const outcomes = await run(slow, {}, Array.from({ length: 6 }, () => record({})));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(6).fill('accepted'));
    expect(most).toBe(2);
  });
});

describe('blockOperator: cancellation', () => {
  it('aborts the signal of an in-flight call when the stream is unsubscribed, and a sibling stops the side work it left running', async () => {
    const signals: AbortSignal[] = [];
    let sideWorkStopped = false;
    const definition = transform((input, call) => {
      signals.push(call.signal);
      if (input['text'] === 'quick') {
        // Answers at once but leaves work running on the record's signal: it must not outlive the answer.
        call.signal.addEventListener('abort', () => (sideWorkStopped = true));
        return Promise.resolve({ done: 'quick' });
      }
      return new Promise<BlockFields>((_resolve, reject) => call.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }, 2);
    const seen: unknown[] = [];
    const operator = blockOperator(definition, { name: 'b', type: definition.type }, context);
    const subscription = of(accepted('0-a', record({ text: 'quick' })), accepted('1-a', record({ text: 'hang' })))
      .pipe(operator)
      .subscribe((outcome) => seen.push((outcome.record as DataPoint)['done']));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual(['quick']);
    expect(sideWorkStopped).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(signals[1]?.aborted).toBe(true);
    expect(seen).toEqual(['quick']);
  });

  it('cancels a block that answers with an observable when the record is no longer wanted (take)', async () => {
    let unsubscribed = 0;
    const definition = transform((input) =>
      input['text'] === 'first'
        ? of({ done: true })
        : new Observable<BlockFields>(() => () => {
            unsubscribed += 1;
          }),
    2);
    const operator = blockOperator(definition, { name: 'b', type: definition.type }, context);
    const outcomes = await lastValueFrom(of(accepted('0-a', record({ text: 'never' })), accepted('1-a', record({ text: 'first' }))).pipe(operator, take(1), toArray()));
    expect(outcomes.map((outcome) => outcome.id)).toEqual(['1-a']);
    expect(unsubscribed).toBe(1);
  });
});

describe('blockOperator: validators', () => {
  /** Valid when `input` is `ok`; always writes `checked`, and metadata on an invalid record. */
  const marker: BlockDefinition = {
    type: 'test/marker',
    summary: 'marks',
    fields: {},
    inputs: { required: ['input'] },
    validator: true,
    create: () => ({
      kind: 'validator',
      check: (input) =>
        input['input'] === 'ok'
          ? { valid: true, outputs: { checked: 1 } }
          : input['input'] === 'odd'
            ? ({ verdict: 'no' } as unknown as Verdict)
            : { valid: false, reason: 'input is not ok', metadata: { seen: input['input'] }, outputs: { checked: 1 } },
    }),
  };

  it('writes is_valid, metadata and the verdict outputs where output_map says, on kept and rejected records', async () => {
    const output_map = { is_valid: 'checks.ok', metadata: 'checks.why' };
    const kept = await run(marker, { output_map }, [record({ input: 'ok' }), record({ input: 'bad' })]);
    expect(kept.map((outcome) => [outcome.status, outcome.record])).toEqual([
      ['accepted', record({ input: 'ok', checked: 1, checks: { ok: true } })],
      ['accepted', record({ input: 'bad', checked: 1, checks: { ok: false, why: { seen: 'bad' } } })],
    ]);
    const filtered = await run(marker, { output_map, filter: true }, [record({ input: 'ok' }), record({ input: 'bad' })]);
    expect(filtered[0]).toEqual(accepted('0-x', record({ input: 'ok', checked: 1 })));
    expect(filtered[1]).toMatchObject({
      status: 'rejected',
      record: record({ input: 'bad', checked: 1, checks: { ok: false, why: { seen: 'bad' } } }),
      issues: [{ code: 'invalid', message: 'input is not ok', block: 'b' }],
    });
  });

  it('rejects a record whose validator answers something that is not a verdict', async () => {
    const [outcome] = await run(marker, {}, [record({ input: 'odd' })]);
    expect(outcome).toMatchObject({ status: 'rejected', issues: [{ code: 'block_failed', message: expect.stringMatching(/gave no verdict/) }] });
  });

  it('passes restored outcomes through a validator untouched', async () => {
    const restored = { status: 'restored', id: '0-r', record: record({ input: 'bad' }) } as const;
    const outcomes = await lastValueFrom(of<Outcome<DataPoint>[]>(restored).pipe(blockOperator(marker, { name: 'b', type: marker.type, filter: true }, context), toArray()));
    expect(outcomes).toEqual([restored]);
  });
});

describe('blockOperator: input context and config errors', () => {
  it("gives a generation input's examples and seed to the block through its call", async () => {
    const seen: unknown[] = [];
    const definition = transform((_input, call) => {
      seen.push([call.id, call.examples, call.seed]);
      return {};
    });
    const examples = [record({ question: 'seed?' })];
    const operator = blockOperator(definition, { name: 'b', type: definition.type }, context);
    await lastValueFrom(of(accepted('0-a', withInputContext(record({}), { examples, seed: 7 })), accepted('1-a', record({}))).pipe(operator, toArray()));
    expect(seen).toEqual([
      ['0-a', examples, 7],
      ['1-a', undefined, undefined],
    ]);
  });

  it('names the map at fault: a malformed output_map is not reported as the input_map', () => {
    const configError = (config: Record<string, unknown>) => {
      try {
        blockOperator(upper, { name: 'b', type: 'test/upper', ...config }, context);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(configError({ input_map: { q: 'text' }, output_map: { upper: 'a[' } })).toMatchObject({ name: 'ConfigError', file: '/b/builder.yaml', field: 'blocks.0.output_map' });
    expect(configError({ input_map: { q: 'txet' } })).toMatchObject({ field: 'blocks.0.input_map', message: expect.stringMatching(/`q: txet` maps to `txet`, which block `b` does not take \(its inputs: text, extra\)/) });
  });
});
