import { type MonoTypeOperatorFunction, type Observable, type OperatorFunction, mergeMap, of, pipe } from 'rxjs';
import { z } from 'zod';
import { errorMessage } from '../../lib/error-message.ts';
import { Engine } from '../../lib/model/engine.ts';
import { fanOut, mapAccepted, passOn, rejected } from '../../lib/outcome.ts';
import { parseConfig } from '../../lib/parse-config.ts';
import { hash32, seededRandom } from '../../lib/random.ts';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import { type Builder, withConcurrency } from '../../lib/run/task-options.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import type { PromptTemplate } from '../../lib/template.ts';
import { generate } from '../../operators/generate.ts';
import type { SkillTemplateName } from './skill-templates.ts';
import { extractContext, readRating, splitQuestions } from './skills-text.ts';
import { shuffled } from '../../lib/tools/samplers/draws.ts';

/** DGT's `SkillsData`: a question (`instruction`), its `response`, and for grounded skills the `context`. */
export type SkillsRecord = DataPoint & {
  readonly task_description: string;
  readonly instruction: string;
  readonly response: string;
  readonly context?: string;
};

/** An example as the builder reads it (DGT's `SkillsTask`): `question`/`instruction`, `answer`/`response`, `context`. */
interface Example {
  readonly instruction: string;
  readonly response: string;
  readonly context: string | undefined;
}

/** A record on its way: what it holds so far, the examples its prompts draw from, and a seed for those draws. */
interface Draft {
  readonly task_name: string;
  readonly task_description: string;
  readonly instruction: string;
  readonly response: string;
  readonly context: string | undefined;
  /** The examples of the input (grounded: those with a context). */
  readonly pool: readonly Example[];
  /** Freeform: the examples of this question prompt. */
  readonly shown: readonly Example[];
  readonly seed: number;
}

/** Config of {@link instructlabSkills}. */
export interface InstructlabSkillsConfig {
  /** The LM block that writes contexts, questions and answers (DGT's `generator`). */
  readonly generator: Engine;
  /** The LM of DGT's `validator` (`lm_judge`) block, which rates questions and answers. */
  readonly judge: Engine;
  /** The prompt templates, by DGT's file names (see `skillTemplates`). */
  readonly templates: Readonly<Record<SkillTemplateName, PromptTemplate>>;
  /** The task's `task_description`. */
  readonly taskDescription: string;
  /** Examples per freeform question prompt (DGT's task field). @default 3 */
  readonly numIclExamplesPerPrompt?: number;
  /** Questions asked for per prompt (DGT's task field). @default 5 */
  readonly numQuestionsToGeneratePerPrompt?: number;
  /** Run on each finished record: DGT's `tagger` (`magpie_tag`), then its per-record postprocessors. @default [] */
  readonly after?: readonly MonoTypeOperatorFunction<Outcome<DataPoint>>[];
}

const configSchema = z.object({
  generator: z.custom<Engine>((value) => value instanceof Engine, 'expected an Engine (createEngine)'),
  judge: z.custom<Engine>((value) => value instanceof Engine, 'expected an Engine (createEngine)'),
  templates: z.record(z.string(), z.custom<PromptTemplate>((value) => typeof (value as PromptTemplate | undefined)?.render === 'function')),
  taskDescription: z.string(),
  numIclExamplesPerPrompt: z.number().int().min(1).default(3),
  numQuestionsToGeneratePerPrompt: z.number().int().min(1).default(5),
  after: z.array(z.custom<MonoTypeOperatorFunction<Outcome<DataPoint>>>((value) => typeof value === 'function')).default([]),
});

const text = (value: unknown): string | undefined => (value === undefined || value === null || value === '' ? undefined : String(value));

function exampleOf(example: DataPoint): Example {
  const instruction = text(example['question'] ?? example['instruction']);
  if (instruction === undefined) throw new Error(`an example of task \`${example.task_name}\` has neither \`question\` nor \`instruction\``);
  return { instruction, response: text(example['answer'] ?? example['response']) ?? '', context: text(example['context']) };
}

/**
 * The first drafts of an input, as DGT splits a batch: with any example that has a context, one draft per such
 * example (grounded; the others are left out, as in DGT); else one draft per `size` shuffled examples (freeform).
 */
function draftsOf(input: GenerationInput, size: number, taskDescription: string): Draft[] {
  const random = seededRandom(input.seed);
  const examples = input.examples.map(exampleOf);
  const grounded = examples.filter((example) => example.context !== undefined);
  const base = { task_name: input.task_name, task_description: taskDescription, instruction: '', response: '' };
  if (grounded.length > 0) {
    return shuffled(random, grounded).map((example, index) => ({ ...base, context: example.context, pool: grounded, shown: [example], seed: hash32(input.seed, index) }));
  }
  const order = shuffled(random, examples);
  const drafts: Draft[] = [];
  for (let start = 0; start < order.length; start += size) {
    drafts.push({ ...base, context: undefined, pool: examples, shown: order.slice(start, start + size), seed: hash32(input.seed, start) });
  }
  return drafts;
}

/** One example of the draft's pool, drawn with its seed and a salt (a different draw per step). */
const drawn = (draft: Draft, salt: string): Example => {
  const random = seededRandom(hash32(draft.seed, salt));
  return draft.pool[Math.floor(random() * draft.pool.length)] as Example;
};

type Step = OperatorFunction<Outcome<Draft>, Outcome<Draft>>;

/**
 * A judge step: asks the judge with `prompt`, reads DGT's `Rating: [[n]]`, and rejects the draft when the rating
 * fails `passes` (`judge_rejected`) or cannot be read (`judge_unparseable`).
 */
function judgeStep(judge: Engine, what: string, prompt: (draft: Draft) => string, passes: (rating: number) => boolean, wanted: string): Step {
  return pipe(
    generate<Draft, { draft: Draft; rating: number; answer: string }>({
      engine: judge,
      name: 'validator',
      prompt,
      params: { stop: ['</s>', '[/EXAMPLE]'] },
      parse: (answer, draft) => ({ draft, rating: readRating(answer), answer }),
    }),
    mapAccepted((outcome) => {
      const { draft, rating, answer } = outcome.record;
      if (passes(rating)) return passOn(outcome, draft);
      const quoted = JSON.stringify(answer.replace(/\s+/g, ' ').trim().slice(0, 120));
      const issue =
        rating === -1
          ? { code: 'judge_unparseable', message: `the validator's verdict on the ${what} has no "Rating" with a bracketed score: ${quoted}` }
          : { code: 'judge_rejected', message: `the validator rated the ${what} ${rating}; it needs ${wanted}` };
      return rejected(passOn(outcome, draft), [{ ...issue, block: 'validator' }]);
    }),
  );
}

/** The finished record of a draft (DGT leaves `context` out of a freeform record). */
const recordOf = (draft: Draft): SkillsRecord => ({
  task_name: draft.task_name,
  is_seed: false,
  task_description: draft.task_description,
  instruction: draft.instruction,
  response: draft.response,
  ...(draft.context === undefined ? {} : { context: draft.context }),
});

/**
 * DGT's `instructlab/skills`: question-answer pairs for a skill of InstructLab's taxonomy, from the input's examples.
 * Freeform (no example has a `context`): a prompt per `numIclExamplesPerPrompt` shuffled examples asks for
 * `numQuestionsToGeneratePerPrompt` questions (`### Question <n>:`); the judge rates each (kept at exactly 1); the
 * generator answers it after one drawn example; the judge rates the pair (kept above 1). Grounded (some examples have
 * one): per such example, the generator writes a new context (`[Start of Context] … [End of Context]`), then questions
 * about it after a drawn example, rated the same way, answered from the context, and rated. Every prompt is one of
 * the `templates` (stop sequences `</s>`, `[/EXAMPLE]`). Finished records go through `after` (Magpie tags, filter).
 *
 * Rejections: `prompt_failed` (an example without a question), `parse_failed` (a context answer without the markers),
 * `no_questions`, `judge_unparseable`, `judge_rejected`, `lm_call_failed`, and what the `after` blocks reject.
 *
 * ## Example
 * ```ts
 * const builder = instructlabSkills({ generator, judge, templates: skillTemplates(dir, task), taskDescription: 'Write debate openings.' });
 * // records: { task_name, is_seed: false, task_description, instruction: 'Open a debate on ...', response: '...' } (+ tags)
 * ```
 * @throws {ConfigError} for a bad config, at the call
 */
export function instructlabSkills(config: InstructlabSkillsConfig): Builder<GenerationInput> {
  const parsed = parseConfig('instructlabSkills', configSchema, config);
  const { generator, judge, taskDescription, numIclExamplesPerPrompt, numQuestionsToGeneratePerPrompt, after } = parsed;
  const templates = parsed.templates as Record<SkillTemplateName, PromptTemplate>;
  const stop = ['</s>', '[/EXAMPLE]'];
  const ask = <Out>(prompt: (draft: Draft) => string, parse: (answer: string, draft: Draft) => Out) =>
    generate<Draft, Out>({ engine: generator, name: 'generator', params: { stop }, prompt, parse });

  const context = ask(
    (draft) => templates.context_generation.render({ task_description: draft.task_description, context: draft.context ?? '' }),
    (answer, draft): Draft => {
      const made = extractContext(answer);
      if (made === undefined) throw new Error(`the context answer has no "[Start of Context] … [End of Context]" block: ${JSON.stringify(answer.replace(/\s+/g, ' ').trim().slice(0, 120))}`);
      return { ...draft, context: made };
    },
  );
  const groundedOnly = (step: Step): Step => (source) =>
    source.pipe(mergeMap((outcome) => (outcome.status === 'accepted' && outcome.record.context !== undefined ? of(outcome).pipe(step) : of(outcome))));

  const questions = ask(
    (draft) => {
      if (draft.context === undefined) {
        const icl = draft.shown.map((example, index) => `### Question ${index + 1}: ${example.instruction}`).join('\n');
        return templates.freeform_question_generation.render({ num_samples: numQuestionsToGeneratePerPrompt, task_description: draft.task_description, icl_question: icl });
      }
      const example = drawn(draft, 'question');
      return templates.context_based_question_generation.render({
        num_samples: numQuestionsToGeneratePerPrompt,
        task_description: draft.task_description,
        icl_context: example.context ?? '',
        icl_question: example.instruction,
        context: draft.context,
      });
    },
    (answer, draft) => ({ draft, questions: splitQuestions(answer) }),
  );
  const perQuestion = mergeMap((outcome: Outcome<{ draft: Draft; questions: string[] }>): Outcome<Draft>[] => {
    if (outcome.status !== 'accepted') return [outcome];
    const { draft, questions: asked } = outcome.record;
    if (asked.length === 0) return [rejected(outcome, [{ code: 'no_questions', message: 'the answer holds no question (no text under "### Question <n>:" headings)', block: 'generator' }])];
    return fanOut(outcome, asked.map((instruction, index): Draft => ({ ...draft, instruction, seed: hash32(draft.seed, index) })), 'generator');
  });
  const checkQuestion = judgeStep(
    judge,
    'question',
    (draft) =>
      draft.context === undefined
        ? templates.freeform_question_validation.render({ task_description: draft.task_description, question: draft.instruction })
        : templates.context_based_question_validation.render({ task_description: draft.task_description, question: draft.instruction, context: draft.context }),
    (rating) => rating === 1,
    'exactly 1',
  );
  const answer = ask(
    (draft) => {
      const example = drawn(draft, 'answer');
      if (draft.context === undefined) return templates.answer_generation.render({ icl_question: example.instruction, icl_response: example.response, question: draft.instruction });
      return templates.context_based_answer_generation.render({
        icl_context: example.context ?? '',
        icl_question: example.instruction,
        icl_response: example.response,
        context: draft.context,
        question: draft.instruction,
      });
    },
    (response, draft): Draft => ({ ...draft, response: response.trim() }),
  );
  const checkAnswer = judgeStep(
    judge,
    'answer',
    // DGT renders the grounded answer check with no variables; the pair (and its context) is given here.
    (draft) =>
      (draft.context === undefined ? templates.answer_validation : templates.context_based_answer_validation).render({
        task_description: draft.task_description,
        question: draft.instruction,
        answer: draft.response,
        context: draft.context ?? '',
      }),
    (rating) => rating > 1,
    'more than 1',
  );

  const made = pipe(
    mergeMap((outcome: Outcome<GenerationInput>): Outcome<Draft>[] => {
      if (outcome.status !== 'accepted') return [outcome];
      try {
        return fanOut(outcome, draftsOf(outcome.record, numIclExamplesPerPrompt, taskDescription), 'generator');
      } catch (error) {
        return [rejected(outcome, [{ code: 'prompt_failed', message: errorMessage(error), block: 'generator' }])];
      }
    }),
    groundedOnly(context),
    questions,
    perQuestion,
    checkQuestion,
    answer,
    checkAnswer,
    mapAccepted((outcome) => passOn(outcome, recordOf(outcome.record) as DataPoint)),
  );
  const builder: OperatorFunction<Outcome<GenerationInput>, Outcome<DataPoint>> = (source) =>
    after.reduce((stream: Observable<Outcome<DataPoint>>, step) => stream.pipe(step), source.pipe(made));
  return withConcurrency(builder, Math.max(generator.callLimit, judge.callLimit));
}
