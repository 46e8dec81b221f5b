import { type Observable, concatMap, map, of } from 'rxjs';
import { type JsonObject, isObject } from '../../../lib/blocks/utilities/tool-call-grounding.ts';
import { appendStep, lastStep, makeStep } from '../../../lib/conversation/conversation.ts';
import { type StageOutput, defineStage, dropConversation, isDrop } from '../../../lib/conversation/stage.ts';
import { toolCallDict, toolResultDict } from '../../../lib/tools/tool-dict.ts';
import { type PlannedCall, toolInfoOf } from '../conversation-steps.ts';
import { substituteReferences } from '../substitute-references.ts';
import { validateToolCalls } from '../validate-tool-calls.ts';
import type { SharedSetup } from './shared-setup.ts';

/**
 * DGT's `tool_calling/multi_turn/stages/execute` (no LM call of its own): runs the latest plan's calls one by one on
 * the task's tool engine (an `lm` simulator, an MCP server, a REST API), in the conversation's session (set up on its
 * first call), each with its references to earlier results (`$1.id`) filled in and checked; appends a `tool_call`
 * step `{ name, arguments, id }` and a `tool_result` step `{ id, name, result }` for each. A reference that cannot be
 * filled or a call that comes back without a result (an error) drops the conversation, with the reason.
 */
export const executeStage = (shared: SharedSetup) =>
  defineStage({
    name: 'tool_calling/multi_turn/stages/execute',
    config: {},
    create: ({ name }) => (conversation, context) => {
      const plan = (lastStep(conversation.steps, 'tc/plan')?.['plan'] as PlannedCall[] | undefined) ?? undefined;
      const info = toolInfoOf(conversation.steps);
      if (!plan || !info) return of(dropConversation('no_plan', 'the conversation has no `tc/plan` step: run the planner stage first'));
      const engine = shared.handle.tools.engine;
      // DGT sets the session up on the conversation's first call; a session already active (set up by a turn whose
      // calls then failed, the conversation being rescued from an earlier snapshot) is kept.
      if (!conversation.steps.some((step) => step.role === 'tool_call')) {
        try {
          engine.setup(conversation.conversation_id, { random: context.random });
        } catch {
          // already active
        }
      }
      const runCall = (current: StageOutput, planned: PlannedCall): Observable<StageOutput> => {
        if (isDrop(current)) return of(current);
        const results = new Map<string, unknown>();
        for (const step of current.steps) {
          if (step.role === 'tool_result' && isObject(step.content) && typeof step.content['id'] === 'string') results.set(step.content['id'], step.content['result']);
        }
        const substituted = substituteReferences(planned.arguments, results);
        if ('problem' in substituted) return of(dropConversation('substitution_failed', `call ${planned.call_id ?? planned.name}: ${substituted.problem}`));
        const call = { name: planned.name, namespace: planned.namespace, arguments: substituted.arguments, callId: planned.call_id ?? undefined };
        if (substituted.arguments !== planned.arguments) {
          const invalid = validateToolCalls([toolCallDict(call)], info.tools, { history: null, allowNested: false });
          if (invalid) return of(dropConversation('substitution_failed', `call ${planned.call_id ?? planned.name} with its references filled in is invalid: ${invalid}`));
        }
        return engine.execute(conversation.conversation_id, [call]).pipe(
          map(({ results: [result], usage }): StageOutput => {
            if (usage) context.spend(usage);
            if (!result || result.result === undefined || result.result === null) {
              return dropConversation('tool_execution_failed', `call ${planned.call_id ?? planned.name} (\`${planned.qualified_name}\`) failed: ${result?.error ?? 'no result'}`);
            }
            return appendStep(current, makeStep('tool_call', { content: toolCallDict(call) as JsonObject, stage_name: name }), makeStep('tool_result', { content: toolResultDict(result) as JsonObject, stage_name: name }));
          }),
        );
      };
      const continueFrom = (current: StageOutput, index: number): Observable<StageOutput> =>
        index >= plan.length || isDrop(current) ? of(current) : runCall(current, plan[index]!).pipe(concatMap((next) => continueFrom(next, index + 1)));
      return continueFrom(conversation, 0);
    },
  });
