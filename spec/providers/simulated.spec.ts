import { describe, expect, test, vi } from 'vitest';
import { parseQuestionAnswer } from '../../builders/geography-qa/index.ts';
import { OnDemandSignal } from '../../lib/model/abortable.ts';
import { createSimulated, simulatedLabel } from '../../lib/providers/simulated/simulated-model.ts';
import { countWords } from '../../lib/text/count-words.ts';

const signal = () => new AbortController().signal;

describe('simulated engine', () => {
  test('answers a Question/Answer prompt with a labelled pair that parses: a function of the request alone', async () => {
    const model = createSimulated();
    const prompt = 'Question: What is the capital of Peru?\nAnswer: Lima.\n\nWrite one new pair.';
    const ask = (content: string, seed?: number) =>
      model.doGenerate({ method: 'chat', messages: [{ role: 'user', content }], ...(seed === undefined ? {} : { seed }) }, { signal: signal() });
    const first = await ask(prompt);
    const pair = parseQuestionAnswer(first.texts[0]!);
    expect(pair.question.startsWith(simulatedLabel)).toBe(true);
    expect(pair.answer.startsWith(simulatedLabel)).toBe(true);
    expect(first.usage.promptTokens).toBe(countWords(prompt));
    expect(first.usage.completionTokens).toBe(countWords(first.texts[0]!));
    // Several pairs, each counted; a pair asked for in JSON mode is JSON, counted as written.
    const three = await model.doGenerate({ method: 'completion', prompt, n: 3 }, { signal: signal() });
    expect(three.usage.completionTokens).toBe(three.texts.reduce((sum, text) => sum + countWords(text), 0));
    const json = await model.doGenerate({ method: 'completion', prompt, jsonMode: true }, { signal: signal() });
    expect(JSON.parse(json.texts[0]!)).toHaveProperty('answer');
    expect(json.usage.completionTokens).toBe(countWords(json.texts[0]!));
    // The same request, the same answer, as a model at temperature 0 (a rerun repeats itself); another prompt or seed, another answer.
    expect((await ask(prompt)).texts).toEqual(first.texts);
    expect((await createSimulated().doGenerate({ method: 'chat', messages: [{ role: 'user', content: prompt }] }, { signal: signal() })).texts).toEqual(first.texts);
    expect((await ask(`${prompt} `)).texts[0]).not.toBe(first.texts[0]);
    expect((await ask(prompt, 1)).texts[0]).not.toBe(first.texts[0]);
  });

  test('labels every other answer, one text per requested choice', async () => {
    const result = await createSimulated().doGenerate({ method: 'completion', prompt: 'Say hello', n: 3 }, { signal: signal() });
    expect(result.texts).toHaveLength(3);
    for (const text of result.texts) expect(text.startsWith(simulatedLabel)).toBe(true);
  });

  test('a response format gets JSON matching the schema, strings labelled', async () => {
    const schema = {
      type: 'object',
      properties: { knowledge: { type: 'string' }, difficulty: { enum: ['easy', 'hard'] }, score: { type: 'integer', minimum: 1 }, tags: { type: 'array', items: { type: 'string' } } },
      required: ['knowledge', 'difficulty', 'score', 'tags'],
    };
    const result = await createSimulated().doGenerate({ method: 'chat', messages: [{ role: 'user', content: 'Rate it' }], responseFormat: { name: 'rating', schema } }, { signal: signal() });
    const value = JSON.parse(result.texts[0]!) as Record<string, unknown>;
    expect(value).toMatchObject({ difficulty: 'easy', score: 1 });
    expect(String(value['knowledge']).startsWith(simulatedLabel)).toBe(true);
    expect((value['tags'] as string[])[0]!.startsWith(simulatedLabel)).toBe(true);
  });

  test('honours its latency and an abort', async () => {
    const controller = new AbortController();
    const pending = createSimulated({ latencyMs: 10_000 }).doGenerate({ method: 'completion', prompt: 'x' }, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });

  test('an answer at once makes no on-demand signal; an already aborted call is refused', async () => {
    const model = createSimulated();
    const options = new OnDemandSignal();
    const signalRead = vi.spyOn(options, 'signal', 'get');
    expect((await model.doGenerate({ method: 'completion', prompt: 'x' }, options)).texts).toHaveLength(1);
    expect(signalRead).not.toHaveBeenCalled();
    const aborted = new OnDemandSignal();
    aborted.abort();
    await expect(model.doGenerate({ method: 'completion', prompt: 'x' }, aborted)).rejects.toThrow(/abort/i);
    const controller = new AbortController();
    controller.abort(new Error('stopped before'));
    await expect(model.doGenerate({ method: 'completion', prompt: 'x' }, { signal: controller.signal })).rejects.toThrow('stopped before');
  });
});

describe('simulated engine: tools, JSON mode, logprobs', () => {
  const lookup = {
    type: 'function',
    function: { name: 'lookup', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } } } },
  } as const;
  const ask = [{ role: 'user', content: 'Where?' }] as const;

  test('a forced tool call (required, or a named tool) gets a call whose arguments match the parameters; auto gets text', async () => {
    const model = createSimulated();
    const required = await model.doGenerate({ method: 'chat', messages: ask, tools: [lookup], toolChoice: 'required' }, { signal: signal() });
    expect(required.texts).toEqual(['']);
    expect(required.toolCalls).toEqual([[{ id: expect.stringMatching(/^call_/), name: 'lookup', arguments: { city: expect.stringContaining(simulatedLabel), days: 1 } }]]);
    const named = await model.doGenerate({ method: 'chat', messages: ask, tools: [lookup], toolChoice: { type: 'function', function: { name: 'lookup' } } }, { signal: signal() });
    expect(named.toolCalls?.[0]?.[0]?.name).toBe('lookup');
    const auto = await model.doGenerate({ method: 'chat', messages: ask, tools: [lookup] }, { signal: signal() });
    expect(auto.toolCalls).toBeUndefined();
    expect(auto.texts[0]).toContain(simulatedLabel);
  });

  test('JSON mode answers an object; logprobs give each word a log probability of 0; the continuation is part of the input', async () => {
    const model = createSimulated();
    const json = await model.doGenerate({ method: 'completion', prompt: 'Data', jsonMode: true, logprobs: true }, { signal: signal() });
    expect(JSON.parse(json.texts[0]!)).toEqual({ answer: expect.stringContaining(simulatedLabel) });
    expect(json.logprobs?.[0]?.map((entry) => entry.token).join('')).toBe(json.texts[0]);
    expect(json.logprobs?.[0]?.every((entry) => entry.logprob === 0)).toBe(true);
    const plain = await model.doGenerate({ method: 'completion', prompt: 'Data' }, { signal: signal() });
    const continued = await model.doGenerate({ method: 'completion', prompt: 'Data', continuation: ' more' }, { signal: signal() });
    expect(continued.texts).not.toEqual(plain.texts);
    expect(plain.logprobs).toBeUndefined();
  });
});
