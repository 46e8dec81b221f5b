import { map, of } from 'rxjs';
import { z } from 'zod';
import type { JsonObject } from '../../../lib/blocks/utilities/tool-call-grounding.ts';
import { appendStep, makeStep } from '../../../lib/conversation/conversation.ts';
import { defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import { askChoices, bestOption, describeFailures } from '../ask-choices.ts';
import { callDict, personaOf, plansOf, toolInfoOf, userStepsOf } from '../conversation-steps.ts';
import { correlationCheck } from '../correlation-check.ts';
import { hiddenCallIds } from '../hidden-calls.ts';
import { leavesOf } from '../plan-structure.ts';
import { promptPair } from '../prompt-pair.ts';
import { shuffleTools } from '../shuffle.ts';
import { shuffled } from '../../../lib/tools/samplers/draws.ts';
import { taggedText } from '../tool-call-text.ts';
import { validateToolCalls } from '../validate-tool-calls.ts';
import type { SharedSetup } from './shared-setup.ts';

const pastWords = ['was', 'earlier', 'previous', 'prior'];

/**
 * DGT's `tool_calling/multi_turn/stages/user`: asks the model for the user's request behind the latest plan
 * (`prompts/user/*.txt`: the tools used so far, the persona, the plan's literal values as `required`, the history
 * of requests and calls, the `explicit` calls, and, with `separate_context`, the `hidden` calls the assistant makes
 * unasked), in `<request>...</request>`. An answer is kept when it names no call id, names no tool and lets every
 * call so far pass the validator; a first request must also not speak of earlier results ("was ... you just") and,
 * with hidden calls, must not read the plan out in order. The best one becomes a `tc/user` step with its
 * `required_terms` and `hidden_set`. No usable answer drops the conversation with each answer's reason.
 */
export const userStage = (shared: SharedSetup) =>
  defineStage({
    name: 'tool_calling/multi_turn/stages/user',
    config: { generator: z.string().optional() },
    create: ({ name, blocks, engine, configError }) => {
      const model = engine('generator');
      const prompt = promptPair(blocks.directory, 'user', { configError });
      const { separateContext } = shared.options;
      return (conversation, context) => {
        const info = toolInfoOf(conversation.steps);
        const plans = plansOf(conversation.steps);
        if (!info || plans.length === 0) return of(dropConversation('no_plan', 'the conversation has no `tc/plan` step: run the planner stage first'));
        const users = userStepsOf(conversation.steps);
        const latest = plans.at(-1)!.map(callDict);
        const history = users.flatMap((user, index) => [{ role: 'user', content: user.content }, ...(plans[index] ?? []).map((call) => ({ role: 'assistant', content: callDict(call) }))]);
        const hiddenIds = hiddenCallIds(latest, context.random);
        const isHidden = (call: JsonObject): boolean => separateContext && hiddenIds.includes(String(call['id']));
        const hidden = latest.filter(isHidden).map((call) => ({ role: 'assistant', content: call }));
        const explicit = latest.filter((call) => !isHidden(call)).map((call) => ({ role: 'assistant', content: call }));
        const used = new Set(plans.flat().map((call) => call.name));
        const required = shuffled(context.random, leavesOf(latest));
        const variables = {
          tools: JSON.stringify(shuffleTools(info.tools.filter((tool) => used.has(String(tool['name']))), context.random), null, 4),
          required: required.map((value) => JSON.stringify(value)).join('\n'),
          history: JSON.stringify(history, null, 4),
          hidden: JSON.stringify(hidden, null, 4),
          tool_calls: JSON.stringify(explicit, null, 4),
          persona: personaOf(conversation.steps),
          required_terms: required,
        };
        const hiddenSet = hidden.map((entry) => entry.content);
        const allCalls = plans.flat().map(callDict);
        const readRequest = (raw: string): { readonly request: string } | { readonly problem: string } => {
          const text = raw.includes('<request>') ? taggedText(raw, 'request') : '';
          if (!text) return { problem: 'the answer has no text between <request> and </request>' };
          if (allCalls.some((call) => text.includes(`${String(call['id'] ?? '')}.`))) return { problem: 'the request names a tool call id' };
          const invalid = validateToolCalls(allCalls, info.tools, { history: [...users.map((user) => String(user.content)), text].join('\n'), allowNested: true });
          if (invalid) return { problem: `the request fails validation: ${invalid}` };
          if (users.length === 0) {
            const lower = text.toLowerCase();
            const words = lower.split(/\s+/);
            if (pastWords.some((past) => words.some((word) => word.startsWith(past))) && lower.includes('you just')) return { problem: 'the first request speaks of results in the past tense' };
            if (separateContext && hiddenSet.length > 0 && !correlationCheck(latest, text, hiddenSet)) return { problem: 'the first request reads the plan out call by call (correlation check)' };
          }
          return { request: text };
        };
        return askChoices(model, { method: 'chat', messages: prompt(variables) }, context).pipe(
          map((choices) => {
            const failures: string[] = [];
            const options: { score: number; value: string }[] = [];
            for (const choice of choices) {
              const outcome = readRequest(choice.text);
              if ('problem' in outcome) failures.push(outcome.problem);
              else options.push({ score: choice.score, value: outcome.request });
            }
            const request = bestOption(options);
            if (!request) return dropConversation('user_request_unusable', describeFailures(failures));
            return appendStep(conversation, makeStep('tc/user', { content: request, stage_name: name, required_terms: required, hidden_set: hiddenSet }));
          }),
        );
      };
    },
  });
