import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { parse, stringify } from 'yaml';
import { afterEach, describe, expect, test } from 'vitest';
import { toolCallingMultiTurnStateless } from '../../../builders/tool-calling/index.ts';
import { findBuilder } from '../../../lib/builder-registry.ts';
import { clearAdmissions } from '../../../lib/model/admission-registry.ts';
import { prepareRun } from '../../../lib/run/prepare-run.ts';
import { runTasks } from '../../../lib/run/run-tasks.ts';
import { generationRequests, repoRoot, runCli, writeBlockConfig } from '../../cli/run-cli.ts';
import { readLines } from '../../helpers/read-lines.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { builder as builderName, firstPlan, generatorBlock, lastUser, noBacktranslationResponder, responder, results, simulatorConfig, system } from './answers.ts';

const start = useTestServers();
afterEach(() => clearAdmissions());

/** Copies the library sample into a temp dir, its tool simulator and builder block pointed at the test server. */
function prepareSample(baseURL: string, edit: (task: Record<string, any>) => void = () => {}): { dir: string; taskDir: string; config: string } {
  const dir = tempDir();
  const taskDir = join(dir, 'library');
  cpSync(join(repoRoot, 'samples', 'tool-calling', 'library'), taskDir, { recursive: true });
  const task = parse(readFileSync(join(taskDir, 'task.yaml'), 'utf8')) as Record<string, any>;
  task['tools'].engines.lm_simulator.lm_config = simulatorConfig(baseURL);
  task['initialization_stages'][1].sampler_mix[0].sampler.k = 4;
  task['min_plan_length'] = 2;
  task['max_concurrent_conversations'] = 1;
  edit(task);
  writeFileSync(join(taskDir, 'task.yaml'), stringify(task));
  const config = writeBlockConfig(dir, { [builderName]: generatorBlock(baseURL) });
  return { dir, taskDir, config };
}

function rejections(folder: string): Record<string, any>[] {
  const blocks = join(folder, 'blocks');
  if (!existsSync(blocks)) return [];
  return readdirSync(blocks).flatMap((file) => readLines<Record<string, any>>(join(blocks, file)));
}

describe('tool_calling/multi_turn/stateless end to end (the library sample against a test server)', () => {
  test('writes DGT tool-calling conversations, formatted examples, and rejections with clear reasons', async () => {
    const server = await start({ respond: responder(), recordRequests: true });
    const { dir, taskDir, config } = prepareSample(server.baseURL);
    const out = join(dir, 'out');
    const run = await prepareRun({ taskPaths: [taskDir], configPath: config, outputDir: out, env: {}, cwd: dir, numOutputsToGenerate: 3, seed: 1 });
    try {
      await lastValueFrom(runTasks(run.tasks).pipe(toArray()));
    } finally {
      await run.close();
    }
    const folder = join(out, 'samples', 'tool_calling', 'library');
    const data = readLines<Record<string, any>>(join(folder, 'data.jsonl'));
    expect(data).toHaveLength(3);
    for (const record of data) {
      expect(record).toMatchObject({ task_name: 'samples/tool_calling/library', is_seed: false, branch_point: null });
      const roles = record.steps.map((step: { role: string }) => step.role).filter((role: string) => role !== 'tool_call' && role !== 'tool_result');
      expect(roles).toEqual(['persona', 'tc/sampler', 'tc/plan', 'tc/user', 'assistant', 'tc/plan', 'tc/user', 'assistant']);
      const sampler = record.steps[1];
      expect(sampler.tools.map((tool: { name: string }) => tool.name).sort()).toEqual(['find_member', 'renew_loans', 'reserve_book', 'search_catalog']);
      expect(sampler.tools[0]).toMatchObject({ namespace: 'library', description: expect.any(String), parameters: { type: 'object' }, output_parameters: { type: 'object' } });
      expect(sampler.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(record.steps[2].plan[1]).toEqual({ name: 'reserve_book', namespace: 'library', qualified_name: 'library::reserve_book', arguments: firstPlan[1]!.arguments, call_id: '$2' });
      expect(record.steps[3]).toMatchObject({ role: 'tc/user', stage_name: 'tool_calling/multi_turn/stages/user', required_terms: expect.arrayContaining(['alice@example.org', 'BK-1001', 'Central']) });
      expect(record.steps[3].hidden_set).toEqual([{ name: 'find_member', arguments: { email: 'alice@example.org' }, id: '$1' }]);
      // The executed calls: references filled in from earlier results, each followed by its result.
      const executed = record.steps.filter((step: { role: string; stage_name: string }) => step.stage_name === 'tool_calling/multi_turn/stages/execute');
      expect(executed.map((step: { content: unknown }) => step.content)).toEqual([
        { name: 'find_member', arguments: { email: 'alice@example.org' }, id: '$1' },
        { id: '$1', name: 'find_member', result: results['find_member'] },
        { name: 'reserve_book', arguments: { book_id: 'BK-1001', member_id: 'M-77', pickup_branch: 'Central' }, id: '$2' },
        { id: '$2', name: 'reserve_book', result: results['reserve_book'] },
        { name: 'search_catalog', arguments: { title: 'Dune', author: 'Herbert' }, id: '$3' },
        { id: '$3', name: 'search_catalog', result: results['search_catalog'] },
        { name: 'renew_loans', arguments: { member_id: 'M-77', weeks: 2 }, id: '$4' },
        { id: '$4', name: 'renew_loans', result: results['renew_loans'] },
      ]);
      // error_hint put a wrong call and its hint before one real call (the predicted call differs from all made).
      const hints = record.steps.filter((step: { stage_name: string }) => step.stage_name === 'tool_calling/multi_turn/stages/error_hint');
      expect(hints).toEqual([
        expect.objectContaining({ role: 'tool_call', content: { name: 'find_member', arguments: { email: 'bob@example.org' } } }),
        expect.objectContaining({ role: 'tool_result', content: 'Check whose address the card is under' }),
      ]);
      const hintAt = record.steps.indexOf(record.steps.find((step: { stage_name: string }) => step.stage_name === 'tool_calling/multi_turn/stages/error_hint'));
      expect(record.steps[hintAt + 2].stage_name).toBe('tool_calling/multi_turn/stages/execute');
    }
    const formatted = readLines<{ messages: { role: string }[]; tools: unknown[] }>(join(folder, 'formatted_data.jsonl'));
    expect(formatted).toHaveLength(3);
    expect(formatted[0]!.tools).toHaveLength(4);
    expect(formatted[0]!.messages[0]!.role).toBe('user');

    // Dropped conversations: each names its stage and why.
    const rejected = JSON.stringify(rejections(folder));
    expect(rejected).toContain('plan_unusable');
    expect(rejected).toContain('the answer holds no JSON list of tool calls');
    expect(rejected).toContain('`launch_rocket`, which is not in the catalogue');
    expect(rejected).toContain('filter_rejected');
    expect(rejected).toContain('The member id is invented.');

    // The conversation whose turn-2 search failed was kept at its first turn, then rejected by the filter.
    const kept = rejections(folder).find((line) => JSON.stringify(line).includes('filter_rejected'))!;
    expect(kept['steps'].filter((step: { role: string }) => step.role === 'tc/plan')).toHaveLength(1);
    expect(kept['steps'].at(-1)).toMatchObject({ role: 'assistant', content: 'I placed the hold and it will be ready by 2 May.' });

    // What the prompts carried.
    const requests = generationRequests(server.requests);
    const plan = requests.find((request) => system(request).startsWith('You are a planning agent'))!;
    expect(lastUser(plan)).toMatch(/<persona>\nRole: /);
    expect(lastUser(plan)).toContain('"output_parameters"');
    expect(system(plan)).toContain('$1.some_output');
    const userRequest = requests.find((request) => system(request).startsWith('You write what a user says'))!;
    expect(lastUser(userRequest)).toMatch(/<hidden>\n\[\n {4}\{\n {8}"role": "assistant",\n {8}"content": \{\n {12}"name": "find_member"/);
    const summary = requests.find((request) => system(request).startsWith('You are an assistant who has just run'))!;
    expect(summary.body.temperature).toBe(0.001);
    const prediction = requests.find((request) => system(request).startsWith('You are an assistant that uses tools'))!;
    expect(prediction.body.messages.some((message: { role: string; tool_calls?: unknown[] }) => message.role === 'assistant' && message.tool_calls)).toBe(true);
    expect(prediction.body.messages.some((message: { role: string }) => message.role === 'tool')).toBe(true);

    // Conversations per LM call (reported by the brief): records kept over generation requests.
    expect(requests.length).toBeGreaterThan(0);
    // 6 conversations (3 kept, 2 dropped while planning, 1 rejected by the filter) for 62 calls (n: 1, tool simulator included).
    expect(data.length + rejections(folder).length).toBe(6);
  });

  test('the no_bt ablation sample (inline tools, no nesting) runs without a verifier', async () => {
    const server = await start({ recordRequests: true, respond: noBacktranslationResponder() });
    const dir = tempDir();
    const taskDir = join(dir, 'no-bt');
    cpSync(join(repoRoot, 'samples', 'tool-calling', 'library-no-bt'), taskDir, { recursive: true });
    const task = parse(readFileSync(join(taskDir, 'task.yaml'), 'utf8')) as Record<string, any>;
    task['tools'].engines.lm_simulator.lm_config = simulatorConfig(server.baseURL);
    task['max_turns'] = 1;
    task['max_plan_length'] = 1;
    writeFileSync(join(taskDir, 'task.yaml'), stringify(task));
    const config = writeBlockConfig(dir, { [builderName]: generatorBlock(server.baseURL) });
    const out = join(dir, 'out');
    const run = await prepareRun({ taskPaths: [taskDir], configPath: config, outputDir: out, env: {}, cwd: dir, numOutputsToGenerate: 2, seed: 3 });
    try {
      await lastValueFrom(runTasks(run.tasks).pipe(toArray()));
    } finally {
      await run.close();
    }
    const data = readLines<Record<string, any>>(join(out, 'samples', 'tool_calling', 'library_no_bt', 'data.jsonl'));
    expect(data).toHaveLength(2);
    expect(data[0]!.steps.map((step: { role: string }) => step.role)).toEqual(['persona', 'tc/sampler', 'tc/plan', 'tc/user', 'tool_call', 'tool_result', 'tool_call', 'tool_result', 'assistant']);
    expect(data[0]!.steps[3].hidden_set).toEqual([]);
    expect(data[0]!.steps[4].content).toEqual({ name: 'search_catalog', arguments: { title: 'Dune' } });
    const requests = generationRequests(server.requests);
    expect(requests.some((request) => system(request).startsWith("You are an assistant that answers a user's request"))).toBe(false);
  });

  describe('bad task input stops the run with exit 2, naming the file and field', () => {
    const cases: [string, (task: Record<string, any>) => void, string, RegExp][] = [
      ['an unknown sampler', (task) => (task['initialization_stages'][1].sampler_mix[0].sampler.type = 'tc/lucky'), 'initialization_stages.1.sampler_mix.0.sampler.type', /unknown tool sampler "tc\/lucky"/],
      ['an unknown engine name', (task) => (task['tools'].registry[0].engine = 'simulator'), 'tools.registry.0.engine', /engine `simulator` is not among `tools.engines` \(lm_simulator\)/],
      ['an unknown engine type', (task) => (task['tools'].engines.lm_simulator.type = 'oracle'), 'tools.engines.lm_simulator.type', /unknown tool engine "oracle"/],
      ['a tools block that does not parse', (task) => (task['tools'] = { registry: 'library_tools.yaml' }), 'tools.registry', /.+/],
      ['no tools block', (task) => delete task['tools'], 'tools', /missing required field/],
      ['min_plan_length above max_plan_length', (task) => (task['min_plan_length'] = 5), 'min_plan_length', /at most max_plan_length/],
      ['an unknown termination stage', (task) => (task['termination_stages'][0].name = 'tool_calling/multi_turn/stages/judge'), 'termination_stages.0.name', /unknown stage/],
    ];
    test.each(cases)('%s', async (_, edit, field, message) => {
      const { dir, taskDir } = prepareSample('http://127.0.0.1:9', edit);
      await expect(prepareRun({ taskPaths: [taskDir], outputDir: join(dir, 'out'), env: {}, cwd: dir })).rejects.toThrow(
        expect.objectContaining({ file: join(taskDir, 'task.yaml'), field, message: expect.stringMatching(message) }),
      );
    });

    test('a tool file that does not parse is found when the run starts: the CLI exits 2 naming it', async () => {
      const server = await start({ respond: responder() });
      const { dir, taskDir, config } = prepareSample(server.baseURL);
      writeFileSync(join(taskDir, 'library_tools.yaml'), 'library: [ {name: find_member\n');
      const cli = await runCli(['run', '--task-paths', taskDir, '--config-path', config, '--output-dir', join(dir, 'out'), '--num-outputs-to-generate', '1']);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toContain('library_tools.yaml');
    });
  });

  test("its builder YAML is DGT's: one generator block, asked for 8 answers", () => {
    expect(findBuilder(builderName, undefined)).toBe(toolCallingMultiTurnStateless);
    const spec = parse(readFileSync(toolCallingMultiTurnStateless.yamlPath, 'utf8')) as { name: string; blocks: Record<string, unknown>[] };
    expect(spec.name).toBe(builderName);
    expect(spec.blocks).toEqual([expect.objectContaining({ name: 'generator', type: 'ollama', model_id_or_path: 'openai/gpt-oss-20b', n: 8 })]);
  });
});
