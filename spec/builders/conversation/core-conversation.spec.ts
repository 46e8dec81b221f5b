import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { coreConversation } from '../../../builders/conversation/index.ts';
import { findBuilder, resolveBlocks } from '../../../lib/builder-registry.ts';
import { loadBuilderSpec } from '../../../lib/config/builder-spec.ts';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { clearAdmissions } from '../../../lib/model/admission-registry.ts';
import { type RunSettings, prepareRun } from '../../../lib/run/prepare-run.ts';
import { runTasks } from '../../../lib/run/run-tasks.ts';
import { generationRequests, promptOf, repoRoot, runCli, writeBlockConfig } from '../../cli/run-cli.ts';
import { readLines } from '../../helpers/read-lines.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { formatOf, generatorBlock, responder } from './answers.ts';

const start = useTestServers();
afterEach(() => clearAdmissions());

const sample = join(repoRoot, 'samples', 'conversation', 'chit-chat');
async function runSample(settings: Partial<RunSettings> = {}, builder: Readonly<Record<string, unknown>> = {}) {
  const server = await start({ respond: responder(), recordRequests: true });
  const dir = tempDir();
  const config = writeBlockConfig(dir, { 'core/conversation': generatorBlock(server.baseURL) });
  if (Object.keys(builder).length > 0) {
    const joint = parse(readFileSync(config, 'utf8')) as { databuilders: Record<string, Record<string, unknown>> };
    Object.assign(joint.databuilders['core/conversation']!, builder);
    writeFileSync(config, stringify(joint));
  }
  const out = join(dir, 'out');
  const run = await prepareRun({ taskPaths: [sample], configPath: config, outputDir: out, env: {}, cwd: dir, numOutputsToGenerate: 3, seed: 7, ...settings });
  try {
    const records = await lastValueFrom(runTasks(run.tasks).pipe(toArray()));
    return { records, server, folder: join(out, 'samples', 'chit_chat') };
  } finally {
    await run.close();
  }
}

describe('core/conversation end to end (the chit-chat sample against a test server)', () => {
  test('writes DGT conversation records, formatted messages, and a rejection for a garbled flow controller', async () => {
    const { records, server, folder } = await runSample();
    expect(records).toHaveLength(3);
    const data = readLines<Record<string, unknown> & { steps: { role: string; content: unknown; terminate?: boolean }[] }>(join(folder, 'data.jsonl'));
    expect(data).toHaveLength(3);
    for (const record of data) {
      expect(record).toMatchObject({ task_name: 'samples/chit_chat', is_seed: false, branch_point: null, outcome_reward: null, outcome_reward_breakdown: {} });
      const roles = record.steps.map((step) => step.role);
      // Scenario, persona, two full turns, then the flow controller's goodbye ends it at turn 3 (>= min_turns 2).
      expect(roles).toEqual(['scenario', 'persona', 'flow_controller', 'user', 'assistant', 'flow_controller', 'user', 'assistant', 'flow_controller']);
      expect(record.steps.at(-1)).toMatchObject({ content: 'small_talk/goodbye', terminate: true, eligible_patterns: ['small_talk/goodbye'] });
      expect(record.steps[1]).toMatchObject({ role: 'persona', stage_name: 'sample/persona', target: 'user', content: expect.stringMatching(/^Role: /) });
    }
    expect(readLines(join(folder, 'final_data.jsonl'))).toHaveLength(3);
    const formatted = readLines<{ conversation_id: string; messages: { role: string }[] }>(join(folder, 'formatted_data.jsonl'));
    expect(formatted[0]!.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(formatted.map((entry) => entry.conversation_id)).toEqual(data.map((record) => record.conversation_id));

    // The conversation whose flow controller listed only an unknown pattern is rejected, with its reason.
    const rejections = readLines<Record<string, unknown>>(join(folder, 'blocks', 'lm_flow_controller.jsonl'));
    expect(JSON.stringify(rejections)).toContain('no_eligible_pattern');

    // What the prompts carry: seed scenarios, the pattern list and its JSON schema, the persona and hint, the history.
    const requests = generationRequests(server.requests);
    const scenario = requests.find((request) => promptOf(request).includes('Scenario:'))!;
    expect(promptOf(scenario)).toMatch(/- (A first-time hiker|Someone who just baked|A retired teacher)/);
    const flow = requests.find((request) => formatOf(request) === 'flow_controller')!;
    expect(flow.body.response_format.json_schema.schema.properties.eligible_patterns.items.enum).toContain('small_talk/goodbye');
    expect(promptOf(flow)).toContain('- small_talk/dig_deeper: The user builds on');
    const user = requests.filter((request) => promptOf(request).startsWith('You play a person')).at(-1)!;
    expect(user.body.messages[0].content).toMatch(/Who you are:\nRole: /);
    expect(user.body.messages[0].content).toContain('What your next message should do:');
    expect(user.body.messages.slice(1, 3).map((message: { role: string }) => message.role)).toEqual(['assistant', 'user']);
  });

  test("DGT's builder-level max_concurrent_conversations is accepted from a joint config; a bad value names its field", async () => {
    const { records, server } = await runSample({ numOutputsToGenerate: 1 }, { max_concurrent_conversations: 1 });
    expect(records).toHaveLength(1);
    expect(generationRequests(server.requests).length).toBeGreaterThan(0);
    await expect(runSample({}, { max_concurrent_conversations: 0 })).rejects.toThrow(expect.objectContaining({ field: 'databuilders.core/conversation.max_concurrent_conversations' }));
  });

  test('bad task fields stop the run before any call: an unknown stage exits 2 naming the task file and field', async () => {
    const dir = tempDir();
    const task = join(dir, 'task.yaml');
    writeFileSync(task, 'task_name: bad\ntask_description: d\ndata_builder: core/conversation\niteration_stages:\n  - name: lm/usr/guided\nseed_examples:\n  - { conversation_id: s, steps: [] }\n');
    await expect(prepareRun({ taskPaths: [task], outputDir: join(dir, 'out'), env: {}, cwd: dir })).rejects.toThrow(
      expect.objectContaining({ file: task, field: 'iteration_stages.0.name', message: expect.stringContaining('unknown stage `lm/usr/guided` (known: ') }),
    );
    writeFileSync(task, 'task_name: bad\ntask_description: d\ndata_builder: core/conversation\nmax_turn: 3\nseed_examples:\n  - { conversation_id: s, steps: [] }\n');
    await expect(prepareRun({ taskPaths: [task], outputDir: join(dir, 'out'), env: {}, cwd: dir })).rejects.toBeInstanceOf(ConfigError);
    const cli = await runCli(['run', '--task-paths', task, '--output-dir', join(dir, 'out')]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('max_turn');
    expect(existsSync(join(dir, 'out', 'bad', 'data.jsonl'))).toBe(false);
  });

  test('its builder YAML matches DGT: one ollama granite4:3b generator', async () => {
    expect(findBuilder('core/conversation', undefined)).toBe(coreConversation);
    const spec = await loadBuilderSpec(coreConversation.yamlPath);
    expect(spec.blocks.map((block) => [block.name, block.type, block['model_id_or_path']])).toEqual([['generator', 'ollama', 'granite4:3b']]);
    const blocks = resolveBlocks(spec, (_name, index) => ({ file: coreConversation.yamlPath, field: `blocks.${index}` }));
    expect(blocks.engine('generator').params).toMatchObject({ temperature: 0, maxTokens: 2048 });
  });
});
