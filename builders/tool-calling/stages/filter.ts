import { map, of } from 'rxjs';
import { z } from 'zod';
import { type JsonObject, isObject } from '../../../lib/blocks/utilities/tool-call-grounding.ts';
import type { Step } from '../../../lib/conversation/conversation.ts';
import { defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import { askChoices } from '../ask-choices.ts';
import { type PlannedCall, toolInfoOf } from '../conversation-steps.ts';
import { promptPair } from '../prompt-pair.ts';
import { taggedText } from '../tool-call-text.ts';
import { validateToolCalls } from '../validate-tool-calls.ts';

/** DGT's `_get_ordered_conversation`: the messages the filter reviews, and the calls it validates first. */
function orderedConversation(steps: readonly Step[]): { readonly conversation: JsonObject[]; readonly calls: JsonObject[] } {
  const groups: JsonObject[][] = [];
  const calls: JsonObject[] = [];
  const plans: JsonObject[] = [];
  const planCalls: JsonObject[] = [];
  for (const step of steps) {
    if (step.role === 'tc/user') groups.push([{ role: 'user', content: step.content }]);
    else if (step.role === 'tool_call' && isObject(step.content) && groups.length > 0) {
      groups.at(-1)!.push({ role: 'assistant', content: JSON.stringify(step.content) });
      calls.push({ name: step.content['name'], arguments: step.content['arguments'] });
    } else if (step.role === 'tool_result' && groups.length > 0) {
      groups.at(-1)!.push({ role: step.role, content: typeof step.content === 'string' ? step.content : JSON.stringify(step.content) });
    } else if (step.role === 'tc/plan') {
      const plan = ((step as JsonObject)['plan'] as PlannedCall[] | null) ?? [];
      planCalls.push(...plan.map((call) => ({ name: call.name, arguments: call.arguments, ...(call.call_id === null ? {} : { id: call.call_id }) })));
      plans.push({ role: 'assistant', content: JSON.stringify(plan.map((call) => ({ name: call.name, arguments: call.arguments })), null, 4) });
    }
  }
  const grouped = calls.length === 0 ? groups.map((group, index) => [...group, ...(plans[index] ? [plans[index]!] : [])]) : groups;
  return { conversation: grouped.flat(), calls: calls.length > 0 ? calls : planCalls };
}

/**
 * DGT's `tool_calling/multi_turn/stages/filter` (a termination stage): checks the conversation's executed calls with
 * the validator, then asks the model whether the whole conversation is good enough (`prompts/filter/*.txt`: the
 * tools, the conversation; a `<thought>` first for models without built-in reasoning, i.e. whose name lacks
 * "gpt"), answered `<pass>yes</pass>` or `<pass>no</pass>`. Every answer votes; one "no" (or an answer that is not
 * "yes") drops the conversation.
 */
export const filterStage = () =>
  defineStage({
    name: 'tool_calling/multi_turn/stages/filter',
    config: { generator: z.string().optional() },
    create: ({ blocks, engine, configError }) => {
      const model = engine('generator');
      const prompt = promptPair(blocks.directory, 'filter', { configError });
      const reasoning = !model.model.modelId.includes('gpt');
      return (conversation, context) => {
        const info = toolInfoOf(conversation.steps);
        if (!info) return of(dropConversation('no_scenario', 'the conversation has no `tc/sampler` step'));
        const ordered = orderedConversation(conversation.steps);
        const invalid = validateToolCalls(ordered.calls, info.tools, { history: null, allowNested: false });
        if (invalid) return of(dropConversation('invalid_tool_calls', `the conversation's tool calls fail validation: ${invalid}`));
        const variables = { tools: JSON.stringify(info.tools, null, 4), reasoning, conversation: JSON.stringify(ordered.conversation, null, 4) };
        return askChoices(model, { method: 'chat', messages: prompt(variables) }, context).pipe(
          map((choices) => {
            const against = choices.filter((choice) => {
              const determination = taggedText(choice.text, 'pass');
              return determination !== '' && determination.toLowerCase().replace(/^"+|"+$/g, '') !== 'yes';
            });
            if (against.length === 0) return conversation;
            const thought = taggedText(against[0]!.text, 'thought');
            return dropConversation('filter_rejected', `the reviewer said no (${against.length} of ${choices.length} answers)${thought && thought !== taggedText(against[0]!.text, 'pass') ? `: ${thought}` : ''}`);
          }),
        );
      };
    },
  });
