import { EMPTY, Subject, from, lastValueFrom, throwError, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { type Engine, createEngine } from '../../lib/model/engine.ts';
import type { ChatMessage } from '../../lib/model/language-model.ts';
import { accepted } from '../../lib/outcome.ts';
import type { Outcome } from '../../lib/record.ts';
import { FakeLanguageModel, type FakeLanguageModelOptions } from '../../lib/testing/fake-language-model.ts';
import { type JudgeConfig, judge } from '../../operators/judge.ts';
import { type Question, rejectedOf, restoredOf } from '../helpers/outcomes.ts';
import { waitFor } from '../helpers/wait-for.ts';

const pair = (attempt: number, answer: string) => accepted<Question>(String(attempt), { question: 'What is 2 + 2?', answer });
const prompt = (record: Question) => `Is "${record.answer}" right for "${record.question}"? YES or NO`;
const yesNo = (text: string) => text.startsWith('YES');

function judgeWith(options: FakeLanguageModelOptions, config: Partial<JudgeConfig<Question>> = {}) {
  const model = new FakeLanguageModel(options);
  const engine: Engine = createEngine(model, { name: 'judge', retryDelayMs: 1 });
  return { model, operator: judge<Question>({ engine, prompt, verdict: yesNo, ...config }) };
}

function run(inputs: readonly Outcome<Question>[], operator: ReturnType<typeof judge<Question>>): Promise<Outcome<Question>[]> {
  return lastValueFrom(from(inputs).pipe(operator, toArray())).then((outcomes) => outcomes.sort((left, right) => Number(left.id) - Number(right.id)));
}

describe('judge', () => {
  test('an accepted verdict keeps the record with the judge output in judge_output', async () => {
    const { model, operator } = judgeWith({ answers: 'YES, four is right' });
    const outcomes = await run([pair(0, '4')], operator);
    expect(outcomes).toEqual([
      accepted('0', { question: 'What is 2 + 2?', answer: '4', judge_output: 'YES, four is right' }, expect.objectContaining({ calls: 1, cachedCalls: 0 })),
    ]);
    expect(model.calls).toEqual([{ method: 'chat', messages: [{ role: 'user', content: 'Is "4" right for "What is 2 + 2?"? YES or NO' }] }]);
  });

  test('a rejecting verdict gives judge_rejected with its reason; the record keeps judge_output', async () => {
    const { operator } = judgeWith(
      { answers: (request) => (request.method === 'chat' && request.messages[0]?.content.includes('"5"') ? 'NO: 2 + 2 is 4' : 'YES') },
      { verdict: (text) => (text.startsWith('YES') ? true : { accept: false, reason: text.slice(4) }) },
    );
    const outcomes = await run([pair(0, '4'), pair(1, '5')], operator);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected']);
    expect(outcomes[1]).toMatchObject({
      status: 'rejected',
      id: '1',
      record: { question: 'What is 2 + 2?', answer: '5', judge_output: 'NO: 2 + 2 is 4' },
      issues: [{ code: 'judge_rejected', message: '2 + 2 is 4', block: 'judge' }],
      usage: { calls: 1 },
    });
  });

  test('a false verdict rejects with a default reason, under the configured block name and field', async () => {
    const { operator } = judgeWith({ answers: 'NO' }, { name: 'critic', field: 'critique' });
    const [outcome] = await run([pair(0, '5')], operator);
    expect(outcome).toMatchObject({
      status: 'rejected',
      record: { answer: '5', critique: 'NO' },
      issues: [{ code: 'judge_rejected', message: 'the judge rejected the record', block: 'critic' }],
    });
    expect(outcome?.record).not.toHaveProperty('judge_output');
  });

  test('an object verdict that accepts keeps the record', async () => {
    const { operator } = judgeWith({ answers: 'fine' }, { verdict: () => ({ accept: true, reason: 'unused' }) });
    const [outcome] = await run([pair(0, '4')], operator);
    expect(outcome?.status).toBe('accepted');
  });

  test('a verdict of the wrong shape (plain JS) rejects with judge_unparseable instead of ending the stream', async () => {
    const { operator } = judgeWith({ answers: 'YES' }, { verdict: (() => 'yes') as unknown as JudgeConfig<Question>['verdict'] });
    const outcomes = await run([pair(0, '4'), pair(1, '5')], operator);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(outcomes[0]).toMatchObject({ issues: [{ code: 'judge_unparseable', message: expect.stringMatching(/must be a boolean/) }] });
  });

  test('a verdict that throws rejects with judge_unparseable; the stream goes on', async () => {
    const { operator } = judgeWith(
      { answers: (_request, index) => (index === 0 ? 'maybe?' : 'YES') },
      {
        verdict: (text) => {
          if (!/^(YES|NO)/.test(text)) throw new Error(`cannot read "${text}"`);
          return text.startsWith('YES');
        },
      },
    );
    // Calls are numbered in subscription order, so the unreadable answer is the first record's.
    const outcomes = await run([pair(0, '4'), pair(1, 'four')], operator);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'accepted']);
    expect(outcomes[0]).toMatchObject({
      record: { judge_output: 'maybe?' },
      issues: [{ code: 'judge_unparseable', message: 'cannot read "maybe?"', block: 'judge' }],
    });
  });

  test('the verdict receives the judge text and the record under review', async () => {
    const seen: unknown[] = [];
    const verdict = (text: string, record: Question) => {
      seen.push([text, record]);
      return true;
    };
    const { operator } = judgeWith({ answers: 'YES' }, { verdict });
    await run([pair(0, '4')], operator);
    expect(seen).toEqual([['YES', { question: 'What is 2 + 2?', answer: '4' }]]);
  });

  test('a failed judge call is an lm_call_failed rejection', async () => {
    const failure = new ApiCallError('fake answered 500', { url: 'fake://in-process', statusCode: 500 });
    const { operator } = judgeWith({ answers: 'YES', fail: () => failure });
    const [outcome] = await run([pair(0, '4')], operator);
    expect(outcome).toMatchObject({
      status: 'rejected',
      record: { question: 'What is 2 + 2?', answer: '4' },
      issues: [{ code: 'lm_call_failed', block: 'judge' }],
    });
    expect(outcome?.record).not.toHaveProperty('judge_output');
  });

  test('rejected and restored outcomes pass through without a call', async () => {
    const { model, operator } = judgeWith({ answers: 'YES' });
    const passing = [rejectedOf(0, 'q'), restoredOf('q')] as Outcome<Question>[];
    const outcomes = await lastValueFrom(from(passing).pipe(operator, toArray()));
    expect(outcomes).toEqual(passing);
    expect(model.calls).toEqual([]);
  });

  test('empty: completes without a call', async () => {
    const { model, operator } = judgeWith({ answers: 'YES' });
    expect(await lastValueFrom(EMPTY.pipe(operator, toArray()))).toEqual([]);
    expect(model.calls).toEqual([]);
  });

  test('a source error is passed on', async () => {
    const { operator } = judgeWith({ answers: 'YES' });
    const error = await lastValueFrom(throwError(() => new Error('broke')).pipe(operator)).catch((caught: unknown) => caught);
    expect(error).toEqual(new Error('broke'));
  });

  test('early unsubscribe aborts the judge call in flight', async () => {
    const { model, operator } = judgeWith({ answers: 'YES', latencyMs: 60_000 });
    const source = new Subject<Outcome<Question>>();
    const subscription = source.pipe(operator).subscribe();
    source.next(pair(0, '4'));
    await waitFor(() => model.inFlight === 1);
    subscription.unsubscribe();
    await waitFor(() => model.aborted === 1);
    expect(source.observed).toBe(false);
  });

  test('bad config throws a ConfigError at the factory call', () => {
    const engine = createEngine(new FakeLanguageModel({ answers: 'YES' }));
    expect(() => judge<Question>({ engine: {} as Engine, prompt, verdict: yesNo })).toThrow(ConfigError);
    expect(() => judge<Question>({ engine, prompt, verdict: 'YES' as never })).toThrow('judge: invalid config at `verdict`');
    expect(() => judge<Question>({ engine, prompt: undefined as never, verdict: yesNo })).toThrow('`prompt`');
    expect(() => judge<Question>({ engine, prompt, verdict: yesNo, field: '' })).toThrow('`field`');
  });

  test('params are checked strictly, as generate checks them', () => {
    const engine = createEngine(new FakeLanguageModel({ answers: 'YES' }));
    expect(() => judge<Question>({ engine, prompt, verdict: yesNo, params: { max_tokens: 5 } as never })).toThrow(
      'judge: invalid config at `params.max_tokens`: unknown field',
    );
    expect(() => judge<Question>({ engine, prompt, verdict: yesNo, params: { topP: 2 } })).toThrow('judge: invalid config at `params.topP`');
  });

  test('params override the engine defaults; a prompt may be messages', async () => {
    const model = new FakeLanguageModel({ answers: 'YES' });
    const engine = createEngine(model, { name: 'judge', params: { temperature: 0.5, maxTokens: 8 } });
    const messages = (record: Question): ChatMessage[] => [
      { role: 'system', content: 'Answer YES or NO.' },
      { role: 'user', content: String(record.answer) },
    ];
    await run([pair(0, '4')], judge<Question>({ engine, prompt: messages, verdict: yesNo, params: { temperature: 0 } }));
    expect(model.calls).toEqual([{ method: 'chat', messages: messages({ question: '', answer: '4' }), temperature: 0, maxTokens: 8 }]);
  });
});
