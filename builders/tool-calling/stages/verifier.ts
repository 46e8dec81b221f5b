import { map, of } from 'rxjs';
import { z } from 'zod';
import type { JsonObject } from '../../../lib/blocks/utilities/tool-call-grounding.ts';
import { defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import { type Choice, askChoices, bestOption, describeFailures } from '../ask-choices.ts';
import { type PlannedCall, callDict, plannedCall, plansOf, toolInfoOf, userStepsOf, withLastPlan } from '../conversation-steps.ts';
import { parsedCallList } from '../parsed-call-list.ts';
import { complexityProblem, largestConnectedComponent, leavesOf, normalizeValue, syntaxProblem } from '../plan-structure.ts';
import { promptPair } from '../prompt-pair.ts';
import { shuffled } from '../../../lib/tools/samplers/draws.ts';
import { validateToolCalls } from '../validate-tool-calls.ts';
import type { SharedSetup } from './shared-setup.ts';

const isScalar = (value: unknown): boolean => typeof value !== 'object' || value === null;

/**
 * DGT's `tool_calling/multi_turn/stages/verifier` (back-translation: the `no_bt` ablation leaves it out): asks the
 * model, as the assistant, which calls answer the latest request (`prompts/verify/*.txt`: the plan's tools, the
 * history, the required values, the request), in `<tool_calls>[...]</tool_calls>`. An answer is kept when it parses,
 * passes the syntax check and the validator against the user's words, (with `has_nested`) is one linked group with
 * the prior calls, is not trivial, and uses every required value; the best one replaces the latest plan. No usable
 * answer drops the conversation with each answer's reason.
 */
export const verifierStage = (shared: SharedSetup) =>
  defineStage({
    name: 'tool_calling/multi_turn/stages/verifier',
    config: { generator: z.string().optional() },
    create: ({ blocks, engine, configError }) => {
      const model = engine('generator');
      const prompt = promptPair(blocks.directory, 'verify', { configError });
      const { hasNested } = shared.options;
      return (conversation, context) => {
        const info = toolInfoOf(conversation.steps);
        const plans = plansOf(conversation.steps);
        const users = userStepsOf(conversation.steps);
        if (!info || plans.length === 0 || users.length === 0) return of(dropConversation('no_request', 'the conversation has no `tc/plan` and `tc/user` steps: run the planner and user stages first'));
        const latest = plans.at(-1)!;
        const prior = plans.slice(0, -1).flat().map(callDict);
        const history = users.slice(0, -1).flatMap((user, index) => [{ role: 'user', content: user.content }, ...(plans[index] ?? []).map((call) => ({ role: 'assistant', content: callDict(call) }))]);
        const names = new Set(latest.map((call) => call.name));
        const tools = info.tools
          .filter((tool) => names.has(String(tool['name'])))
          .map((tool) => (hasNested ? tool : { name: tool['name'], parameters: tool['parameters'] }));
        const requiredTerms = (users.at(-1)!['required_terms'] as unknown[] | null) ?? [];
        const variables = {
          tools: JSON.stringify(shuffled(context.random, tools), null, 4),
          history: JSON.stringify(history, null, 4),
          request: String(users.at(-1)!.content),
          tool_calls: JSON.stringify(latest.map(callDict), null, 4),
          required: requiredTerms.map((value) => JSON.stringify(value)).join('\n'),
          allow_nested: hasNested,
        };
        const requests = users.map((user) => String(user.content)).join('\n');
        const readCalls = (choice: Choice): PlannedCall[] | string => {
          const calls = parsedCallList(choice, { repairTrailingBrace: true });
          if (typeof calls === 'string') return calls;
          const syntax = syntaxProblem(calls);
          if (syntax) return `the calls fail the syntax check: ${syntax}`;
          const list = calls as JsonObject[];
          const invalid = validateToolCalls([...prior, ...list], info.tools, { history: requests, allowNested: hasNested, requireNested: hasNested });
          if (invalid) return `the calls fail validation: ${invalid}`;
          if (hasNested && largestConnectedComponent(list, prior).length !== list.length) return 'the calls are not one group linked through outputs';
          const complexity = complexityProblem(list);
          if (complexity) return `the calls are too simple: ${complexity}`;
          const wanted = new Set(requiredTerms.filter(isScalar).map(normalizeValue));
          const got = new Set(leavesOf(list).filter(isScalar).map(normalizeValue));
          const missing = [...wanted].filter((value) => !got.has(value));
          if (wanted.size > 0 && missing.length > 0) return `the calls leave out required values (${missing.join(', ')})`;
          const planned = list.map((call) => plannedCall(call, info.tools));
          if (planned.some((call) => call === undefined)) return 'a tool name matches several tools of the scenario';
          return planned as PlannedCall[];
        };
        return askChoices(model, { method: 'chat', messages: prompt(variables) }, context).pipe(
          map((choices) => {
            const failures: string[] = [];
            const options: { score: number; value: PlannedCall[] }[] = [];
            for (const choice of choices) {
              const outcome = readCalls(choice);
              if (typeof outcome === 'string') failures.push(outcome);
              else options.push({ score: choice.score, value: outcome });
            }
            const plan = bestOption(options);
            if (!plan) return dropConversation('verification_failed', describeFailures(failures));
            return withLastPlan(conversation, plan);
          }),
        );
      };
    },
  });
