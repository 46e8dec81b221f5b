import { type Observable, map, mergeMap, of } from 'rxjs';
import { z } from 'zod';
import { askModel } from '../../../lib/conversation/ask-model.ts';
import { type Conversation, appendStep, lastStep, makeStep, stepsWithRole } from '../../../lib/conversation/conversation.ts';
import { type StageDefinition, type StageOutput, defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import { stepsToText } from '../../../lib/conversation/steps-to-text.ts';
import type { ChatMessage } from '../../../lib/model/language-model.ts';
import type { ResponseFormat } from '../../../lib/model/response-format.ts';

/** One interaction pattern of the task. */
export interface FlowPattern {
  readonly name: string;
  readonly description: string;
  readonly hint: string | null;
  readonly weight: number;
}

/** The JSON Schema of the eligibility answer: `{ reasoning, eligible_patterns }`, names from the task's patterns. */
export function eligibilityFormat(names: readonly string[]): ResponseFormat {
  return {
    name: 'flow_controller',
    schema: {
      type: 'object',
      properties: {
        reasoning: { type: 'string', description: 'Why each pattern does or does not fit the scenario and the conversation so far.' },
        eligible_patterns: { type: 'array', items: { type: 'string', enum: [...names] }, description: 'The patterns that fit the next user turn.' },
      },
      required: ['reasoning', 'eligible_patterns'],
      additionalProperties: false,
    },
  };
}

/** The JSON Schema of the hint answer: `{ hint }`. */
export const hintFormat: ResponseFormat = {
  name: 'hint_generator',
  schema: {
    type: 'object',
    properties: { hint: { type: 'string', description: 'Short guidance for the user on how to frame the next message.' } },
    required: ['hint'],
    additionalProperties: false,
  },
};

/** The scenario and the conversation so far, as the flow controller shows them. */
export function conversationSummary(conversation: Conversation): string {
  const scenario = lastStep(conversation.steps, 'scenario')?.content;
  const history = stepsToText(conversation.steps);
  return [...(scenario ? [`[Scenario]\n${String(scenario)}`] : []), ...(history ? [history] : [])].join('\n');
}

/**
 * Reads the eligibility answer: the known pattern names it lists and its reasoning. An answer that is not a JSON
 * object (a provider that ignored the response format) makes every pattern eligible, as DGT does.
 */
export function parseEligibility(answer: string, patterns: readonly FlowPattern[]): { eligible: string[]; reasoning: string | null } {
  const names = patterns.map((pattern) => pattern.name);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.replace(/^```(?:json)?\s*|\s*```$/g, ''));
  } catch {
    return { eligible: names, reasoning: null };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { eligible: names, reasoning: null };
  const { reasoning, eligible_patterns: listed } = parsed as Record<string, unknown>;
  const eligible = Array.isArray(listed) ? names.filter((name) => listed.includes(name)) : [];
  return { eligible, reasoning: typeof reasoning === 'string' && reasoning.trim() ? reasoning.trim() : null };
}

/** Reads the hint answer: its `hint`, the text itself when it is not JSON, or null when empty. */
export function parseHint(answer: string): string | null {
  try {
    const parsed = JSON.parse(answer) as unknown;
    const hint = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['hint'] : undefined;
    return typeof hint === 'string' && hint.trim() ? hint.trim() : null;
  } catch {
    return answer.trim() || null;
  }
}

function eligibilityMessages(summary: string, patterns: readonly FlowPattern[], terminations: readonly string[], turns: number, maxTurns: number, history: readonly string[]): ChatMessage[] {
  const list = patterns.map((pattern) => `- ${pattern.name}: ${pattern.description}`).join('\n');
  const closing =
    turns >= Math.max(1, maxTurns - 1) && terminations.length > 0
      ? `\nThe conversation is close to its length limit: list ${terminations.map((name) => `'${name}'`).join(' or ')} among the eligible patterns unless it truly cannot apply.`
      : '';
  const used = history.length > 0 ? `\nPatterns already used, first to last: ${history.join(', ')}\n` : '';
  const content = [
    'You steer a conversation between a user and an AI assistant. Decide which interaction patterns could shape the next user message.',
    'Read the scenario and the conversation, then weigh each pattern against its description: keep only those that make sense right now. Respect any limits a description sets on repeating a pattern, using the patterns already used.',
    `Conversation so far:\n${summary || '(nothing said yet)'}\n${used}`,
    `Patterns:\n${list}${closing}`,
    'Answer with a JSON object: "reasoning" (your thinking) and "eligible_patterns" (the names of the patterns that fit).',
  ].join('\n\n');
  return [{ role: 'user', content }];
}

function hintMessages(summary: string, pattern: string, template: string | null): ChatMessage[] {
  const guidance = template
    ? `Starting point for the hint: ${template}\nAdapt it to this scenario and to what has been said.`
    : `This pattern has no template: write a hint that makes the next user message follow '${pattern}', fitted to this scenario and to what has been said.`;
  const content = [
    `You steer a conversation between a user and an AI assistant. The next user message follows the pattern: ${pattern}`,
    guidance,
    'The hint must not give away answers, nor ask again for something already asked.',
    `Conversation so far:\n${summary || '(nothing said yet)'}`,
    'Answer with a JSON object with one field, "hint", holding the hint.',
  ].join('\n\n');
  return [{ role: 'user', content }];
}

/** Options of {@link flowControllerStage}: how a builder's own flow controller differs from the core one. */
export interface FlowControllerOptions {
  /** The stage's registered name. @default 'lm/flow_controller' */
  readonly name?: string;
  /** What the model is shown of the conversation (a RAG builder adds its documents). @default {@link conversationSummary} */
  readonly summary?: (conversation: Conversation) => string;
}

const patternSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  hint: z.string().nullable().optional(),
  weight: z.number().gt(0).default(1),
});

/**
 * A flow-controller stage type (DGT's `lm/flow_controller`, or a builder's variant of it). Per turn, two LM calls:
 * the model lists the eligible patterns (JSON `{ reasoning, eligible_patterns }`; an answer that is not JSON makes
 * all eligible); one is drawn by `weight` among them; the model fits a hint to it (JSON `{ hint }`; the raw text,
 * the pattern's own hint, or a generic line when the answer is empty). Appends a `flow_controller` step: `content`
 * the pattern, `terminate` when it is one of `termination_patterns`. No eligible pattern drops the conversation
 * (`no_eligible_pattern`).
 *
 * ## Example
 * ```yaml
 * iteration_stages:
 *   - name: lm/flow_controller
 *     max_turns: 6
 *     termination_patterns: [chat/goodbye]
 *     patterns:
 *       - { name: chat/follow_up, description: The user follows up., weight: 3 }
 *       - { name: chat/goodbye, description: The user says goodbye., hint: Close the chat politely. }
 * ```
 */
export function flowControllerStage(options: FlowControllerOptions = {}): StageDefinition {
  const summarize = options.summary ?? conversationSummary;
  return defineStage({
    name: options.name ?? 'lm/flow_controller',
    config: {
      generator: z.string().min(1).optional(),
      patterns: z.array(patternSchema).min(1),
      termination_patterns: z.array(z.string().min(1)),
      max_turns: z.int().min(1).default(10),
    },
    create: ({ name, config, engine, configError }) => {
      const generator = engine('generator');
      const patterns: FlowPattern[] = config.patterns.map((pattern) => ({ name: pattern.name, description: pattern.description ?? pattern.name, hint: pattern.hint ?? null, weight: pattern.weight }));
      const names = patterns.map((pattern) => pattern.name);
      config.termination_patterns.forEach((pattern, index) => {
        if (!names.includes(pattern)) throw configError(`\`${pattern}\` is not one of the patterns (${names.join(', ')})`, `termination_patterns.${index}`);
      });
      const format = eligibilityFormat(names);
      const draw = (eligible: readonly string[], random: () => number): FlowPattern => {
        const candidates = patterns.filter((pattern) => eligible.includes(pattern.name));
        let left = random() * candidates.reduce((total, pattern) => total + pattern.weight, 0);
        return candidates.find((pattern) => (left -= pattern.weight) < 0) ?? candidates.at(-1)!;
      };
      return (conversation, context): Observable<StageOutput> => {
        const summary = summarize(conversation);
        const turns = stepsWithRole(conversation.steps, 'user').length;
        const history = stepsWithRole(conversation.steps, 'flow_controller').flatMap((step) => (typeof step.content === 'string' ? [step.content] : []));
        const asked = eligibilityMessages(summary, patterns, config.termination_patterns, turns, config.max_turns, history);
        return askModel(generator, { method: 'chat', messages: asked, maxTokens: 512, responseFormat: format }, context).pipe(
          mergeMap((answer) => {
            const { eligible, reasoning } = parseEligibility(answer, patterns);
            if (eligible.length === 0) return of(dropConversation('no_eligible_pattern', `the flow controller found no eligible pattern (answer: ${answer.slice(0, 200)})`));
            const chosen = draw(eligible, context.random);
            return askModel(generator, { method: 'chat', messages: hintMessages(summary, chosen.name, chosen.hint), maxTokens: 256, responseFormat: hintFormat }, context).pipe(
              map((hintAnswer) => {
                const hint = parseHint(hintAnswer) ?? chosen.hint ?? `Write a user message that follows the '${chosen.name}' pattern.`;
                const terminate = config.termination_patterns.includes(chosen.name);
                return appendStep(conversation, makeStep('flow_controller', { content: chosen.name, stage_name: name, terminate, hint, reasoning, eligible_patterns: eligible }));
              }),
            );
          }),
        );
      };
    },
  }) as StageDefinition;
}

/** DGT's `lm/flow_controller`: see {@link flowControllerStage}. */
export const lmFlowController = flowControllerStage();
