import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Subject, lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { coreConversationStages } from '../../builders/conversation/index.ts';
import type { ResolvedBlocks } from '../../lib/builder-registry.ts';
import type { BuilderSpec } from '../../lib/config/builder-spec.ts';
import { appendStep, makeStep } from '../../lib/conversation/conversation.ts';
import { conversationBuilder } from '../../lib/conversation/conversation-builder.ts';
import { defineStage } from '../../lib/conversation/stage.ts';
import { stageRegistry } from '../../lib/conversation/stage-registry.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { type Engine, createEngine } from '../../lib/model/engine.ts';
import type { ModelRequest } from '../../lib/model/language-model.ts';
import { accepted } from '../../lib/outcome.ts';
import type { Outcome } from '../../lib/record.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';
import { builderTask } from '../helpers/builder-task.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** Blocks of a builder whose LM blocks are the given engines, plus non-LM blocks by name. */
function fakeBlocks(engines: Readonly<Record<string, Engine>>, others: readonly string[] = []): ResolvedBlocks {
  const spec = { name: 'core/conversation', blocks: [...Object.keys(engines).map((name) => ({ name, type: 'fake' })), ...others.map((name) => ({ name, type: 'rouge_scorer' }))], postprocessors: [] } as BuilderSpec;
  const unsupported = (): never => {
    throw new Error('not used');
  };
  return {
    spec,
    directory: '.',
    engines: new Map(Object.entries(engines)),
    engine: (name) => engines[name] ?? (() => { throw new ConfigError(`block \`${name}\` must be a language model`, { file: 'builder.yaml' }); })(),
    config: unsupported,
    isPostprocessor: () => false,
    postprocess: () => undefined,
    engineFrom: unsupported,
    operator: unsupported,
  };
}

const text = (request: ModelRequest): string => (request.method === 'chat' ? request.messages.map((message) => message.content).join('\n') : request.prompt);

/** Answers each core stage's request in its format; `overrides` replace answers by stage. */
function chitChatAnswers(overrides: Partial<Record<'scenario' | 'eligibility' | 'hint' | 'user' | 'assistant', (index: number) => string>> = {}) {
  return (request: ModelRequest, index: number): string => {
    const format = request.responseFormat?.name;
    const prompt = text(request);
    if (format === 'flow_controller') return overrides.eligibility?.(index) ?? '{"reasoning": "fine", "eligible_patterns": ["chat/ask"]}';
    if (format === 'hint_generator') return overrides.hint?.(index) ?? '{"hint": "Ask about the weather."}';
    if (prompt.includes('Scenario:')) return overrides.scenario?.(index) ?? 'A sailor chats about knots.';
    if (prompt.startsWith('You play a person')) return overrides.user?.(index) ?? `User line ${index}`;
    return overrides.assistant?.(index) ?? `Assistant line ${index}`;
  };
}

const seed = { task_name: 't', is_seed: true, conversation_id: 's1', steps: [{ role: 'scenario', content: 'A baker asks about rye.' }] };
const input = (attempt: number) => accepted<GenerationInput>(`${attempt}-x`, { task_name: 't', is_seed: false, examples: [seed], seed: attempt });
const stages = {
  max_turns: 2,
  min_turns: 1,
  initialization_stages: [{ name: 'lm/scenario', generator: 'generator', num_icl_examples: 1 }],
  iteration_stages: [
    { name: 'lm/flow_controller', generator: 'generator', termination_patterns: ['chat/bye'], patterns: [{ name: 'chat/ask', description: 'asks' }, { name: 'chat/bye', description: 'ends' }] },
    { name: 'lm/user/guided' },
    { name: 'lm/assistant/naive', blocks: { generator: 'generator' } },
  ],
};
const registry = stageRegistry(coreConversationStages);
const run = (engine: Engine, fields: Readonly<Record<string, unknown>> = stages, inputs = [input(1)]): Promise<Outcome<unknown>[]> =>
  lastValueFrom(of(...inputs).pipe(conversationBuilder({ registry, blocks: fakeBlocks({ generator: engine }), task: builderTask(fields) }), toArray()));

describe('conversationBuilder', () => {
  test('grows one conversation per input through the stages, with its usage, 1 + 4 LM calls per turn', async () => {
    const model = new FakeLanguageModel({ answers: chitChatAnswers() });
    const [outcome] = await run(createEngine(model, { cacheSize: 0 }));
    expect(outcome).toMatchObject({ status: 'accepted', id: '1-x', usage: { calls: 9 } });
    const record = outcome!.record as { conversation_id: string; steps: { role: string; stage_name: string }[] };
    expect(Object.keys(record)).toEqual(['task_name', 'is_seed', 'conversation_id', 'steps', 'branch_point', 'outcome_reward', 'outcome_reward_breakdown']);
    expect(record.conversation_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(record.steps.map((step) => `${step.role}:${step.stage_name}`)).toEqual([
      'scenario:lm/scenario',
      ...Array(2).fill(['flow_controller:lm/flow_controller', 'user:lm/user/guided', 'assistant:lm/assistant/naive']).flat(),
    ]);
    expect(model.calls).toHaveLength(9);
    // The scenario prompt shows the seed's scenario.
    expect(text(model.calls[0]!)).toContain('- A baker asks about rye.');
  });

  test('a seeded input gives the same conversation id and draws every time', async () => {
    const once = async () => (await run(createEngine(new FakeLanguageModel({ answers: chitChatAnswers() }))))[0]!.record;
    expect(await once()).toEqual(await once());
  });

  test('a conversation dropped with nothing to keep is a rejected record naming the stage, code and reason', async () => {
    const model = new FakeLanguageModel({ answers: chitChatAnswers({ scenario: () => '   ' }) });
    const [outcome] = await run(createEngine(model));
    expect(outcome).toMatchObject({ status: 'rejected', issues: [{ code: 'empty_answer', block: 'lm/scenario', message: 'the model wrote no scenario (initialization)' }] });
    expect(outcome!.record).toMatchObject({ steps: [] });
  });

  test('runs at most max_concurrent_conversations conversations at once; unsubscribing aborts the calls in flight', async () => {
    const model = new FakeLanguageModel({ answers: chitChatAnswers(), latencyMs: 10_000 });
    const inputs = new Subject<Outcome<GenerationInput>>();
    const builder = conversationBuilder({ registry, blocks: fakeBlocks({ generator: createEngine(model, { callLimit: 10 }) }), task: builderTask({ ...stages, max_concurrent_conversations: 2 }) });
    expect(builder.concurrency).toBe(2);
    const subscription = inputs.pipe(builder).subscribe();
    for (const attempt of [1, 2, 3, 4]) inputs.next(input(attempt));
    await new Promise((resolve) => setImmediate(resolve));
    expect(model.inFlight).toBe(2);
    subscription.unsubscribe();
    await new Promise((resolve) => setImmediate(resolve));
    expect(model.aborted).toBe(2);
  });

  test('a builder stage registers beside the core ones and takes its own checked config', async () => {
    const shout = defineStage({
      name: 'test/shout',
      config: { times: z.int().min(1) },
      create: ({ name, config }) => (conversation) => of(appendStep(conversation, makeStep('user', { content: 'hey '.repeat(config.times).trim(), stage_name: name }))),
    });
    const custom = stageRegistry([...coreConversationStages, shout]);
    const fields = { max_turns: 1, iteration_stages: [{ name: 'test/shout', times: 2 }] };
    const [outcome] = await lastValueFrom(of(input(1)).pipe(conversationBuilder({ registry: custom, blocks: fakeBlocks({}), task: builderTask(fields) }), toArray()));
    expect(outcome!.record).toMatchObject({ steps: [{ role: 'user', content: 'hey hey', stage_name: 'test/shout' }] });
  });
});

describe('conversationBuilder: task errors name the task file and field', () => {
  const attempt = (fields: Readonly<Record<string, unknown>>, directory = '.') => () =>
    conversationBuilder({ registry, blocks: fakeBlocks({ generator: createEngine(new FakeLanguageModel()) }, ['dedup']), task: builderTask(fields, directory) });
  const problem = (fields: Readonly<Record<string, unknown>>, directory?: string): ConfigError => {
    try {
      attempt(fields, directory)();
    } catch (error) {
      if (ConfigError.isInstance(error)) return error;
      throw error;
    }
    throw new Error('no error');
  };

  test('an unknown stage lists the known ones', () => {
    const error = problem({ iteration_stages: [{ name: 'lm/user/guided' }, { name: 'lm/usr' }] });
    expect(error).toMatchObject({ file: './task.yaml', field: 'iteration_stages.1.name' });
    expect(error.message).toContain('unknown stage `lm/usr` (known: lm/assistant/naive, lm/flow_controller, lm/scenario, lm/user/guided, sample/persona)');
  });

  test('a bad or unknown stage field, a missing or non-LM block, a pattern mix-up, bad turn bounds', () => {
    expect(problem({ initialization_stages: [{ name: 'lm/scenario', num_icl_examples: -1 }] })).toMatchObject({ field: 'initialization_stages.0.num_icl_examples' });
    expect(problem({ iteration_stages: [{ name: 'lm/user/guided', temperature: 0.2 }] })).toMatchObject({ field: 'iteration_stages.0.temperature' });
    expect(problem({ iteration_stages: [{ name: 'lm/user/guided', generator: 'writer' }] })).toMatchObject({ field: 'iteration_stages.0.generator', message: expect.stringContaining('no block named `writer`') });
    expect(problem({ iteration_stages: [{ name: 'lm/user/guided', blocks: { generator: 'nowhere' } }] })).toMatchObject({ field: 'iteration_stages.0.blocks.generator' });
    expect(() => attempt({ iteration_stages: [{ name: 'lm/user/guided', generator: 'dedup' }] })()).toThrow(/must be a language model/);
    const flow = { name: 'lm/flow_controller', patterns: [{ name: 'a' }], termination_patterns: ['b'] };
    expect(problem({ iteration_stages: [flow] })).toMatchObject({ field: 'iteration_stages.0.termination_patterns.0', message: expect.stringContaining('`b` is not one of the patterns (a)') });
    expect(problem({ iteration_stages: [{ ...flow, patterns: [] }] })).toMatchObject({ field: 'iteration_stages.0.patterns' });
    expect(problem({ min_turns: 3, max_turns: 2 })).toMatchObject({ field: 'min_turns', message: expect.stringContaining('min_turns (3) must be at most max_turns (2)') });
    expect(problem({ max_turns: 0 })).toMatchObject({ field: 'max_turns' });
  });

  test('a persona file that is missing, malformed or empty', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'bad.jsonl'), '{"role": "x"}\nnot json\n');
    writeFileSync(join(dir, 'data', 'empty.jsonl'), '\n');
    const persona = (path: string) => ({ initialization_stages: [{ name: 'sample/persona', persona_store: { type: 'default', data_path: path } }] });
    expect(problem(persona('data/none.jsonl'), dir)).toMatchObject({ field: 'initialization_stages.0.persona_store.data_path', message: expect.stringContaining('no persona file') });
    expect(problem(persona('data/bad.jsonl'), dir).message).toContain('cannot read the persona file');
    expect(problem(persona('data/empty.jsonl'), dir).message).toContain('holds no persona record');
    expect(problem({ initialization_stages: [{ name: 'sample/persona' }] })).toMatchObject({ field: 'initialization_stages.0.persona_store' });
  });
});
