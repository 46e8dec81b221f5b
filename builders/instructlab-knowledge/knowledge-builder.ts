import { type MonoTypeOperatorFunction, mergeMap, pipe } from 'rxjs';
import { z } from 'zod';
import { Engine } from '../../lib/model/engine.ts';
import { fanOut, mapAccepted, passOn, rejected } from '../../lib/outcome.ts';
import { parseConfig } from '../../lib/parse-config.ts';
import { seededRandom } from '../../lib/random.ts';
import type { Accepted, DataPoint, Outcome } from '../../lib/record.ts';
import { type Builder, inputsExhausted, withConcurrency } from '../../lib/run/task-options.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import { sequenceOfId } from '../../lib/store/ledger.ts';
import type { PromptTemplate } from '../../lib/template.ts';
import { generate } from '../../operators/generate.ts';
import type { KnowledgeChunk } from './chunk-documents.ts';
import { parseQuestionAnswers } from './parse-question-answers.ts';
import { readCriterion } from './read-criterion.ts';
import { type KnowledgeCriterion, knowledgeCriteria } from './task-fields.ts';
import { shuffled } from '../../lib/tools/samplers/draws.ts';

/** A record of `instructlab/knowledge`, in DGT's `KnowledgeData` fields. */
export type KnowledgeRecord = DataPoint & {
  readonly task_description: string;
  readonly domain: string;
  readonly question: string;
  readonly answer: string;
  readonly context: KnowledgeChunk;
  readonly tags: unknown;
};

/** Config of {@link instructlabKnowledge}. */
export interface InstructlabKnowledgeConfig {
  /** The LM block that writes pairs. */
  readonly generator: Engine;
  /** The LM that judges each pair once per criterion. */
  readonly validator: Engine;
  /** The document chunks; input `n` uses chunk `n` modulo their number. */
  readonly chunks: readonly KnowledgeChunk[];
  /** The generation prompt of the question style, and one prompt per criterion judged. */
  readonly templates: { readonly generation: PromptTemplate; readonly criteria: ReadonlyMap<KnowledgeCriterion, PromptTemplate> };
  /** The task's description, stamped on every record. */
  readonly taskDescription: string;
  /** The documents' domain, for examples that carry none. */
  readonly domain: string;
  /** @default 'FRQ' */
  readonly questionStyle?: 'FRQ' | 'MCQ';
  /** Seed pairs shown per free-response prompt. @default 3 */
  readonly examplesPerPrompt?: number;
  /** The criteria each pair must pass, in order. @default all three */
  readonly criteria?: readonly KnowledgeCriterion[];
  /** Whether the chunks are used again after one pass. @default false */
  readonly loopOver?: boolean;
  /** Whether a failed criterion rejects the pair (the validator's `filter`). @default true */
  readonly filter?: boolean;
  /** Blocks run after judging (the tagger, the postprocessors). @default [] */
  readonly then?: readonly MonoTypeOperatorFunction<Outcome<DataPoint>>[];
}

const templateSchema = z.custom<PromptTemplate>((value) => typeof (value as PromptTemplate | undefined)?.render === 'function', 'expected a prompt template');
const configSchema = z.object({
  generator: z.custom<Engine>((value) => value instanceof Engine, 'expected an Engine'),
  validator: z.custom<Engine>((value) => value instanceof Engine, 'expected an Engine'),
  chunks: z.array(z.object({ content: z.string(), domain: z.string(), document_len: z.number().optional() })).min(1),
  templates: z.object({ generation: templateSchema, criteria: z.custom<ReadonlyMap<KnowledgeCriterion, PromptTemplate>>((value) => value instanceof Map) }),
  taskDescription: z.string(),
  domain: z.string(),
  questionStyle: z.enum(['FRQ', 'MCQ']).default('FRQ'),
  examplesPerPrompt: z.int().min(1).default(3),
  criteria: z.array(z.enum(knowledgeCriteria)).default([...knowledgeCriteria]),
  loopOver: z.boolean().default(false),
  filter: z.boolean().default(true),
  then: z.array(z.custom<MonoTypeOperatorFunction<Outcome<DataPoint>>>((value) => typeof value === 'function')).default([]),
});

/** One generator request: the chunk, the examples shown and the prompt. */
interface Plan {
  readonly input: GenerationInput;
  readonly chunk: KnowledgeChunk;
  readonly reference: DataPoint | undefined;
  readonly prompt: string;
}

/** The seed pairs of a free-response prompt, as DGT shows them. */
const examplePairs = (examples: readonly DataPoint[]): string =>
  examples.map((example) => `[Question]\n${String(example['question'])}\n[Answer]\n${String(example['answer'])}\n[End]`).join('\n\n');

/** A chunk as a criterion template sees it: `{{ context }}` prints its text, `{{ context.content }}` works too. */
const contextView = (chunk: KnowledgeChunk) => ({ ...chunk, toString: () => chunk.content });

/**
 * DGT's `instructlab/knowledge`: question-answer pairs grounded in the task's documents. Each input takes the next
 * document chunk (input `n` uses chunk `n mod chunks`; each chunk gets as many prompts as DGT's one pass gives it: one
 * per `examplesPerPrompt` examples of the batch for FRQ, one for MCQ; then the chunks start over only with
 * `loopOver`). The generator writes several `[Question] … [Answer] … [End]` pairs, each becoming a record; each pair
 * is then judged once per criterion, in order, and the `then` blocks (the tagger, dedup, filter) run last.
 * Rejections: `inputs_exhausted` (every chunk used, `loopOver` off: the task then completes), `parse_failed` (no pair in the answer),
 * `judge_rejected` / `judge_unparseable` (a criterion failed or its answer had no verdict line), `lm_call_failed`.
 *
 * ## Example
 * ```ts
 * import { compileTemplate, createEngine, createTask } from 'rxdgt';
 * import { FakeLanguageModel } from 'rxdgt/testing';
 * const engine = createEngine(new FakeLanguageModel({ answers: (request) =>
 *   JSON.stringify(request).includes('Document') ? 'What orbits Earth?\n[Answer]\nThe Moon.\n[End]' : 'Answer: yes' }));
 * const builder = instructlabKnowledge({ generator: engine, validator: engine, taskDescription: 'moons', domain: 'astronomy',
 *   chunks: [{ content: 'The Moon orbits Earth.', domain: 'astronomy' }], criteria: ['faithfulness'], loopOver: true,
 *   templates: { generation: compileTemplate('Document: {{ document }}\n{{ icl_qa_pairs }}\n[Question]'),
 *     criteria: new Map([['faithfulness', compileTemplate('{{ context }} {{ question }} {{ answer }}')]]) } });
 * createTask({ kind: 'generation', name: 'moons', seeds: [{ question: 'What is a moon?', answer: 'A satellite.' }],
 *   builder, numOutputsToGenerate: 1 }).run().subscribe((record) => console.log(record.question)); // What orbits Earth?
 * ```
 * @throws {ConfigError} for a bad config, at the call
 */
export function instructlabKnowledge(config: InstructlabKnowledgeConfig): Builder<GenerationInput> {
  const options = parseConfig('instructlabKnowledge', configSchema, config);
  const { generator, validator, chunks, templates, questionStyle, examplesPerPrompt, filter } = options;

  /** The chunk and examples of input `outcome`, or a rejection once every chunk was used. */
  const plan = (outcome: Accepted<GenerationInput>): Outcome<Plan> => {
    const input = outcome.record;
    const sequence = sequenceOfId(outcome.id);
    const slot = sequence >= 0 ? sequence : input.seed;
    const perChunk = questionStyle === 'MCQ' ? 1 : Math.max(1, Math.ceil(input.examples.length / examplesPerPrompt));
    if (!options.loopOver && slot >= chunks.length * perChunk) {
      const message = `every one of the ${chunks.length} document chunks has had its ${perChunk} prompt(s); set \`loop_over: true\` to use them again`;
      return rejected(outcome, [{ code: inputsExhausted, message, block: 'generator' }]);
    }
    const chunk = chunks[slot % chunks.length] as KnowledgeChunk;
    // The batch in an order drawn from the input's seed.
    const examples = shuffled(seededRandom(input.seed), input.examples);
    const shown = examples.slice(0, examplesPerPrompt);
    const prompt =
      questionStyle === 'MCQ'
        ? templates.generation.render({ document: chunk.content })
        : templates.generation.render({ domain: chunk.domain, document: chunk.content, icl_qa_pairs: examplePairs(shown) });
    return passOn(outcome, { input, chunk, reference: examples[0], prompt });
  };

  /** The record of one pair. */
  const recordOf = ({ input, chunk, reference }: Plan, pair: { question: string; answer: string }): KnowledgeRecord => ({
    task_name: input.task_name,
    is_seed: false,
    task_description: options.taskDescription,
    domain: typeof reference?.['domain'] === 'string' ? reference['domain'] : options.domain,
    question: pair.question,
    answer: pair.answer,
    context: chunk,
    tags: null,
  });

  /** One criterion's judgement of every pair: a call, then the verdict read as DGT scores it. */
  const judgeBy = (criterion: KnowledgeCriterion): MonoTypeOperatorFunction<Outcome<DataPoint>> => {
    const template = templates.criteria.get(criterion) as PromptTemplate;
    return pipe(
      generate<DataPoint, { record: DataPoint; text: string }>({
        engine: validator,
        name: 'validator',
        params: { stop: ['</s>'] },
        prompt: (record) => template.render({ question: record['question'], answer: record['answer'], context: contextView(record['context'] as KnowledgeChunk) }),
        parse: (text, record) => ({ record, text }),
      }),
      mapAccepted((outcome): Outcome<DataPoint> => {
        const { record, text } = outcome.record;
        const judged = passOn(outcome, record);
        const reading = readCriterion(criterion, text);
        if (reading.valid || !filter) return judged;
        return rejected(judged, [{ code: reading.code, message: reading.reason, block: 'validator' }]);
      }),
    );
  };

  const builder = pipe(
    mapAccepted(plan),
    generate<Plan, { plan: Plan; pairs: ReturnType<typeof parseQuestionAnswers> }>({
      engine: generator,
      name: 'generator',
      params: { stop: ['</s>'] },
      prompt: (planned) => planned.prompt,
      parse: (text, planned) => ({ plan: planned, pairs: parseQuestionAnswers(text) }),
    }),
    mergeMap((outcome): Outcome<DataPoint>[] =>
      outcome.status === 'accepted' ? fanOut(outcome, outcome.record.pairs.map((pair) => recordOf(outcome.record.plan, pair)), 'generator') : [outcome],
    ),
    ...(options.criteria.map(judgeBy) as [MonoTypeOperatorFunction<Outcome<DataPoint>>]),
    ...(options.then as [MonoTypeOperatorFunction<Outcome<DataPoint>>]),
  ) as Builder<GenerationInput>;
  return withConcurrency(builder, generator.callLimit);
}
