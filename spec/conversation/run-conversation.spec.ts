import { Observable, lastValueFrom, of, throwError, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { type Conversation, appendStep, createConversation, makeStep } from '../../lib/conversation/conversation.ts';
import { type ConversationEnd, type ConversationPlan, type NamedStage, runConversation } from '../../lib/conversation/run-conversation.ts';
import { type Stage, dropConversation } from '../../lib/conversation/stage.ts';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';

const context = { examples: [], random: () => 0.5, spend: () => undefined };
const start = createConversation('t', 'c1');
const userCount = (conversation: Conversation): number => conversation.steps.filter((step) => step.role === 'user').length;

/** A stage appending one step of `role`. */
const say = (role: 'user' | 'assistant' | 'scenario'): NamedStage => ({ name: `say/${role}`, run: (conversation) => of(appendStep(conversation, makeStep(role, { content: role, stage_name: `say/${role}` }))) });
/** A flow controller that ends the conversation at turn `at` (counting its own steps). */
const endAt = (at: number): NamedStage => ({
  name: 'fc',
  run: (conversation, { turn }) => of(appendStep(conversation, makeStep('flow_controller', { content: 'p', stage_name: 'fc', terminate: turn >= at }))),
});
const dropAt = (at: number, name = 'flaky'): NamedStage => ({ name, run: (conversation, { turn }) => of(turn >= at ? dropConversation('empty_answer', 'nothing said') : conversation) });
const run = (plan: Partial<ConversationPlan>): Promise<ConversationEnd[]> =>
  lastValueFrom(runConversation(start, { initialization: [], iteration: [], minTurns: 1, maxTurns: 10, ...plan }, context).pipe(toArray()));

describe('runConversation', () => {
  test('runs initialization once, then turns until the flow controller ends it (its step last, the turn counted)', async () => {
    const [end] = await run({ initialization: [say('scenario')], iteration: [endAt(3), say('user'), say('assistant')], minTurns: 2 });
    expect(end).toMatchObject({ kind: 'completed', reason: 'flow_controller', turns: 3 });
    const conversation = (end as { conversation: Conversation }).conversation;
    expect(conversation.steps.map((step) => step.role)).toEqual(['scenario', 'flow_controller', 'user', 'assistant', 'flow_controller', 'user', 'assistant', 'flow_controller']);
    expect(start.steps).toEqual([]);
  });

  test('ends after max_turns turns, kept', async () => {
    const [end] = await run({ iteration: [say('user'), say('assistant')], maxTurns: 2 });
    expect(end).toMatchObject({ kind: 'completed', reason: 'max_turns', turns: 2 });
    expect(userCount((end as { conversation: Conversation }).conversation)).toBe(2);
  });

  test('a flow controller ending below min_turns drops the conversation', async () => {
    const [end] = await run({ iteration: [endAt(1), say('user')], minTurns: 2 });
    expect(end).toMatchObject({ kind: 'dropped', code: 'flow_controller_below_min_turns', stage: 'fc', turn: 1 });
  });

  test('a mid-turn drop at or above min_turns rescues the conversation as it stood when the turn began', async () => {
    const [end] = await run({ iteration: [say('user'), dropAt(3), say('assistant')], minTurns: 2 });
    expect(end).toMatchObject({ kind: 'completed', reason: 'stage_drop', turns: 2 });
    const conversation = (end as { conversation: Conversation }).conversation;
    expect(conversation.steps.map((step) => step.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  test('a drop below min_turns, or while initializing, drops it with the stage and its reason', async () => {
    expect(await run({ iteration: [say('user'), dropAt(1)], minTurns: 2 })).toEqual([
      expect.objectContaining({ kind: 'dropped', stage: 'flaky', turn: 1, code: 'empty_answer', reason: 'nothing said (turn 1, below min_turns 2)' }),
    ]);
    expect(await run({ initialization: [dropAt(0, 'init')], iteration: [say('user')] })).toEqual([expect.objectContaining({ kind: 'dropped', stage: 'init', turn: 0, code: 'empty_answer' })]);
  });

  test('a fork runs each branch on; a stage emitting nothing is a drop', async () => {
    const fork: NamedStage = { name: 'fork', run: (conversation) => of(appendStep(conversation, makeStep('user', { content: 'a' })), appendStep(conversation, makeStep('user', { content: 'b' }))) };
    const ends = await run({ initialization: [fork], iteration: [say('assistant')], maxTurns: 1 });
    expect(ends.map((end) => end.kind === 'completed' && end.conversation.steps[0]!.content)).toEqual(['a', 'b']);
    const silent: NamedStage = { name: 'silent', run: () => of() };
    expect(await run({ initialization: [silent] })).toEqual([expect.objectContaining({ kind: 'dropped', code: 'no_output' })]);
  });

  test('a failed LM call is a drop (lm_call_failed), a stage bug too (stage_failed); a 401 ends the stream', async () => {
    const failing = (error: unknown): NamedStage => ({ name: 'failing', run: () => throwError(() => error) });
    expect(await run({ iteration: [failing(new ApiCallError('server said 500', { url: 'http://test/v1', statusCode: 500 }))] })).toEqual([
      expect.objectContaining({ kind: 'dropped', code: 'lm_call_failed', reason: expect.stringContaining('500') }),
    ]);
    expect(await run({ iteration: [failing(new TypeError('oops'))] })).toEqual([expect.objectContaining({ code: 'stage_failed', reason: 'oops (turn 1: no complete turn to keep)' })]);
    await expect(run({ iteration: [failing(new ApiCallError('bad key', { url: 'http://test/v1', statusCode: 401 }))] })).rejects.toThrow('bad key');
  });

  test('each turn sees its number; unsubscribing tears down the stage in flight', async () => {
    const turns: number[] = [];
    const counting: NamedStage = { name: 'count', run: (conversation, { turn }) => (turns.push(turn), of(conversation)) };
    await run({ initialization: [counting], iteration: [counting], maxTurns: 3 });
    expect(turns).toEqual([0, 1, 2, 3]);
    let torn = false;
    const hanging: Stage = () => new Observable(() => () => (torn = true));
    const subscription = runConversation(start, { initialization: [], iteration: [{ name: 'hang', run: hanging }], minTurns: 1, maxTurns: 2 }, context).subscribe();
    subscription.unsubscribe();
    expect(torn).toBe(true);
  });
});
