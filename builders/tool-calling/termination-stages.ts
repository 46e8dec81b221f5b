import { type Observable, type OperatorFunction, catchError, concatMap, defaultIfEmpty, defer, map, mergeMap, of, take, throwError } from 'rxjs';
import type { BuilderTask, ResolvedBlocks } from '../../lib/builder-registry.ts';
import { createStages } from '../../lib/conversation/conversation-builder.ts';
import type { Conversation } from '../../lib/conversation/conversation.ts';
import type { NamedStage } from '../../lib/conversation/run-conversation.ts';
import { type StageOutput, dropConversation, isDrop } from '../../lib/conversation/stage.ts';
import type { StageRegistry } from '../../lib/conversation/stage-registry.ts';
import { errorMessage } from '../../lib/error-message.ts';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { RetryError } from '../../lib/errors/retry-error.ts';
import { RxdgtError } from '../../lib/errors/rxdgt-error.ts';
import { addUsage, passOn, rejected } from '../../lib/outcome.ts';
import { hash32, seededRandom } from '../../lib/random.ts';
import type { DataPoint, Outcome, Usage } from '../../lib/record.ts';

/**
 * Creates a task's `termination_stages` (DGT's phase 3, which rxdgt's conversation builder does not run): each
 * entry found in the registry, its fields checked strictly and its blocks resolved as the other stage lists are.
 * @throws {ConfigError} naming the task file and `termination_stages.<i>.<field>`
 */
export function createTerminationStages(registry: StageRegistry, blocks: ResolvedBlocks, task: BuilderTask, entries: readonly Readonly<Record<string, unknown>>[], turns: { readonly maxTurns: number; readonly minTurns: number }): NamedStage[] {
  return createStages({ registry, blocks, task }, 'termination_stages', entries, turns);
}

/** Bad config and rejected credentials end the run; any other failure of a stage drops that conversation. */
function isFatal(error: unknown): boolean {
  if (ConfigError.isInstance(error)) return true;
  const last = RetryError.isInstance(error) ? error.lastError : error;
  return ApiCallError.isInstance(last) && (last.statusCode === 401 || last.statusCode === 403);
}

/**
 * Runs every kept conversation through the termination stages in order (the first output of each): a drop there
 * turns the record into a rejection naming the stage, its code and reason; other outcomes pass untouched. Draws are
 * seeded by the conversation id; LM usage is added to the record's.
 *
 * ## Example
 * ```ts
 * source.pipe(conversations, terminate(createTerminationStages(registry, blocks, task, entries, turns)));
 * ```
 */
export function terminate(stages: readonly NamedStage[]): OperatorFunction<Outcome<DataPoint>, Outcome<DataPoint>> {
  if (stages.length === 0) return (source) => source;
  return mergeMap((outcome) => {
    if (outcome.status !== 'accepted') return of(outcome);
    return defer(() => {
      const start = outcome.record as Conversation;
      let usage: Usage | undefined = outcome.usage;
      const turn = start.steps.filter((step) => step.role === 'tc/user').length;
      const context = { examples: [], random: seededRandom(hash32(start.conversation_id, 'termination')), turn, spend: (spent: Usage) => (usage = addUsage(usage, spent)) };
      type State = { readonly conversation: Conversation } | { readonly dropped: Outcome<DataPoint> };
      const runStage = (state: State, stage: NamedStage): Observable<State> => {
        if ('dropped' in state) return of(state);
        return defer(() => stage.run(state.conversation, context)).pipe(
          take(1),
          defaultIfEmpty<StageOutput, StageOutput>(dropConversation('no_output', 'the stage emitted no conversation')),
          catchError((error: unknown) => (isFatal(error) ? throwError(() => error) : of(dropConversation(RxdgtError.isInstance(error) ? 'lm_call_failed' : 'stage_failed', errorMessage(error))))),
          map((output): State => (isDrop(output) ? { dropped: rejected({ ...outcome, record: state.conversation }, [{ code: output.code, message: `${output.reason} (termination)`, block: stage.name }], usage) } : { conversation: output })),
        );
      };
      const chain = stages.reduce<Observable<State>>((states, stage) => states.pipe(concatMap((state) => runStage(state, stage))), of<State>({ conversation: start }));
      return chain.pipe(map((state) => ('dropped' in state ? state.dropped : passOn(outcome, state.conversation as DataPoint, usage))));
    });
  });
}
