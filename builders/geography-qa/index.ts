import { pipe } from 'rxjs';
import { z } from 'zod';
import { packagePath } from '../../lib/package-path.ts';
import { Engine } from '../../lib/model/engine.ts';
import { parseConfig } from '../../lib/parse-config.ts';
import { seededRandom } from '../../lib/random.ts';
import type { DataPoint } from '../../lib/record.ts';
import { type Builder, withConcurrency } from '../../lib/run/task-options.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import { loadTemplate } from '../../lib/template.ts';
import { dedupe } from '../../operators/dedupe.ts';
import { generate } from '../../operators/generate.ts';

/** A geography question-answer record. */
export type GeographyQaRecord = DataPoint & { readonly question: string; readonly answer: string };

/** Config of {@link geographyQa}. */
export interface GeographyQaConfig {
  /** The LM block that writes pairs. */
  readonly generator: Engine;
  /** Record field the dedupe compares (DGT's dedup block `input_map`). @default 'question' */
  readonly dedupKey?: string;
  /** Rouge-L threshold of the question dedupe (DGT's `threshold`; 1.0 removes exact duplicates, 1.1 is off). @default 1.0 */
  readonly dedupThreshold?: number;
  /** In-context examples per prompt, drawn with replacement from the batch (with the input's `seed`, so a seeded run repeats them). @default 3 */
  readonly examplesPerPrompt?: number;
  /** The Jinja prompt (`{{ examples }}` is the encoded pairs), e.g. DGT's own `prompt_templates/prompt.txt`. @default the one shipped here */
  readonly promptPath?: string;
}

const configSchema = z.object({
  generator: z.custom<Engine>((value) => value instanceof Engine, 'expected an Engine (createEngine)'),
  dedupKey: z.string().min(1).default('question'),
  dedupThreshold: z.number().min(0).default(1.0),
  examplesPerPrompt: z.number().int().min(1).default(3),
  promptPath: z.string().min(1).default(packagePath('builders', 'geography-qa', 'prompt_templates', 'prompt.txt')),
});

const questionTag = 'Question:';
const answerTag = 'Answer:';

/** A field as prompt text: a string as it is (no call to `String`, which V8 makes for every value), else `String(value)`. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * Reads `Question: ... Answer: ...` from a model's answer; throws (the record is rejected) when the answer
 * does not have exactly one `Answer:` or either part is empty.
 */
export function parseQuestionAnswer(text: string): { question: string; answer: string } {
  const at = text.indexOf(answerTag);
  if (at === -1 || text.includes(answerTag, at + answerTag.length)) throw new Error(`expected one "Answer:" in the answer, found ${text.split(answerTag).length - 1}`);
  // The question is what follows the last `Question:` before the answer (all of it when there is none).
  const asked = text.lastIndexOf(questionTag, at - questionTag.length);
  const question = text.slice(asked === -1 ? 0 : asked + questionTag.length, at).trim();
  const answer = text.slice(at + answerTag.length).trim();
  if (!question) throw new Error('the question is empty');
  if (!answer) throw new Error('the answer is empty');
  return { question, answer };
}

/**
 * DGT's `public/examples/geography_qa`: three in-context examples drawn from the batch, a Jinja prompt,
 * the answer parsed as `Question:` / `Answer:`, then a Rouge-L dedupe of the question.
 *
 * ## Example
 * ```ts
 * import { createEngine, createTask, geographyQa } from 'rxdgt';
 * import { FakeLanguageModel } from 'rxdgt/testing';
 * const generator = createEngine(new FakeLanguageModel({ answers: (_, i) => `Question: Where is X${i}?\nAnswer: Y${i}.` }));
 * createTask({ kind: 'generation', name: 'geo', seeds: [{ question: 'Capital of France?', answer: 'Paris.' }],
 *   builder: geographyQa({ generator }), numOutputsToGenerate: 2 }).run().subscribe((r) => console.log(r.question));
 * // Where is X0?  Where is X1?
 * ```
 */
export function geographyQa(config: GeographyQaConfig): Builder<GenerationInput> {
  const { generator, dedupKey, dedupThreshold, examplesPerPrompt, promptPath } = parseConfig('geographyQa', configSchema, config);
  const template = loadTemplate(promptPath);
  // The examples drawn with the input's seed, encoded as `Question: ...\nAnswer: ...` pairs, a blank line between.
  const encodeExamples = ({ examples, seed }: GenerationInput): string => {
    const random = seededRandom(seed);
    let encoded = '';
    for (let index = 0; index < examplesPerPrompt; index += 1) {
      const example = examples[Math.floor(random() * examples.length)]!;
      encoded += `${index === 0 ? '' : '\n\n'}Question: ${textOf(example['question'])}\nAnswer: ${textOf(example['answer'])}`;
    }
    return encoded;
  };

  const builder = pipe(
    generate<GenerationInput, GeographyQaRecord>({
      engine: generator,
      prompt: (input) => template.render({ examples: encodeExamples(input) }),
      parse: (text, input) => {
        const { question, answer } = parseQuestionAnswer(text);
        return { task_name: input.task_name, is_seed: false, question, answer };
      },
    }),
    dedupe<GeographyQaRecord>({ name: 'dedup', key: dedupKey, threshold: dedupThreshold }),
  );
  return withConcurrency(builder, generator.callLimit);
}
