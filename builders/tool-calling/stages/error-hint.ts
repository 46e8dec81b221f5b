import { type Observable, concatMap, map, of } from 'rxjs';
import { z } from 'zod';
import { type JsonObject, isObject } from '../../../lib/blocks/utilities/tool-call-grounding.ts';
import { type Conversation, type Step, makeStep } from '../../../lib/conversation/conversation.ts';
import { defineStage } from '../../../lib/conversation/stage.ts';
import type { ChatMessage } from '../../../lib/model/language-model.ts';
import { type Choice, askChoices, bestOption } from '../ask-choices.ts';
import { toolInfoOf } from '../conversation-steps.ts';
import { loadPrompt, promptPair } from '../prompt-pair.ts';
import { shuffled } from '../../../lib/tools/samplers/draws.ts';
import { parseLooseJson, taggedText } from '../tool-call-text.ts';
import { validateToolCalls } from '../validate-tool-calls.ts';

/** DGT's `_equiv_tcs`: same structure, numbers and flags equal, texts sharing more than 2/3 of their words. */
function equivalent(left: unknown, right: unknown): boolean {
  if (Array.isArray(left)) return Array.isArray(right) && left.length === right.length && left.every((item, index) => equivalent(item, right[index]));
  if (isObject(left)) {
    if (!isObject(right)) return false;
    const keys = Object.keys(left).sort();
    return keys.join('\u0000') === Object.keys(right).sort().join('\u0000') && keys.every((key) => equivalent(left[key], right[key]));
  }
  if (typeof left === 'string' && left !== '' && typeof right === 'string') {
    const words = new Set(left.toLowerCase().split(/\s+/).filter(Boolean));
    const others = new Set(right.toLowerCase().split(/\s+/).filter(Boolean));
    return [...words].filter((word) => others.has(word)).length / (words.size || 1) > 0.66;
  }
  return left === right;
}

/** The conversation before `index` as chat messages: requests, calls (as assistant tool calls) and their results. */
function messagesBefore(steps: readonly Step[], index: number): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let lastCallId = 'call_0';
  steps.slice(0, index).forEach((step, at) => {
    if (step.role === 'tc/user') messages.push({ role: 'user', content: String(step.content) });
    else if (step.role === 'assistant') messages.push({ role: 'assistant', content: String(step.content) });
    else if (step.role === 'tool_call' && isObject(step.content)) {
      lastCallId = typeof step.content['id'] === 'string' ? step.content['id'] : `call_${at}`;
      messages.push({ role: 'assistant', content: '', tool_calls: [{ id: lastCallId, type: 'function', function: { name: String(step.content['name']), arguments: JSON.stringify(step.content['arguments'] ?? {}) } }] });
    } else if (step.role === 'tool_result') {
      messages.push({ role: 'tool', tool_call_id: lastCallId, content: typeof step.content === 'string' ? step.content : JSON.stringify(step.content) });
    }
  });
  return messages;
}

/**
 * DGT's `tool_calling/multi_turn/stages/error_hint` (a termination stage that never drops): with probability
 * `error_p`, picks between `min_errors` and `max_errors` of the executed calls (with repeats) and for each asks the
 * model to make that call itself, from the conversation up to it (`prompts/error_hints/tc_instructions.txt` as the
 * system message; a JSON object or a structured tool call). A valid prediction that differs from the real call is a
 * mistake: the model is asked for a hint (`prompts/error_hints/error_*.txt`, `<hint>...</hint>`), and the wrong call
 * and the hint (as its tool result) are inserted before the real call, so the data shows recovery from an error.
 */
export const errorHintStage = () =>
  defineStage({
    name: 'tool_calling/multi_turn/stages/error_hint',
    config: { generator: z.string().optional(), max_errors: z.int().min(0).default(3), min_errors: z.int().min(0).default(1), error_p: z.number().min(0).max(1).default(1) },
    create: ({ name, config, blocks, engine, configError }) => {
      if (config.min_errors > config.max_errors) throw configError(`min_errors (${config.min_errors}) must be at most max_errors (${config.max_errors})`, 'min_errors');
      const model = engine('generator');
      const predictionInstructions = loadPrompt(blocks.directory, 'error_hints', 'tc_instructions', { configError });
      const hintPrompt = promptPair(blocks.directory, 'error_hints', { configError }, 'error_');
      return (conversation, context) => {
        const info = toolInfoOf(conversation.steps);
        const calls = conversation.steps.filter((step) => step.role === 'tool_call');
        if (!info || calls.length === 0) return of(conversation);
        const count = config.min_errors + Math.floor(context.random() * (config.max_errors - config.min_errors + 1));
        const chosen = Array.from({ length: count }, () => calls[Math.floor(context.random() * calls.length)]!).sort((left, right) => calls.indexOf(left) - calls.indexOf(right));
        const targets = config.error_p >= context.random() ? chosen : [];

        const readPrediction = (choice: Choice, current: Conversation): JsonObject | undefined => {
          let parsed = parseLooseJson(choice.text);
          if (!isObject(parsed) && choice.toolCalls.length > 0) parsed = { name: choice.toolCalls[0]!.name, arguments: choice.toolCalls[0]!.arguments };
          if (!isObject(parsed)) return undefined;
          const call: Record<string, unknown> = { ...parsed };
          if (call['parameters']) {
            call['arguments'] = call['parameters'];
            delete call['parameters'];
          }
          if (validateToolCalls([call], info.tools, { history: null, allowNested: false })) return undefined;
          const values = Object.values(call['arguments'] as JsonObject);
          const placeholder = /placeholder|example/.test(choice.text.toLowerCase()) || values.some((value) => typeof value === 'string' && ((value.startsWith('{{') && value.endsWith('}}')) || (value.startsWith('<') && value.endsWith('>'))));
          if (placeholder) return undefined;
          const prediction = { name: call['name'], arguments: call['arguments'] };
          const made = current.steps.filter((step) => step.role === 'tool_call' && isObject(step.content)).map((step) => ({ name: (step.content as JsonObject)['name'], arguments: (step.content as JsonObject)['arguments'] }));
          return made.some((other) => equivalent(prediction, other)) ? undefined : prediction;
        };

        const withHint = (current: Conversation, target: Step): Observable<Conversation> => {
          const at = current.steps.indexOf(target);
          const tools = shuffled(context.random, info.tools);
          const system = predictionInstructions.render({ tools: JSON.stringify(tools, null, 4), date: info.date }).trim();
          const messages: ChatMessage[] = [{ role: 'system', content: system }, ...messagesBefore(current.steps, at)];
          return askChoices(model, { method: 'chat', messages }, context).pipe(
            concatMap((choices) => {
              const wrong = bestOption(choices.flatMap((choice) => {
                const prediction = readPrediction(choice, current);
                return prediction ? [{ score: choice.score, value: prediction }] : [];
              }));
              if (!wrong) return of(current);
              const gold = { name: (target.content as JsonObject)['name'], arguments: (target.content as JsonObject)['arguments'] };
              const variables = {
                tools: JSON.stringify(info.tools.filter((tool) => tool['name'] === gold.name || tool['name'] === wrong['name']), null, 4),
                correct_tool_call: JSON.stringify(gold, null, 4),
                incorrect_tool_call: JSON.stringify(wrong, null, 4),
              };
              return askChoices(model, { method: 'chat', messages: hintPrompt(variables) }, context).pipe(
                map((hints) => {
                  const hint = bestOption(hints.flatMap((choice) => {
                    const text = taggedText(choice.text, 'hint');
                    return text ? [{ score: choice.score, value: text }] : [];
                  }));
                  if (!hint) return current;
                  const inserted = [makeStep('tool_call', { content: wrong, stage_name: name }), makeStep('tool_result', { content: hint, stage_name: name })];
                  return { ...current, steps: [...current.steps.slice(0, at), ...inserted, ...current.steps.slice(at)] };
                }),
              );
            }),
          );
        };
        const next = (current: Conversation, index: number): Observable<Conversation> => (index >= targets.length ? of(current) : withHint(current, targets[index]!).pipe(concatMap((done) => next(done, index + 1))));
        return next(conversation, 0);
      };
    },
  });
