import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { mergeBuilderSpec } from '../../lib/config/builder-spec.ts';
import { type LoadTasksOptions, loadTasks } from '../../lib/config/load-tasks.ts';
import { taskSpecSchemaWith } from '../../lib/config/task-spec.ts';
import { dgtExampleConfigs } from './dgt-example-configs.ts';
import { configErrorOf, tempDirWith, useTempDir } from './temp-files.ts';

const geographyTask = `task_name: public/examples/geography_qa
task_description: Generate questions and answers about world geography
created_by: IBM
data_builder: public/examples/geography_qa
seed_examples:
  - question: What is the capital of France?
    answer: Paris
  - question: Which river flows through Cairo?
    answer: The Nile
runner_config:
  num_outputs_to_generate: 10
  seed_batch_size: 3
`;

const header = (name: string, extra = '') => `task_name: ${name}\ntask_description: d\ncreated_by: me\ndata_builder: geo\n${extra}`;

describe('loadTasks', () => {
  const tempDir = useTempDir();
  const dirWith = tempDirWith(tempDir);

  /** `loadTasks` from `dir`, with an empty environment unless `options` gives one. */
  const load = (dir: string, paths: readonly string[], options: Omit<LoadTasksOptions, 'cwd'> = {}) =>
    loadTasks(paths, { cwd: dir, env: {}, ...options });

  /** The ConfigError of loading, by its absolute path, the `task.yaml` of a fresh temp dir; also that path and dir. */
  async function taskFileFailure(task: string, otherFiles: Record<string, string> = {}, options: Omit<LoadTasksOptions, 'cwd'> = {}) {
    const dir = await dirWith({ ...otherFiles, 'task.yaml': task });
    const file = join(dir, 'task.yaml');
    return { dir, file, error: await configErrorOf(load(dir, [file], options)) };
  }

  test('loads the DGT geography task with inline seeds', async () => {
    const dir = await dirWith({ 'tasks/geo/task.yaml': geographyTask });
    const { tasks, builderOverrides } = await load(dir, ['tasks/geo/task.yaml']);
    expect(tasks).toHaveLength(1);
    const [task] = tasks;
    expect(task?.file).toBe(join(dir, 'tasks/geo/task.yaml'));
    expect(task?.spec).toMatchObject({
      task_name: 'public/examples/geography_qa',
      data_builder: 'public/examples/geography_qa',
      runner_config: { num_outputs_to_generate: 10, seed_batch_size: 3 },
    });
    expect(task?.seeds).toEqual([
      { question: 'What is the capital of France?', answer: 'Paris' },
      { question: 'Which river flows through Cairo?', answer: 'The Nile' },
    ]);
    expect(task?.data).toBeUndefined();
    expect(builderOverrides).toEqual({});
  });

  test('expands ${DGT_DATA_DIR} with its default, relative to cwd', async () => {
    const dir = await dirWith({
      'tasks/task.yaml': header('geo', 'seed_datastore:\n  data_path: ${DGT_DATA_DIR}/geo/seeds.jsonl\n'),
      'data/geo/seeds.jsonl': '{"question":"q1","answer":"a1"}\n',
    });
    const [task] = (await load(dir, ['tasks/task.yaml'])).tasks;
    expect(task?.spec.seed_datastore?.data_path).toBe('data/geo/seeds.jsonl');
    expect(task?.seeds).toEqual([{ question: 'q1', answer: 'a1' }]);
  });

  test('expands an explicit DGT_DATA_DIR and other variables', async () => {
    const dir = await dirWith({
      'task.yaml': header('geo', 'seed_datastore:\n  data_path: ${DGT_DATA_DIR}/seeds.jsonl\nmetadata:\n  owner: $OWNER\n  missing: $NOT_SET\n'),
      'elsewhere/seeds.jsonl': '{"question":"q"}\n',
    });
    const [task] = (await load(dir, ['task.yaml'], { env: { DGT_DATA_DIR: join(dir, 'elsewhere'), OWNER: 'ada' } })).tasks;
    expect(task?.seeds).toEqual([{ question: 'q' }]);
    expect(task?.spec.metadata).toEqual({ owner: 'ada', missing: '$NOT_SET' });
  });

  test('include as a list merges YAML mappings, the task keys winning', async () => {
    const dir = await dirWith({
      'tasks/geo/task.yaml': 'include:\n  - ../common/*.yaml\ntask_name: geo\nrunner_config:\n  num_outputs_to_generate: 5\n',
      'tasks/common/a.yaml': 'task_description: from a\ncreated_by: a\ndata_builder: geo\nrunner_config:\n  seed_batch_size: 2\n',
      'tasks/common/b.yaml': 'created_by: b\nrunner_config:\n  machine_batch_size: 0\nstore_name: ${STORE}\n',
    });
    const [task] = (await load(dir, ['tasks/geo/task.yaml'], { env: { STORE: 'geo_store' } })).tasks;
    expect(task?.spec).toEqual({
      task_name: 'geo',
      task_description: 'from a',
      created_by: 'b',
      data_builder: 'geo',
      store_name: 'geo_store',
      runner_config: { num_outputs_to_generate: 5 },
    });
  });

  test('include as a mapping reads data files into fields, appending to lists', async () => {
    const dir = await dirWith({
      'tasks/task.yaml': header(
        'geo',
        'seed_examples:\n  - {question: inline}\ninclude:\n  seed_examples: [seeds/*.jsonl, more.yaml]\n  task_description: ${DOCS}/description.md\n',
      ),
      'tasks/seeds/1.jsonl': '{"question":"one"}\n',
      'tasks/seeds/2.jsonl': '{"question":"two"}\n',
      'tasks/more.yaml': '- question: three\n',
      'tasks/docs/description.md': 'Geography *questions*.\n',
    });
    const [task] = (await load(dir, ['tasks/task.yaml'], { env: { DOCS: 'docs' } })).tasks;
    expect(task?.seeds?.map((seed) => seed['question'])).toEqual(['inline', 'one', 'two', 'three']);
    expect(task?.spec.task_description).toBe('Geography *questions*.\n');
  });

  test('an include that matches nothing names the task file and the include field', async () => {
    const { file, error } = await taskFileFailure(header('geo', 'include:\n  seed_examples: nowhere/*.jsonl\n'));
    expect(error.file).toBe(file);
    expect(error.field).toBe('include.seed_examples');
    expect(error.message).toContain('no file matches');
  });

  test.each([
    ['jsonl', 'seeds.jsonl', '{"question":"q","answer":"a"}\n'],
    ['json', 'seeds.json', '[{"question":"q","answer":"a"}]'],
    ['yaml', 'seeds.yaml', '- question: q\n  answer: a\n'],
    ['csv', 'seeds.csv', 'question,answer\nq,a\n'],
  ])('seed_datastore reads %s', async (_format, name, text) => {
    const dir = await dirWith({ 'task.yaml': header('geo', `seed_datastore:\n  type: default\n  data_path: ${name}\n`), [name]: text });
    const [task] = (await load(dir, ['task.yaml'])).tasks;
    expect(task?.seeds).toEqual([{ question: 'q', answer: 'a' }]);
  });

  test('seed_datastore globs concatenate after inline seeds, filtered by data_formats', async () => {
    const dir = await dirWith({
      'task.yaml': header('geo', 'seed_examples:\n  - {question: inline}\nseed_datastore:\n  data_path: seeds/**/*\n  data_formats: [.jsonl]\n'),
      'seeds/b.jsonl': '{"question":"b"}\n',
      'seeds/a/a.jsonl': '{"question":"a"}\n',
      'seeds/readme.md': 'not seeds',
    });
    const [task] = (await load(dir, ['task.yaml'])).tasks;
    expect(task?.seeds?.map((seed) => seed['question'])).toEqual(['inline', 'a', 'b']);
  });

  test('a missing seed file names the task file and seed_datastore.data_path', async () => {
    const { dir, file, error } = await taskFileFailure(header('geo', 'seed_datastore:\n  data_path: ${DGT_DATA_DIR}/missing.jsonl\n'));
    expect(error.file).toBe(file);
    expect(error.field).toBe('seed_datastore.data_path');
    expect(error.message).toBe(`${file}: field \`seed_datastore.data_path\`: no file matches \`${join(dir, 'data/missing.jsonl')}\``);
  });

  test('transformation data: inline list or a datastore', async () => {
    const dir = await dirWith({
      'a/task.yaml': header('inline', 'data:\n  - {text: x}\n'),
      'b/task.yaml': header('stored', 'data:\n  data_path: rows.jsonl\n'),
      'rows.jsonl': '{"text":"y"}\n',
    });
    const { tasks } = await load(dir, ['.']);
    // A datastore is opened now (a bad path fails here) and read while the task runs.
    const rows = async (data: (typeof tasks)[number]['data']) => {
      if (data === undefined || Array.isArray(data)) return data;
      const read: unknown[] = [];
      for await (const { record } of (data as Exclude<typeof data, readonly unknown[]>).rows()) read.push(record);
      return read;
    };
    expect(await Promise.all(tasks.map(async (task) => [task.spec.task_name, await rows(task.data), task.seeds]))).toEqual([
      ['inline', [{ text: 'x' }], undefined],
      ['stored', [{ text: 'y' }], undefined],
    ]);
  });

  test('malformed YAML names the file and the line', async () => {
    const { file, error } = await taskFileFailure('task_name: geo\nseed_examples:\n  - question: what: is this\n');
    expect(error.file).toBe(file);
    expect(error.message).toMatch(new RegExp(`^${file}: invalid YAML at line 3, column \\d+`));
  });

  test('an unknown field is named by its path', async () => {
    const { file, error } = await taskFileFailure(header('geo', 'runner_config:\n  num_output: 3\n'));
    expect(error.field).toBe('runner_config.num_output');
    expect(error.message).toBe(`${file}: field \`runner_config.num_output\`: unknown field`);
  });

  test('a wrong type is named by its path', async () => {
    const { file, error } = await taskFileFailure(header('geo', 'runner_config:\n  num_outputs_to_generate: lots\n'));
    expect(error.field).toBe('runner_config.num_outputs_to_generate');
    expect(error.message).toBe(`${file}: field \`runner_config.num_outputs_to_generate\`: expected number, received string`);
  });

  test('a joint config overrides a task field by task_name and a builder block by name', async () => {
    const dir = await dirWith({
      'tasks/geo/task.yaml': geographyTask,
      'config.yaml': [
        'databuilders:',
        '  public/examples/geography_qa:',
        '    blocks:',
        '      - name: generator',
        '        type: openai',
        '        model_id_or_path: gpt-4o-mini',
        'tasks:',
        '  public/examples/geography_qa:',
        '    runner_config:',
        '      num_outputs_to_generate: 50',
        '',
      ].join('\n'),
    });
    const { tasks, builderOverrides } = await load(dir, ['tasks'], { configPath: 'config.yaml' });
    expect(tasks[0]?.spec.runner_config).toEqual({ num_outputs_to_generate: 50, seed_batch_size: 3 });
    expect(tasks[0]?.seeds).toHaveLength(2);
    const override = builderOverrides['public/examples/geography_qa'];
    expect(override).toEqual({ blocks: [{ name: 'generator', type: 'openai', model_id_or_path: 'gpt-4o-mini' }] });
    const builder = {
      name: 'public/examples/geography_qa',
      blocks: [{ name: 'generator', type: 'ollama', model_id_or_path: 'granite4:3b', num_ctx: 4096 }],
      postprocessors: [],
    };
    expect(mergeBuilderSpec(builder, override!).blocks).toEqual([{ name: 'generator', type: 'openai', model_id_or_path: 'gpt-4o-mini', num_ctx: 4096 }]);
  });

  test('a bad value from a joint-config override is reported against the task file', async () => {
    const config = { 'config.yaml': 'tasks:\n  geo:\n    runner_config: {seed_batch_size: 0}\n' };
    const { file, error } = await taskFileFailure(header('geo'), config, { configPath: 'config.yaml' });
    expect(error.file).toBe(file);
    expect(error.field).toBe('runner_config.seed_batch_size');
  });

  test('a task defined only in the joint config is created from it, with task_files loaded too', async () => {
    const dir = await dirWith({
      'conf/config.yaml': [
        'tasks:',
        '  public/instructlab/simple/causal:',
        '    task_description: causal reasoning',
        '    created_by: IBM',
        '    data_builder: public/instructlab/simple',
        '    include:',
        '      seed_examples: seeds.yaml',
        'task_files:',
        '  - ./tasks/geo/task.yaml',
        '',
      ].join('\n'),
      'conf/seeds.yaml': '- {question: why, answer: because}\n',
      'tasks/geo/task.yaml': geographyTask,
    });
    const configPath = join(dir, 'conf/config.yaml');
    const { tasks } = await load(dir, [], { configPath });
    expect(tasks.map((task) => [task.spec.task_name, task.file])).toEqual([
      ['public/examples/geography_qa', join(dir, 'tasks/geo/task.yaml')],
      ['public/instructlab/simple/causal', configPath],
    ]);
    expect(tasks[1]?.seeds).toEqual([{ question: 'why', answer: 'because' }]);
  });

  test('a config-only task is validated, errors naming the config and the task entry', async () => {
    const dir = await dirWith({ 'config.yaml': 'tasks:\n  solo:\n    task_description: d\n    data_builder: geo\n    runner_config: {num_outputs: 3}\n' });
    const configPath = join(dir, 'config.yaml');
    const error = await configErrorOf(load(dir, [], { configPath }));
    expect(error.file).toBe(configPath);
    expect(error.field).toBe('tasks.solo.runner_config.num_outputs');
    expect(error.message).toContain(configPath);
  });

  test("DGT's configs/public/examples joint configs load: `seed_examples: null` clears the inline seeds", async () => {
    const chitChat = 'task_name: public/examples/chit_chat\ntask_description: chat\ndata_builder: public/examples/chit_chat\nseed_examples:\n  - {scenario: inline}\n';
    const dir = await dirWith({
      ...dgtExampleConfigs,
      'tasks/public/examples/qa/task.yaml': geographyTask,
      'tasks/public/examples/chit_chat/task.yaml': chitChat,
      'data/public/examples/qa/seed_examples.jsonl': '{"question": "Highest mountain?", "answer": "Everest"}\n',
      'data/public/examples/chit_chat/seed_examples.jsonl': '{"scenario": "a"}\n{"scenario": "b"}\n',
    });
    const qa = await load(dir, ['tasks/public/examples/qa'], { configPath: 'configs/public/examples/openai_qa.yaml' });
    expect(qa.tasks[0]?.spec.seed_examples).toBeUndefined();
    expect(qa.tasks[0]?.spec.seed_datastore?.data_path).toBe('data/public/examples/qa/seed_examples.jsonl');
    expect(qa.tasks[0]?.seeds).toEqual([{ question: 'Highest mountain?', answer: 'Everest' }]);
    const chat = await load(dir, ['tasks/public/examples/chit_chat'], { configPath: 'configs/public/examples/openai_chit_chat.yaml' });
    expect(chat.tasks[0]?.seeds).toEqual([{ scenario: 'a' }, { scenario: 'b' }]);
    expect(chat.builderOverrides['public/examples/chit_chat']).toMatchObject({ data_builder: 'core/conversation' });
  });

  test('a null nested in a task override clears that key only', async () => {
    const dir = await dirWith({ 'tasks/task.yaml': geographyTask, 'config.yaml': 'tasks:\n  public/examples/geography_qa:\n    runner_config: {seed_batch_size: null}\n' });
    const { tasks } = await load(dir, ['tasks'], { configPath: 'config.yaml' });
    expect(tasks[0]?.spec.runner_config).toEqual({ num_outputs_to_generate: 10 });
    expect(tasks[0]?.seeds).toHaveLength(2);
  });

  test('--config-path alone: a whole task under `tasks:` is a complete run, its nulls dropped and its key naming it', async () => {
    const dir = await dirWith({
      'config.yaml': 'tasks:\n  solo:\n    task_name: other\n    task_description: d\n    data_builder: geo\n    seed_examples:\n      - {question: q}\n    metadata: null\n',
    });
    const { tasks } = await load(dir, [], { configPath: 'config.yaml' });
    expect(tasks.map((task) => [task.spec.task_name, task.fieldPrefix])).toEqual([['solo', 'tasks.solo']]);
    expect(tasks[0]?.spec.metadata).toBeUndefined();
    expect(tasks[0]?.seeds).toEqual([{ question: 'q' }]);
  });

  test('a `tasks:` entry no task file defines needs data_builder, the error naming the config entry', async () => {
    const dir = await dirWith({ 'tasks/task.yaml': header('geo'), 'config.yaml': 'tasks:\n  gone:\n    seed_examples: null\n' });
    const configPath = join(dir, 'config.yaml');
    const error = await configErrorOf(load(dir, ['tasks'], { configPath }));
    expect(error.file).toBe(configPath);
    expect(error.field).toBe('tasks.gone.data_builder');
    expect(error.message).toContain('task `gone` is not in any task file (none of the 1 task file(s) defines it)');
  });

  test('no task paths and a config without tasks or task_files loads no tasks, keeping its builder overrides', async () => {
    const dir = await dirWith({ 'config.yaml': 'databuilders:\n  geo:\n    max_workers: 2\n' });
    expect(await load(dir, [], { configPath: 'config.yaml' })).toEqual({ tasks: [], failed: [], builderOverrides: { geo: { max_workers: 2 } } });
  });

  test('a builder YAML passed as the joint config is rejected', async () => {
    const dir = await dirWith({ 'qa.yaml': 'name: geo\nblocks: []\n', 'task.yaml': header('geo') });
    const error = await configErrorOf(load(dir, ['task.yaml'], { configPath: 'qa.yaml' }));
    expect(error.message).toContain(`${join(dir, 'qa.yaml')}: this file looks like a builder YAML`);
  });

  test('directories are walked for task.yaml and qna.yaml in sorted order', async () => {
    const dir = await dirWith({
      'tasks/z/task.yaml': header('z'),
      'tasks/b/task.yaml': header('b'),
      'tasks/a-b/task.yaml': header('a-b'),
      'tasks/a/task.yaml': header('a'),
      'tasks/a/deep/qna.yaml': header('a_deep'),
      'tasks/a/other.yaml': 'not: a task\n',
      'tasks/c/notes.md': 'ignored',
    });
    const { tasks } = await load(dir, ['tasks']);
    expect(tasks.map((task) => task.spec.task_name)).toEqual(['a_deep', 'a', 'a-b', 'b', 'z']);
    expect(tasks[0]?.file).toBe(join(dir, 'tasks/a/deep/qna.yaml'));
  });

  test('the same file reached twice loads once', async () => {
    const dir = await dirWith({ 'tasks/a/task.yaml': header('a') });
    const { tasks } = await load(dir, ['tasks', 'tasks/a/task.yaml']);
    expect(tasks).toHaveLength(1);
  });

  test('a duplicate task_name across files names both files', async () => {
    const dir = await dirWith({ 'tasks/one/task.yaml': header('geo'), 'tasks/two/task.yaml': header('geo') });
    const error = await configErrorOf(load(dir, ['tasks']));
    expect(error.message).toContain(join(dir, 'tasks/one/task.yaml'));
    expect(error.message).toContain(join(dir, 'tasks/two/task.yaml'));
    expect(error.field).toBe('task_name');
  });

  test('a missing task path is "file not found"', async () => {
    const dir = await tempDir();
    const error = await configErrorOf(load(dir, ['nope/task.yaml']));
    expect(error.message).toBe(`${join(dir, 'nope/task.yaml')}: file not found`);
  });

  test('taskSchema picks a builder-specific schema by data_builder', async () => {
    const dir = await dirWith({
      'a/task.yaml': header('chat', 'max_turns: 6\n').replace('data_builder: geo', 'data_builder: core/conversation'),
      'b/task.yaml': header('geo', 'max_turns: 6\n'),
    });
    const conversation = taskSpecSchemaWith({ max_turns: z.int().min(1) });
    const taskSchema = (builder: string) => (builder === 'core/conversation' ? conversation : undefined);
    const [chat] = (await load(dir, ['a'], { taskSchema })).tasks;
    expect(chat?.spec).toMatchObject({ task_name: 'chat', max_turns: 6 });
    const error = await configErrorOf(load(dir, ['b'], { taskSchema }));
    expect(error.field).toBe('max_turns');
    expect(error.message).toContain('unknown field');
  });

  test('keepGoing: a task file that cannot be read is set aside, and a joint-config task it may have overridden is set aside too, not run alone', async () => {
    const dir = await dirWith({
      'a/task.yaml': geographyTask,
      'b/task.yaml': 'task_name: [unclosed\n',
      'config.yaml': 'task_files: [a/task.yaml, b/task.yaml]\ntasks:\n  b_task:\n    data_builder: public/examples/geography_qa\n    runner_config: { num_outputs_to_generate: 3 }\n',
    });
    const { tasks, failed } = await load(dir, [], { configPath: 'config.yaml', keepGoing: true });
    expect(tasks.map((task) => task.file)).toEqual([join(dir, 'a', 'task.yaml')]);
    expect(failed.map(({ file, error }) => [file, error.field])).toEqual([
      [join(dir, 'b', 'task.yaml'), undefined],
      [join(dir, 'config.yaml'), 'tasks.b_task'],
    ]);
    expect(failed[1]?.error.message).toContain('is in no task file that could be read, and 1 could not');
  });
});
