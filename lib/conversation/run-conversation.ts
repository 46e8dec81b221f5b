import { EMPTY, type Observable, catchError, defaultIfEmpty, defer, expand, filter, map, mergeMap, of, throwError } from 'rxjs';
import { errorMessage } from '../error-message.ts';
import { ApiCallError } from '../errors/api-call-error.ts';
import { ConfigError } from '../errors/config-error.ts';
import { RetryError } from '../errors/retry-error.ts';
import { RxdgtError } from '../errors/rxdgt-error.ts';
import { type Conversation, lastStep } from './conversation.ts';
import { type Stage, type StageContext, type StageDrop, type StageOutput, dropConversation, isDrop } from './stage.ts';

/** A stage of a task's pipeline, under the name the task gave it. */
export interface NamedStage {
  readonly name: string;
  readonly run: Stage;
}

/** A task's pipeline: stages run once, stages run every turn, and the turn bounds. */
export interface ConversationPlan {
  readonly initialization: readonly NamedStage[];
  readonly iteration: readonly NamedStage[];
  /** Loop cycles a conversation needs before it may be kept (DGT's `min_turns`). */
  readonly minTurns: number;
  /** Loop cycles after which a conversation ends whatever the flow controller says (DGT's `max_turns`). */
  readonly maxTurns: number;
}

/**
 * How one conversation ended: kept (`flow_controller`: a flow-controller step ended it; `max_turns`; `stage_drop`:
 * a stage dropped it mid-turn and its state at the start of that turn was rescued), or dropped, with the stage, the
 * turn (0 while initializing), the stage's code and reason, and the conversation as the stage received it.
 */
export type ConversationEnd =
  | { readonly kind: 'completed'; readonly conversation: Conversation; readonly turns: number; readonly reason: 'flow_controller' | 'max_turns' | 'stage_drop' }
  | { readonly kind: 'dropped'; readonly conversation: Conversation; readonly stage: string; readonly turn: number; readonly code: string; readonly reason: string };

type Item = ConversationEnd | { readonly kind: 'live'; readonly conversation: Conversation; readonly turn: number };

/** Errors no later conversation can avoid: bad config, rejected credentials. They end the run. */
function isFatal(error: unknown): boolean {
  if (ConfigError.isInstance(error)) return true;
  const last = RetryError.isInstance(error) ? error.lastError : error;
  return ApiCallError.isInstance(last) && (last.statusCode === 401 || last.statusCode === 403);
}

/** A stage's outputs: an error or no output at all is a drop, unless the error is fatal. */
function outputsOf(stage: NamedStage, conversation: Conversation, context: StageContext): Observable<StageOutput> {
  return defer(() => stage.run(conversation, context)).pipe(
    defaultIfEmpty<StageOutput, StageDrop>(dropConversation('no_output', 'the stage emitted no conversation')),
    catchError((error: unknown) => {
      if (isFatal(error)) return throwError(() => error);
      const code = RxdgtError.isInstance(error) ? 'lm_call_failed' : 'stage_failed';
      return of(dropConversation(code, errorMessage(error)));
    }),
  );
}

/**
 * Runs one conversation through a task's pipeline, as DGT's conversation builder does: the initialization stages
 * once (a drop there ends it), then turn after turn the iteration stages in order. After each stage, a conversation
 * whose last flow-controller step says `terminate` ends: kept when the turn is at least `minTurns`, dropped
 * otherwise. A conversation a stage drops mid-turn is rescued as it stood when the turn began (so it ends on a
 * turn boundary) when the turn is at least `minTurns` (and not the first: unlike DGT, a conversation with no complete
 * turn is never kept), dropped otherwise. As in DGT, turns count loop cycles: one a flow controller ends holds its
 * flow-controller step only, and a rescued conversation holds one turn fewer than the turn it was dropped in. After `maxTurns` turns it ends, kept.
 * A stage that forks gives several conversations, each run on; a turn's snapshot is rescued once.
 *
 * Cold: each subscription runs the conversation anew; unsubscribing cancels the stage (and LM call) in flight.
 *
 * ## Example
 * ```ts
 * runConversation(createConversation('t', 'c1'), { initialization: [], iteration: [{ name: 'lm/user/guided', run: userStage }], minTurns: 1, maxTurns: 2 },
 *   { examples: [], random: Math.random, spend: () => {} }).subscribe((end) => console.log(end.kind, end.kind === 'completed' && end.reason));
 * // completed max_turns
 * ```
 */
export function runConversation(start: Conversation, plan: ConversationPlan, context: Omit<StageContext, 'turn'>): Observable<ConversationEnd> {
  const through = (items: Observable<Item>, stage: NamedStage, settle: (output: StageOutput, before: Conversation) => Item, turn: number): Observable<Item> =>
    items.pipe(
      mergeMap((item) =>
        item.kind === 'live' ? outputsOf(stage, item.conversation, { ...context, turn }).pipe(map((output) => settle(output, item.conversation))) : of(item),
      ),
    );

  const initialize = plan.initialization.reduce(
    (items, stage) =>
      through(
        items,
        stage,
        (output, before): Item =>
          isDrop(output) ? { kind: 'dropped', conversation: before, stage: stage.name, turn: 0, code: output.code, reason: output.reason } : { kind: 'live', conversation: output, turn: 1 },
        0,
      ),
    of<Item>({ kind: 'live', conversation: start, turn: 1 }),
  );

  const runTurn = (snapshot: Conversation, turn: number): Observable<Item> =>
    defer(() => {
      let rescued = false;
      const settle = (stage: NamedStage) => (output: StageOutput, before: Conversation): Item => {
        if (isDrop(output)) {
          if (turn < plan.minTurns) {
            return { kind: 'dropped', conversation: before, stage: stage.name, turn, code: output.code, reason: `${output.reason} (turn ${turn}, below min_turns ${plan.minTurns})` };
          }
          // DGT would keep the empty state of turn 0 here; a conversation without a single turn is no data.
          if (turn === 1) return { kind: 'dropped', conversation: before, stage: stage.name, turn, code: output.code, reason: `${output.reason} (turn 1: no complete turn to keep)` };
          if (rescued) return { kind: 'dropped', conversation: before, stage: stage.name, turn, code: output.code, reason: `${output.reason} (turn ${turn}; the turn's start was rescued already)` };
          rescued = true;
          return { kind: 'completed', conversation: snapshot, turns: turn - 1, reason: 'stage_drop' };
        }
        if (lastStep(output.steps, 'flow_controller')?.terminate !== true) return { kind: 'live', conversation: output, turn };
        if (turn >= plan.minTurns) return { kind: 'completed', conversation: output, turns: turn, reason: 'flow_controller' };
        return {
          kind: 'dropped',
          conversation: output,
          stage: stage.name,
          turn,
          code: 'flow_controller_below_min_turns',
          reason: `the flow controller ended the conversation at turn ${turn}, below min_turns ${plan.minTurns}`,
        };
      };
      const after = plan.iteration.reduce((items, stage) => through(items, stage, settle(stage), turn), of<Item>({ kind: 'live', conversation: snapshot, turn }));
      return after.pipe(
        map((item): Item => {
          if (item.kind !== 'live') return item;
          return turn >= plan.maxTurns ? { kind: 'completed', conversation: item.conversation, turns: turn, reason: 'max_turns' } : { ...item, turn: turn + 1 };
        }),
      );
    });

  return initialize.pipe(
    expand((item) => (item.kind === 'live' ? runTurn(item.conversation, item.turn) : EMPTY)),
    filter((item): item is ConversationEnd => item.kind !== 'live'),
  );
}
