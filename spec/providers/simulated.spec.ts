import { describe, expect, test } from 'vitest';
import { parseQuestionAnswer } from '../../builders/geography-qa/index.ts';
import { createSimulated, simulatedLabel } from '../../lib/providers/simulated/simulated-model.ts';

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
    expect(first.usage.promptTokens).toBeGreaterThan(0);
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
});
