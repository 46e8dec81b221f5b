import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { geographyQa, parseQuestionAnswer } from '../../builders/geography-qa/index.ts';
import { findBuilder, resolveBlocks } from '../../lib/builder-registry.ts';
import { loadBuilderSpec } from '../../lib/config/builder-spec.ts';
import { createEngine } from '../../lib/model/engine.ts';
import { accepted } from '../../lib/outcome.ts';
import type { DataPoint } from '../../lib/record.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import { seededRandom } from '../../lib/random.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';

const example = (index: number): DataPoint => ({ task_name: 'geo', is_seed: true, question: `Seed question ${index}?`, answer: `Seed answer ${index}.` });
const input = (attempt: number): ReturnType<typeof accepted<GenerationInput>> =>
  accepted(String(attempt), { task_name: 'geo', is_seed: false, examples: [example(0), example(1), example(2), example(3)], seed: attempt });

describe('parseQuestionAnswer', () => {
  test('reads the pair, with or without a leading "Question:"', () => {
    expect(parseQuestionAnswer('Question: What is the capital of Peru?\nAnswer: Lima.\n')).toEqual({ question: 'What is the capital of Peru?', answer: 'Lima.' });
    expect(parseQuestionAnswer(' Which sea is saltiest?  Answer: The Dead Sea. ')).toEqual({ question: 'Which sea is saltiest?', answer: 'The Dead Sea.' });
  });

  test('the question follows the last "Question:" before the answer', () => {
    expect(parseQuestionAnswer('Question: draft Question: Longest river?\nAnswer: The Nile. Question: none')).toEqual({ question: 'Longest river?', answer: 'The Nile. Question: none' });
    expect(parseQuestionAnswer('Question:Question: Q Answer: x Question:')).toEqual({ question: 'Q', answer: 'x Question:' });
    expect(parseQuestionAnswer('Quest Question:ion: Q Answer: A')).toEqual({ question: 'ion: Q', answer: 'A' });
  });

  test('rejects answers without exactly one "Answer:" or with an empty part', () => {
    expect(() => parseQuestionAnswer('I cannot help with that.')).toThrow(/expected one "Answer:".*found 0/);
    expect(() => parseQuestionAnswer('Question: A? Answer: B. Answer: C.')).toThrow(/found 2/);
    expect(() => parseQuestionAnswer('Question: Answer: Lima.')).toThrow(/question is empty/);
    expect(() => parseQuestionAnswer('Question: Where? Answer:   ')).toThrow(/answer is empty/);
  });
});

describe('geographyQa', () => {
  test('prompts with three examples from the batch and parses the answer into a record', async () => {
    const model = new FakeLanguageModel({ answers: (_request, index) => `Question: New question ${index}?\nAnswer: New answer ${index}.` });
    const outcomes = await lastValueFrom(of(input(0), input(1)).pipe(geographyQa({ generator: createEngine(model) }), toArray()));
    expect(outcomes.map((outcome) => outcome.record)).toEqual([
      { task_name: 'geo', is_seed: false, question: 'New question 0?', answer: 'New answer 0.' },
      { task_name: 'geo', is_seed: false, question: 'New question 1?', answer: 'New answer 1.' },
    ]);
    const request = model.calls[0]!;
    expect(request.method).toBe('chat');
    const prompt = request.method === 'chat' ? request.messages[0]!.content : '';
    // The input's seed decides the three picks: the same seed, the same examples, in the same order.
    const random = seededRandom(0);
    const picked = [0, 1, 2].map(() => Math.floor(random() * 4));
    const shown = [...prompt.matchAll(/Question: Seed question (\d)\?/g)].map((match) => Number(match[1]));
    expect(shown).toEqual(picked);
  });

  test('rejects a repeated question (Rouge-L 1.0) and an unparseable answer, with their reasons', async () => {
    const answers = ['Question: Same?\nAnswer: One.', 'Question: same ?\nAnswer: Two.', 'no pair here'];
    const engine = createEngine(new FakeLanguageModel({ answers }), { cacheSize: 0 });
    const outcomes = await lastValueFrom(of(input(0), input(1), input(2)).pipe(geographyQa({ generator: engine }), toArray()));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected', 'rejected']);
    expect(outcomes[1]).toMatchObject({ issues: [{ code: 'duplicate', block: 'dedup' }] });
    expect(outcomes[2]).toMatchObject({ issues: [{ code: 'parse_failed', block: 'generator' }] });
  });

  test('a dedup threshold above 1 keeps repeats', async () => {
    const engine = createEngine(new FakeLanguageModel({ answers: 'Question: Same?\nAnswer: One.' }), { cacheSize: 0 });
    const outcomes = await lastValueFrom(of(input(0), input(1)).pipe(geographyQa({ generator: engine, dedupThreshold: 1.1 }), toArray()));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'accepted']);
  });

  test('its builder YAML matches DGT: ollama granite4:3b generator, Rouge-L dedup 1.0 as a postprocessor', async () => {
    const definition = findBuilder('public/examples/geography_qa', undefined);
    const spec = await loadBuilderSpec(definition.yamlPath);
    expect(spec.blocks.map((block) => [block.name, block.type])).toEqual([
      ['generator', 'ollama'],
      ['dedup', 'rouge_scorer'],
    ]);
    expect(spec.postprocessors).toEqual([{ name: 'dedup' }]);
    const blocks = resolveBlocks(spec, (_name, index) => ({ file: definition.yamlPath, field: `blocks.${index}` }));
    const generator = blocks.engine('generator');
    expect([generator.model.provider, generator.model.modelId, generator.callLimit]).toEqual(['ollama', 'granite4:3b', 10]);
    expect(generator.params).toEqual({ temperature: 0, maxTokens: 128, providerOptions: { options: { num_ctx: 4096 } } });
    expect(() => blocks.engine('dedup')).toThrow(/block `dedup` must be a language model/);
  });
});
