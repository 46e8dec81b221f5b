import { map, of } from 'rxjs';
import { z } from 'zod';
import type { JsonObject } from '../../../lib/blocks/utilities/tool-call-grounding.ts';
import { appendStep } from '../../../lib/conversation/conversation.ts';
import { defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import { type Choice, askChoices, bestOption, describeFailures } from '../ask-choices.ts';
import { type PlannedCall, callDict, personaOf, planStep, plannedCall, plansOf, toolInfoOf } from '../conversation-steps.ts';
import { complexityProblem, largestConnectedComponent, renumberCalls, syntaxProblem } from '../plan-structure.ts';
import { promptPair } from '../prompt-pair.ts';
import { shuffleTools } from '../shuffle.ts';
import { parsedCallList } from '../parsed-call-list.ts';
import { validateToolCalls } from '../validate-tool-calls.ts';
import type { SharedSetup } from './shared-setup.ts';

/**
 * DGT's `tool_calling/multi_turn/stages/planner`: asks the model for a plan of tool calls over the scenario's tools
 * not used yet (`prompts/plan/*.txt`: tools, date, persona, a drawn `plan_length`, the prior calls), in
 * `<tool_calls>[{ name, arguments, id }]</tool_calls>`. Of every answer it keeps those that parse, have exactly
 * those keys, (with `has_nested`) form a chain through outputs with the prior calls (its largest linked group),
 * fit the plan length, are not trivial, and pass the tool-call validator; the best-scoring one becomes a `tc/plan`
 * step, renumbered after the prior calls. No usable answer drops the conversation with each answer's reason.
 */
export const plannerStage = (shared: SharedSetup) =>
  defineStage({
    name: 'tool_calling/multi_turn/stages/planner',
    config: { generator: z.string().optional() },
    create: ({ name, blocks, engine, configError }) => {
      const model = engine('generator');
      const prompt = promptPair(blocks.directory, 'plan', { configError });
      const { hasNested, minPlanLength, maxPlanLength } = shared.options;
      return (conversation, context) => {
        const info = toolInfoOf(conversation.steps);
        if (!info) return of(dropConversation('no_scenario', 'the conversation has no `tc/sampler` step: run the scenario_generator stage first'));
        const prior = plansOf(conversation.steps).flat();
        const priorDicts = prior.map(callDict);
        const keep = ['name', 'parameters', ...(hasNested ? ['output_parameters'] : [])];
        const offered = info.tools.filter((tool) => !prior.some((call) => call.name === tool['name'])).map((tool) => Object.fromEntries(Object.entries(tool).filter(([key]) => keep.includes(key))));
        const planLength = minPlanLength + Math.floor(context.random() * (maxPlanLength - minPlanLength + 1));
        const variables = {
          tools: JSON.stringify(shuffleTools(offered, context.random), null, 4),
          date: info.date,
          persona: personaOf(conversation.steps),
          plan_length: planLength,
          prior_tool_calls: JSON.stringify(priorDicts, null, 4),
          allow_nested: hasNested,
        };
        return askChoices(model, { method: 'chat', messages: prompt(variables) }, context).pipe(
          map((choices) => {
            const failures: string[] = [];
            const options: { score: number; value: PlannedCall[] }[] = [];
            for (const choice of choices) {
              const outcome = readPlan(choice, priorDicts, info.tools);
              if (typeof outcome === 'string') failures.push(outcome);
              else options.push({ score: choice.score, value: outcome });
            }
            const plan = bestOption(options);
            if (!plan) return dropConversation('plan_unusable', describeFailures(failures));
            return appendStep(conversation, planStep(plan, name));
          }),
        );

        function readPlan(choice: Choice, context: JsonObject[], tools: readonly JsonObject[]): PlannedCall[] | string {
          const calls = parsedCallList(choice);
          if (typeof calls === 'string') return calls;
          const syntax = syntaxProblem(calls);
          if (syntax) return `the plan fails the syntax check: ${syntax}`;
          const component = hasNested ? largestConnectedComponent(calls as JsonObject[], context) : (calls as JsonObject[]);
          if (component.length === 0) return 'the plan has no chain of at least two calls using each other\'s outputs';
          if (component.length > planLength || component.length < minPlanLength) return `the plan has ${component.length} linked calls, expected ${minPlanLength} to ${planLength}`;
          const complexity = complexityProblem(component);
          if (complexity) return `the plan is too simple: ${complexity}`;
          const invalid = validateToolCalls([...context, ...component], tools, { history: null, allowNested: hasNested, requireNested: hasNested });
          if (invalid) return `the plan fails validation: ${invalid}`;
          const renumbered = renumberCalls(component, context.map((call) => String(call['id'])));
          const planned = renumbered.map((call) => plannedCall(call, tools));
          if (planned.some((call) => call === undefined)) return 'a planned tool name matches several tools of the scenario';
          return planned as PlannedCall[];
        }
      };
    },
  });
