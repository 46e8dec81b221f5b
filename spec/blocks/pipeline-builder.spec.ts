import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { BlockContext, BlockDefinition } from '../../lib/blocks/block-definition.ts';
import { blockOperator } from '../../lib/blocks/block-operator.ts';
import { inputContextOf, withInputContext, withoutInputContext } from '../../lib/blocks/input-context.ts';
import { generationPipeline, transformationPipeline } from '../../lib/blocks/pipeline-builder.ts';
import { accepted } from '../../lib/outcome.ts';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';

const context: BlockContext = {
  file: '/b/builder.yaml',
  field: 'blocks.0',
  directory: '/b',
  builderKind: 'generation',
  engine: () => {
    throw new Error('no engine');
  },
  embedder: () => {
    throw new Error('no embedder');
  },
};

const record = (fields: Record<string, unknown>): DataPoint => ({ task_name: 't', is_seed: false, ...fields });

/** Writes `question` from the examples and seed its call sees. */
const writer: BlockDefinition = {
  type: 'test/writer',
  summary: 'writes a question from the examples',
  fields: {},
  create: () => ({
    kind: 'transform',
    run: (_input, call) => ({ question: `${(call.examples ?? []).map((example) => String(example['question'])).join('+')}#${String(call.seed)}` }),
  }),
};

/** Valid when `input` does not hold `bad`. */
const checker: BlockDefinition = {
  type: 'test/checker',
  summary: 'refuses bad questions',
  fields: {},
  inputs: { required: ['input'] },
  validator: true,
  create: () => ({ kind: 'validator', check: (input) => (String(input['input']).includes('bad') ? { valid: false, reason: 'the question is bad' } : { valid: true }) }),
};

const generationInput = (id: string, questions: readonly string[], seed: number) =>
  accepted<GenerationInput>(id, { task_name: 't', is_seed: false, examples: questions.map((question) => record({ question, is_seed: true })), seed });

describe('generationPipeline', () => {
  it("starts each input's record with task_name and is_seed, gives its blocks the examples and seed, and drops them at the end", async () => {
    const builder = generationPipeline({
      operators: [
        blockOperator(writer, { name: 'writer', type: writer.type }, context),
        blockOperator(checker, { name: 'checker', type: checker.type, filter: true, input_map: { question: 'input' } }, context),
      ],
      concurrency: 3,
    });
    expect(builder.concurrency).toBe(3);
    const outcomes = await lastValueFrom(of(generationInput('0-a', ['good'], 1), generationInput('1-b', ['bad'], 2)).pipe(builder, toArray()));
    expect(outcomes.map((outcome) => [outcome.status, outcome.record])).toEqual([
      ['accepted', record({ question: 'good#1' })],
      ['rejected', record({ question: 'bad#2', is_valid: false })],
    ]);
    for (const outcome of outcomes) {
      expect(Object.getOwnPropertySymbols(outcome.record as object)).toEqual([]);
      expect(inputContextOf(outcome.record as DataPoint)).toBeUndefined();
      expect(JSON.stringify(outcome.record)).not.toContain('is_seed":true');
    }
  });

  it('passes restored records through to the blocks that rebuild state, untouched by the others', async () => {
    const restored: Outcome<DataPoint> = { status: 'restored', id: '0-r', record: record({ question: 'old' }) };
    const builder = generationPipeline({ operators: [blockOperator(writer, { name: 'writer', type: writer.type }, context)], concurrency: 1 });
    const outcomes = await lastValueFrom(of(restored as unknown as Outcome<GenerationInput>).pipe(builder, toArray()));
    expect(outcomes).toEqual([restored]);
  });
});

describe('transformationPipeline', () => {
  it('sends each record through the blocks in order', async () => {
    const builder = transformationPipeline({
      operators: [blockOperator(checker, { name: 'checker', type: checker.type, filter: true, input_map: { text: 'input' } }, context)],
      concurrency: 2,
    });
    expect(builder.concurrency).toBe(2);
    const outcomes = await lastValueFrom(of(accepted('0-a', record({ text: 'fine' })), accepted('1-a', record({ text: 'bad one' }))).pipe(builder, toArray()));
    expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.issues[0]?.message : outcome.status))).toEqual(['accepted', 'the question is bad']);
  });
});

describe('input context', () => {
  it('rides on a symbol key: copies keep it, JSON never shows it, and withoutInputContext removes it', () => {
    const examples = [record({ question: 'q' })];
    const carrying = withInputContext(record({ a: 1 }), { examples, seed: 9 });
    expect(inputContextOf({ ...carrying })).toEqual({ examples, seed: 9 });
    expect(JSON.parse(JSON.stringify(carrying))).toEqual(record({ a: 1 }));
    expect(Object.keys(carrying)).toEqual(['task_name', 'is_seed', 'a']);
    const plain = withoutInputContext(carrying);
    expect(inputContextOf(plain)).toBeUndefined();
    expect(plain).toEqual(record({ a: 1 }));
    const untouched = record({ b: 2 });
    expect(withoutInputContext(untouched)).toBe(untouched);
  });
});
