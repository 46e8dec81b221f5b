import { type MonoTypeOperatorFunction, type OperatorFunction, mergeMap, of, pipe } from 'rxjs';
import { z } from 'zod';
import { errorMessage } from '../../lib/error-message.ts';
import { Engine } from '../../lib/model/engine.ts';
import { fanOut, rejected } from '../../lib/outcome.ts';
import { parseConfig } from '../../lib/parse-config.ts';
import { seededRandom } from '../../lib/random.ts';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import { type Builder, withConcurrency } from '../../lib/run/task-options.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import type { PromptTemplate } from '../../lib/template.ts';
import { generate } from '../../operators/generate.ts';
import { encodePrompt } from './encode-prompt.ts';
import { type DiscardedTask, type ParsedTask, parseTasks } from './parse-tasks.ts';
import { type SimpleRecord, toSimpleExample } from './simple-example.ts';

/** Config of {@link instructlabSimple}. */
export interface InstructlabSimpleConfig {
  /** The LM block that writes new tasks (DGT's `generator`). */
  readonly generator: Engine;
  /** The prompt template (Jinja: `taxonomy`, `task_description`, `document`); see `simplePromptTemplate`. */
  readonly template: PromptTemplate;
  /** The task's `task_description`, given to every example. */
  readonly taskDescription: string;
  /** Examples per prompt (DGT's `--num-prompt-instructions`). @default 2 */
  readonly numPromptInstructions?: number;
  /** Checks each new record (DGT's `validator` block, a `noop` by default). @default none */
  readonly validator?: MonoTypeOperatorFunction<Outcome<DataPoint>>;
  /** Run on each record after the validator (DGT's `postprocessors`: the `rouge_val` dedupe). @default [] */
  readonly postprocessors?: readonly MonoTypeOperatorFunction<Outcome<DataPoint>>[];
}

const operatorSchema = z.custom<MonoTypeOperatorFunction<Outcome<DataPoint>>>((value) => typeof value === 'function', 'expected an operator');
const configSchema = z.object({
  generator: z.custom<Engine>((value) => value instanceof Engine, 'expected an Engine (createEngine)'),
  template: z.custom<PromptTemplate>((value) => typeof (value as PromptTemplate | undefined)?.render === 'function', 'expected a prompt template (compileTemplate)'),
  taskDescription: z.string(),
  numPromptInstructions: z.number().int().min(1).default(2),
  validator: operatorSchema.optional(),
  postprocessors: z.array(operatorSchema).default([]),
});

/** One prompt: the examples it shows and its text. */
interface Chunk {
  readonly examples: readonly SimpleRecord[];
  readonly prompt: string;
}

/** The examples of an input, shuffled with its seed, cut into prompts of `size` examples (the last may be shorter). */
function chunksOf(input: GenerationInput, size: number, template: PromptTemplate, taskDescription: string): Chunk[] {
  const random = seededRandom(input.seed);
  const examples = input.examples.map((example) => toSimpleExample(example, taskDescription));
  for (let index = examples.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [examples[index], examples[other]] = [examples[other] as SimpleRecord, examples[index] as SimpleRecord];
  }
  const chunks: Chunk[] = [];
  for (let start = 0; start < examples.length; start += size) {
    const shown = examples.slice(start, start + size);
    chunks.push({ examples: shown, prompt: encodePrompt(shown, template, random) });
  }
  return chunks;
}

/** A new record from a parsed task, with the fields of the example it stands beside (DGT copies that example). */
const recordOf = (task: ParsedTask, example: SimpleRecord): SimpleRecord => ({ ...example, is_seed: false, ...task });

/** The records of one answer: a kept task per example, then rejections for tasks set aside and tasks beyond the examples. */
function recordsOf(outcome: Outcome<{ chunk: Chunk; tasks: ParsedTask[]; discarded: DiscardedTask[] }>): Outcome<DataPoint>[] {
  if (outcome.status !== 'accepted') return [outcome];
  const { chunk, tasks, discarded } = outcome.record;
  const base = chunk.examples[0] as SimpleRecord;
  const shown = chunk.examples.length;
  const kept = tasks.slice(0, shown).map((task, index) => ({ record: recordOf(task, chunk.examples[index] as SimpleRecord) as DataPoint }));
  const surplus = tasks.slice(shown).map((task) => ({
    record: { task_name: base.task_name, is_seed: false, ...task } as DataPoint,
    issue: { code: 'surplus_task', message: `the answer went on past the prompt's ${shown} example tasks: only the first ${shown} new tasks are kept (as DGT does)` },
  }));
  const setAside = discarded.map(({ code, reason, text }) => ({ record: { task_name: base.task_name, is_seed: false, task_text: text } as DataPoint, issue: { code, message: reason } }));
  const items: { record: DataPoint; issue?: { code: string; message: string } }[] = [...kept, ...setAside, ...surplus];
  if (items.length === 0) return [rejected(outcome, [{ code: 'no_tasks', message: 'the answer holds no task (no text after the prompt\'s last "* Task" heading)', block: 'generator' }])];
  return fanOut(outcome, items.map((item) => item.record), 'generator').map((each, index) => {
    const issue = items[index]?.issue;
    return issue ? rejected(each, [{ ...issue, block: 'generator' }]) : each;
  });
}

/**
 * DGT's `public/instructlab/simple` (InstructLab's self-instruct generator): the input's examples are shuffled and
 * shown `numPromptInstructions` at a time in `* Task <n>` / `** Instruction` / `** Input` / `** Output` layout after
 * the template; the model continues with new tasks (stopped at `* Task <examples + 2>`). Each new task that passes
 * DGT's checks becomes a record with the fields of the example beside it (`taxonomy_path`, `task_description`,
 * `document`); a task set aside is a rejected record with the reason (`format_mismatch`, `instruction_length`,
 * `denylisted_word`, `write_a_program`, `leading_punctuation`, `leading_non_ascii`, `surplus_task`; `no_tasks` for
 * an empty answer). Then the validator and the postprocessors (DGT's Rouge-L dedupe of the instruction).
 *
 * ## Example
 * ```ts
 * import { compileTemplate, createEngine } from 'rxdgt';
 * import { FakeLanguageModel } from 'rxdgt/testing';
 * const generator = createEngine(new FakeLanguageModel({ answers: '** Instruction\nWho arrived last at the party?\n** Input\n<noinput>\n** Output\nJohn.' }));
 * const builder = instructlabSimple({ generator, template: compileTemplate('Tasks for {{ taxonomy }}:'), taskDescription: 'Order of events.' });
 * // records: { task_name, is_seed: false, taxonomy_path, task_description, instruction: 'Who arrived last at the party?', input: '', output: 'John.', document: null }
 * ```
 * @throws {ConfigError} for a bad config, at the call
 */
export function instructlabSimple(config: InstructlabSimpleConfig): Builder<GenerationInput> {
  const { generator, template, taskDescription, numPromptInstructions, validator, postprocessors } = parseConfig('instructlabSimple', configSchema, config);
  // One generate operator per prompt size: DGT stops each answer at the heading after the one it asked for.
  const generators = new Map<number, OperatorFunction<Outcome<Chunk>, Outcome<{ chunk: Chunk; tasks: ParsedTask[]; discarded: DiscardedTask[] }>>>();
  const generatorFor = (size: number) => {
    const known = generators.get(size);
    if (known) return known;
    const made = generate<Chunk, { chunk: Chunk; tasks: ParsedTask[]; discarded: DiscardedTask[] }>({
      engine: generator,
      name: 'generator',
      prompt: (chunk) => chunk.prompt,
      params: { stop: [`* Task ${size + 2}`] },
      parse: (text, chunk) => ({ chunk, ...parseTasks(size, text) }),
    });
    generators.set(size, made);
    return made;
  };

  const made = pipe(
    mergeMap((outcome: Outcome<GenerationInput>): Outcome<Chunk>[] => {
      if (outcome.status !== 'accepted') return [outcome];
      try {
        return fanOut(outcome, chunksOf(outcome.record, numPromptInstructions, template, taskDescription), 'generator');
      } catch (error) {
        return [rejected(outcome, [{ code: 'prompt_failed', message: errorMessage(error), block: 'generator' }])];
      }
    }),
    mergeMap((outcome) => (outcome.status === 'accepted' ? of(outcome).pipe(generatorFor(outcome.record.examples.length)) : of(outcome))),
    mergeMap(recordsOf),
  );
  const checks = [...(validator ? [validator] : []), ...postprocessors];
  const builder: OperatorFunction<Outcome<GenerationInput>, Outcome<DataPoint>> = (source) => checks.reduce((stream, check) => stream.pipe(check), source.pipe(made));
  return withConcurrency(builder, generator.callLimit);
}
