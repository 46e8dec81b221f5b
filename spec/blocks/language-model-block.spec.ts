import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { BlockContext } from '../../lib/blocks/block-definition.ts';
import { withInputContext } from '../../lib/blocks/input-context.ts';
import { languageModelBlock } from '../../lib/blocks/language-model-block.ts';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import type { CallOptions, ModelRequest, ModelResult } from '../../lib/model/language-model.ts';
import { createEngine } from '../../lib/model/engine.ts';
import { accepted } from '../../lib/outcome.ts';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import { FakeLanguageModel, type FakeLanguageModelOptions } from '../../lib/testing/fake-language-model.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const record = (fields: Record<string, unknown>): DataPoint => ({ task_name: 't', is_seed: false, ...fields });

function contextIn(directory: string, builderKind: BlockContext['builderKind'] = 'transformation'): BlockContext {
  return {
    file: join(directory, 'builder.yaml'),
    field: 'blocks.0',
    directory,
    builderKind,
    engine: () => {
      throw new Error('no nested engine');
    },
    embedder: () => {
      throw new Error('no embedder');
    },
  };
}

/** The text a request sends: its completion prompt, or its chat messages as `role: content` lines. */
function sent(request: ModelRequest | undefined): string {
  if (!request) return '';
  return request.method === 'completion' ? request.prompt : request.messages.map((message) => `${message.role}: ${message.content}`).join('\n');
}

/** An LM block over a fake model; `run` sends records through it. */
function setup(config: Record<string, unknown>, options: FakeLanguageModelOptions & { context?: BlockContext } = {}) {
  const model = new FakeLanguageModel({ answers: (request) => `echo ${sent(request)}`, ...options });
  const engine = createEngine(model, { name: 'writer', callLimit: 4 });
  const operator = languageModelBlock({ name: 'writer', type: 'openai', ...config }, engine, options.context ?? contextIn(tempDir()));
  const run = (outcomes: readonly Outcome<DataPoint>[]) => lastValueFrom(of(...outcomes).pipe(operator, toArray()));
  return { model, operator, run };
}

const inputs = (...records: DataPoint[]) => records.map((each, index) => accepted(`${index}-x`, each));

function configErrorOf(build: () => unknown): { name: string; file?: string; field?: string; message: string } | undefined {
  try {
    build();
  } catch (error) {
    return error as { name: string; file?: string; field?: string; message: string };
  }
  return undefined;
}

describe('languageModelBlock: prompts and answers', () => {
  it('renders the prompt from the record and writes the answer to output_field (default `result`), with usage spent', async () => {
    const { model, run } = setup({ prompt: 'Answer: {{ question }}', output_field: 'answer', system: 'Be brief.' });
    const [outcome] = await run(inputs(record({ question: 'Why?' })));
    expect(sent(model.calls[0])).toBe('system: Be brief.\nuser: Answer: Why?');
    expect(outcome).toMatchObject({ status: 'accepted', record: record({ question: 'Why?', answer: 'echo system: Be brief.\nuser: Answer: Why?' }) });
    expect(outcome?.usage).toMatchObject({ calls: 1, byModel: { 'writer: fake/fake-model': { calls: 1 } } });
    const plain = setup({ prompt: 'Say {{ word }}', method: 'completion' });
    expect((await plain.run(inputs(record({ word: 'hi' }))))[0]?.record).toEqual(record({ word: 'hi', result: 'echo Say hi' }));
  });

  it('rejects a record the template cannot render with template_undefined, naming the problem, without calling the model', async () => {
    const { model, run } = setup({ prompt: 'Answer: {{ question }}' });
    const outcomes = await run(inputs(record({ questoin: 'typo' }), record({ question: 'ok?' })));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'accepted']);
    expect(outcomes[0]).toMatchObject({ issues: [{ code: 'template_undefined', block: 'writer', message: expect.stringMatching(/names a field the record does not have.*Line 1, Column/) }] });
    expect(model.calls).toHaveLength(1);
  });

  it('refuses a template with a syntax error when the block is built, naming the file and the field', () => {
    const directory = tempDir();
    writeFileSync(join(directory, 'prompt.txt'), '{% for e in examples %}{{ e }}');
    const inline = configErrorOf(() => setup({ prompt: 'Answer: {{ question ' }, { context: contextIn(directory) }));
    expect(inline).toMatchObject({ name: 'ConfigError', file: join(directory, 'builder.yaml'), field: 'blocks.0.prompt', message: expect.stringMatching(/not a valid Jinja template: expected variable end/) });
    expect(configErrorOf(() => setup({ prompt_file: 'prompt.txt' }, { context: contextIn(directory) }))).toMatchObject({ field: 'blocks.0.prompt_file' });
  });

  it('with parse: json merges the answer object into the record; an answer without one is parse_failed, its usage kept', async () => {
    const { run } = setup({ prompt: 'Pair for {{ topic }}', parse: 'json' }, { answers: (request) => (sent(request).includes('rivers') ? 'sorry, no' : 'Sure: {"question": "Q?", "answer": "A."}') });
    const outcomes = await run(inputs(record({ topic: 'lakes' }), record({ topic: 'rivers' })));
    expect(outcomes[0]?.record).toEqual(record({ topic: 'lakes', question: 'Q?', answer: 'A.' }));
    expect(outcomes[1]).toMatchObject({ status: 'rejected', issues: [{ code: 'parse_failed', message: 'the answer holds no JSON object: "sorry, no"' }], usage: { calls: 1 } });
  });

  it('with n above 1, makes one record per answer, sharing the input', async () => {
    class ThreeAnswers extends FakeLanguageModel {
      override doGenerate(request: ModelRequest, options: CallOptions): Promise<ModelResult> {
        return super.doGenerate({ ...request, n: 3 }, options);
      }
    }
    let count = 0;
    const engine = createEngine(new ThreeAnswers({ answers: () => `answer ${(count += 1)}` }), { name: 'writer' });
    const operator = languageModelBlock({ name: 'writer', type: 'openai', prompt: 'Go', output_field: 'answer' }, engine, contextIn(tempDir()));
    const outcomes = await lastValueFrom(of(...inputs(record({}))).pipe(operator, toArray()));
    expect(outcomes.map((outcome) => [(outcome.record as DataPoint)['answer'], outcome.share, outcome.usage?.calls])).toEqual([
      ['answer 1', [1, 3], 1],
      ['answer 2', [1, 3], undefined],
      ['answer 3', [1, 3], undefined],
    ]);
  });

  it('rejects a record whose call fails with lm_call_failed, and ends the stream on an authentication failure', async () => {
    const failing = setup({ prompt: '{{ text }}' }, { fail: (request) => (sent(request).includes('bad') ? new ApiCallError('Bad Request: no', { url: 'http://x', statusCode: 400 }) : undefined) });
    const outcomes = await failing.run(inputs(record({ text: 'bad' }), record({ text: 'good' })));
    expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.issues[0]?.code : outcome.status))).toEqual(['lm_call_failed', 'accepted']);
    const denied = setup({ prompt: '{{ text }}' }, { fail: () => new ApiCallError('Unauthorized', { url: 'http://x', statusCode: 401 }) });
    await expect(denied.run(inputs(record({ text: 'a' })))).rejects.toThrow(/Unauthorized/);
  });

  it('aborts the model call of a record when the stream is unsubscribed', async () => {
    const { model, operator } = setup({ prompt: '{{ text }}' }, { latencyMs: 60_000 });
    const subscription = of(...inputs(record({ text: 'slow' }))).pipe(operator).subscribe();
    while (model.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    subscription.unsubscribe();
    expect(model.aborted).toBe(1);
    expect(model.inFlight).toBe(0);
  });
});

describe('languageModelBlock: DGT-style `input`', () => {
  it('sends the `input` it reads through input_map: a text as the user message, or a list of chat messages', async () => {
    const { model, run } = setup({ input_map: { question: 'input' }, output_map: { result: 'answer' }, system: 'Be brief.' });
    const messages = [{ role: 'user', content: 'hello' }];
    const outcomes = await run(inputs(record({ question: 'Why?' }), record({ question: messages })));
    expect(model.calls.map(sent)).toEqual(['system: Be brief.\nuser: Why?', 'system: Be brief.\nuser: hello']);
    expect(outcomes.map((outcome) => (outcome.record as DataPoint)['answer'])).toEqual(['echo system: Be brief.\nuser: Why?', 'echo system: Be brief.\nuser: hello']);
    expect(outcomes.every((outcome) => !('result' in (outcome.record as DataPoint)))).toBe(true);
  });

  it('rejects a record without the input (input_missing) or with one that is not text (input_not_text)', async () => {
    const { model, run } = setup({ input_map: { question: 'input' }, method: 'completion' });
    const outcomes = await run(inputs(record({ other: 'x' }), record({ question: ['a', 'list'] })));
    expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.issues[0]?.code : outcome.status))).toEqual(['input_missing', 'input_not_text']);
    expect(model.calls).toHaveLength(0);
  });
});

describe('languageModelBlock: examples of a generation input', () => {
  const pool = ['a', 'b', 'c', 'd', 'e', 'f'].map((letter) => record({ question: `q-${letter}` }));
  const generationInput = (seed: number, index = 0) => accepted(`${index}-g`, withInputContext(record({}), { examples: pool, seed }));
  const prompt = 'Like these:{% for e in examples %} {{ e.question }}{% endfor %}';

  it('shows `examples: N` of them, drawn with the input seed: the same seed draws the same ones', async () => {
    const { model, run } = setup({ prompt: `{{ seed }}: ${prompt}`, examples: 2 }, { context: contextIn(tempDir(), 'generation') });
    // Two inputs per seed; the record says its seed, so each prompt can be told apart whatever order the calls go in.
    const withSeed = (seed: number, index: number) => accepted(`${index}-g`, withInputContext(record({ seed }), { examples: pool, seed }));
    await run(Array.from({ length: 12 }, (_, index) => withSeed(index % 6, index)));
    const drawsBySeed = new Map<string, string[]>();
    for (const request of model.calls) {
      const [, seed, questions] = /^user: (\d+): Like these: (.*)$/.exec(sent(request)) ?? [];
      const drawn = (questions ?? '').split(' ');
      expect(drawn).toHaveLength(2);
      expect(new Set(drawn).size).toBe(2);
      for (const question of drawn) expect(pool.map((example) => example['question'])).toContain(question);
      drawsBySeed.set(seed!, [...(drawsBySeed.get(seed!) ?? []), drawn.join()]);
    }
    expect(drawsBySeed.size).toBe(6);
    for (const draws of drawsBySeed.values()) expect(new Set(draws).size, draws.join(' | ')).toBe(1);
    expect(new Set([...drawsBySeed.values()].map((draws) => draws[0])).size).toBeGreaterThan(1);
  });

  it('shows every example without `examples`, and refuses `examples` outside a generation builder', async () => {
    const { model, run } = setup({ prompt }, { context: contextIn(tempDir(), 'generation') });
    await run([generationInput(3)]);
    expect(sent(model.calls[0])).toBe('user: Like these: q-a q-b q-c q-d q-e q-f');
    expect(configErrorOf(() => setup({ prompt, examples: 2 }))).toMatchObject({ name: 'ConfigError', field: 'blocks.0.examples' });
  });
});

describe('languageModelBlock: config', () => {
  it('refuses fields that contradict each other, naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ prompt: 'a', prompt_file: 'p.txt' }, 'blocks.0.prompt_file'],
      [{ prompt: 'a', parse: 'json', output_field: 'x' }, 'blocks.0.output_field'],
      [{ prompt: 'a', output_field: 'x', output_map: { result: 'y' } }, 'blocks.0.output_field'],
      [{ prompt: 'a', system: 'b', method: 'completion' }, 'blocks.0.system'],
      [{ input_map: { question: 'inptu' } }, 'blocks.0.input_map'],
      [{ prompt: 'a', output_map: { result: 'a[' } }, 'blocks.0.output_map'],
    ];
    for (const [config, field] of cases) expect(configErrorOf(() => setup(config)), field).toMatchObject({ name: 'ConfigError', field });
  });

  it('reads prompt_file beside the builder, and refuses one outside its folder, through a symbolic link too', async () => {
    const directory = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, 'secret.txt'), 'secret {{ text }}');
    mkdirSync(join(directory, 'prompts'));
    writeFileSync(join(directory, 'prompts', 'ask.txt'), 'Ask {{ text }}');
    writeFileSync(join(directory, '..notes.txt'), 'Notes {{ text }}');
    symlinkSync(join(outside, 'secret.txt'), join(directory, 'link.txt'));
    symlinkSync(outside, join(directory, 'elsewhere'));
    const context = contextIn(directory);
    const { model, run } = setup({ prompt_file: 'prompts/ask.txt', method: 'completion' }, { context });
    await run(inputs(record({ text: 'me' })));
    expect(sent(model.calls[0])).toBe('Ask me');
    expect(configErrorOf(() => setup({ prompt_file: '..notes.txt' }, { context }))).toBeUndefined();
    for (const path of ['../secret.txt', join(outside, 'secret.txt'), 'link.txt', 'elsewhere/secret.txt', 'elsewhere/missing.txt']) {
      expect(configErrorOf(() => setup({ prompt_file: path }, { context })), path).toMatchObject({
        name: 'ConfigError',
        file: join(directory, 'builder.yaml'),
        field: 'blocks.0.prompt_file',
        message: expect.stringMatching(/lies outside the folder/),
      });
    }
    expect(configErrorOf(() => setup({ prompt_file: 'missing.txt' }, { context }))).toMatchObject({ field: 'blocks.0.prompt_file', message: expect.stringMatching(/cannot read the prompt file `missing.txt`/) });
  });
});
