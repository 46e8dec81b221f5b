import { type Observable, forkJoin, map, of } from 'rxjs';
import { z } from 'zod';
import { BlockError } from '../block-error.ts';
import type { BlockDefinition, BlockFields } from '../block-definition.ts';
import { ask, engineOf, lmConfigSchema, methodSchema, requestOf } from './judge-internals.ts';
import { isAssistant, turnsOf } from './magpie-conversation.ts';
import { errorPrefixOf, nullTags, readTaskAnswer } from './magpie-tag-answers.ts';
import { type MagpieTask, conversationPrompt, magpieTasks, singleTurnPrompt } from './magpie-tag-prompts.ts';
import { type MagpieTemplate, type MagpieTemplateName, loadMagpieTemplates } from './magpie-tag-templates.ts';

const fields = {
  /** The tagging LM: an engine block config (`type`, `model_id_or_path`, `base_url`, ...). */
  lm_config: lmConfigSchema,
  /** Tagging tasks (DGT's also spells `conversation quality` with a space). @default ['quality', 'sample_quality', 'difficulty'] */
  tasks: z
    .array(z.enum([...magpieTasks, 'conversation quality']).transform((task): MagpieTask => (task === 'conversation quality' ? 'conversation_quality' : task)))
    .min(1)
    .default(['quality', 'sample_quality', 'difficulty']),
  /** `chat` (or DGT's `chat_completion`) or `completion`. @default 'chat' */
  method: methodSchema,
  /** Set in DGT's builder YAML (`tag_task: all`) and ignored by DGT's tagger, as here: `tasks` says what is tagged. */
  tag_task: z.unknown().optional(),
};

/** A task's prompt for one record, or why the record does not suit the task. */
type Plan = { readonly task: MagpieTask; readonly prompt: string } | { readonly task: MagpieTask; readonly error: string };

/** The tasks with a prompt for a whole conversation. */
const isConversationTask = (task: MagpieTask): task is 'quality' | 'sample_quality' | 'conversation_quality' =>
  task === 'quality' || task === 'sample_quality' || task === 'conversation_quality';

/** DGT's choice of prompt: a whole conversation of more than two messages, else its first request and answer. */
function planOf(templates: Readonly<Record<MagpieTemplateName, MagpieTemplate>>, task: MagpieTask, request: unknown, answer: unknown, messages: readonly unknown[] | undefined): Plan {
  let first: { request: string; answer: string | undefined };
  if (messages) {
    const turns = turnsOf(messages);
    if (messages.length > 2 && isConversationTask(task)) return { task, prompt: conversationPrompt(templates, task, turns) };
    if (turns.some((turn) => turn.role === undefined)) return { task, error: 'an utterance has no `from`, `role` or `speaker` field' };
    const users = turns.filter((turn) => turn.role === 'user' && turn.text !== undefined).map((turn) => turn.text as string);
    const assistants = turns.filter((turn) => isAssistant(turn.role) && turn.text !== undefined).map((turn) => turn.text as string);
    if (users.length === 0) return { task, error: 'the conversation has no user utterance' };
    if (users.length > 1 && users.length !== assistants.length) return { task, error: `the conversation has ${users.length} user and ${assistants.length} assistant utterances` };
    first = { request: users[0] as string, answer: assistants[0] };
  } else first = { request: String(request), answer: typeof answer === 'string' ? answer : undefined };
  if (task === 'conversation_quality') return { task, error: 'the conversation_quality task needs a conversation of more than two messages' };
  if (task === 'sample_quality' && first.answer === undefined) return { task, error: 'the sample_quality task needs an answer to rate' };
  return { task, prompt: singleTurnPrompt(templates, task, first.request, first.answer) };
}

/**
 * `magpie_tag`: tags each record with Magpie's quality labels, one LM call per task, the calls of a record at once:
 * `quality` (`input_quality`: very poor … excellent, with `input_quality_explanation`), `sample_quality`
 * (`judge_quality_score` 1–5, `judge_quality_explanation`), `difficulty` (`difficulty`: very easy … very hard,
 * `intent`, `knowledge`), `classification` (`task_category`) and `conversation_quality` (`conversation_score`,
 * `conversation_explanation`; conversations of more than two messages only). Each tag is `[{ <model>: <value> }]`,
 * in the `magpie_tags` output, with `metadata.label_model`. It reads `question` and `answer`, or `messages` (a
 * conversation), as DGT's default input map does; with an `input_map`, it reads `magpie_input`, `magpie_output`
 * and `magpie_mt_input`. An answer with no usable label sets the task's tags to null and keeps why and what was
 * read as `metadata.<task>_err` and `metadata.<task>_raw` (`conv_quality_` for `conversation_quality`): the record
 * goes on, for `magpie_filter` to judge. A failed LM call rejects the record (`lm_call_failed`).
 *
 * Prompts come from template files named as DGT's (`input_quality_rating.txt`, `sample_quality_rating.txt`,
 * `input_difficulty_rating.txt`, `input_classification.txt`, and for conversations `input_quality_rating_mt.txt`,
 * `sample_quality_rating_mt.txt`, `conversations_quality_rating_mt.txt`), in Python `str.format` syntax with DGT's
 * variables (`{input}`, `{output}`, `{str_conversation}`). Each is read from DGT's folder when the builder's folder
 * sits in DGT's tree (`<builder folder>/../../blocks/magpie/tag/prompt_templates/`), else from rxdgt's own.
 *
 * ## Example
 * ```yaml
 * - name: tagger
 *   type: magpie_tag
 *   lm_config: { type: vllm-remote, model_id_or_path: mistralai/Mixtral-8x7B-Instruct-v0.1, base_url: http://localhost:8000/v1 }
 *   tasks: [quality, sample_quality, difficulty]
 *   input_map: { instruction: magpie_input, response: magpie_output }
 * # writes magpie_tags: { input_quality: [{ <model>: good }], judge_quality_score: [{ <model>: '5' }], ..., metadata: { label_model: [<model>] } }
 * ```
 */
export const magpieTagBlock: BlockDefinition<typeof fields> = {
  type: 'magpie_tag',
  summary: "tags each record with Magpie's quality, score, difficulty and category labels from an LM",
  fields,
  inputs: { required: [], optional: ['magpie_input', 'magpie_output', 'magpie_mt_input', 'question', 'answer', 'messages'] },
  create(config, context) {
    const engine = engineOf(config, context);
    const templates = loadMagpieTemplates(context.directory);
    const { tasks, method, name } = config;
    const model = engine.model.modelId;
    // DGT's default input map reads `question`, `answer` and `messages`; a map of the user's replaces it.
    const [requestKey, answerKey, messagesKey] = config.input_map === undefined ? ['question', 'answer', 'messages'] : ['magpie_input', 'magpie_output', 'magpie_mt_input'];
    return {
      kind: 'transform',
      concurrency: engine.callLimit,
      run(input: BlockFields, call) {
        const messages = input[messagesKey];
        const conversation = Array.isArray(messages) && messages.length > 0 ? (messages as readonly unknown[]) : undefined;
        if (!conversation && (input[requestKey] === undefined || input[requestKey] === null)) {
          throw new BlockError('input_missing', `block \`${name}\` needs \`${requestKey}\` or \`${messagesKey}\` to tag, and the record has neither`);
        }
        const plans = tasks.map((task) => planOf(templates, task, input[requestKey], input[answerKey], conversation));
        const answers: Observable<string | undefined>[] = plans.map((plan) => ('prompt' in plan ? ask(engine, requestOf(plan.prompt, method, engine.params), call) : of(undefined)));
        return forkJoin(answers).pipe(
          map((texts) => {
            const tags: Record<string, unknown> = {};
            const metadata: Record<string, unknown> = { label_model: [model] };
            plans.forEach((plan, index) => {
              const answer = texts[index];
              const read = answer === undefined ? { error: (plan as { error: string }).error } : readTaskAnswer(plan.task, answer, model);
              if ('tags' in read) return void Object.assign(tags, read.tags);
              Object.assign(tags, nullTags(plan.task));
              metadata[`${errorPrefixOf(plan.task)}_err`] = read.error;
              if (answer !== undefined) metadata[`${errorPrefixOf(plan.task)}_raw`] = answer;
            });
            return { magpie_tags: { ...tags, metadata } };
          }),
        );
      },
    };
  },
};
