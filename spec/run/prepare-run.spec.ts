import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import { prepareRun } from '../../lib/run/prepare-run.ts';
import { runTasks } from '../../lib/run/run-tasks.ts';
import { geography, geographyTask as geographyTaskFile, qaRows, raterTask, simulatedConfig, twoSeeds } from '../cli/cli-tasks.ts';
import { writeJointConfig } from '../cli/run-cli.ts';
import { configErrorOf, useTempDir, writeFiles } from '../config/temp-files.ts';
import { readLines } from '../helpers/read-lines.ts';
import { useTestServers } from '../helpers/test-servers.ts';

const start = useTestServers();
const tempDir = useTempDir();

/** A geography generation task file, with any extra top-level lines. */
function geographyTask(extra: string): string {
  return [
    'task_name: geo/task',
    'task_description: Geography pairs.',
    'data_builder: public/examples/geography_qa',
    'runner_config:',
    '  num_outputs_to_generate: 2',
    'seed_examples:',
    '  - question: Which river flows through Budapest?',
    '    answer: The Danube.',
    extra,
  ].join('\n');
}

describe('prepareRun', () => {
  test('a task with store_name writes under <output_dir>/<store_name>; its records keep the task name', async () => {
    const server = await start();
    const dir = await tempDir();
    await writeFiles(dir, { 'tasks/task.yaml': geographyTask('store_name: custom/place\n') });
    const config = writeJointConfig(dir, { 'public/examples/geography_qa': { block: 'generator', baseURL: server.baseURL } });
    const out = join(dir, 'out');
    const { tasks } = await prepareRun({ taskPaths: [join(dir, 'tasks')], configPath: config, outputDir: out, cwd: dir, env: {} });
    expect(tasks[0]?.dir).toBe(join(out, 'custom', 'place'));

    const records = await lastValueFrom(runTasks(tasks).pipe(toArray()));
    expect(records).toHaveLength(2);
    const written = readLines(join(out, 'custom', 'place', 'data.jsonl'));
    expect(written).toEqual(records);
    expect(written.every((record) => record['task_name'] === 'geo/task')).toBe(true);
    expect(readLines(join(out, 'geo', 'task', 'data.jsonl'))).toEqual([]);
  });

  test('without store_name the folder is <output_dir>/<task_name>', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'tasks/task.yaml': geographyTask('') });
    const { tasks } = await prepareRun({ taskPaths: [join(dir, 'tasks')], outputDir: join(dir, 'out'), cwd: dir, env: {} });
    expect(tasks[0]?.dir).toBe(join(dir, 'out', 'geo', 'task'));
  });
});

describe('prepareRun: a task on its own', () => {
  test('a bad `dataloader.fields` names the task file and the field; nothing is created', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const task = raterTask(dir, 'r', qaRows(2), { dataloader: { fields: { '*': 'nonsense' } } });
    const error = await configErrorOf(prepareRun({ taskPaths: [task], outputDir: out, restart: true, cwd: dir, env: {} }));
    expect(error.message).toBe(`${task}: field \`dataloader.fields\`: \`*\` keeps every field and must map to \`*\`, received "nonsense"`);
    expect(existsSync(out)).toBe(false);
  });

  test('a malformed path in `dataloader.fields` likewise', async () => {
    const dir = await tempDir();
    const task = raterTask(dir, 'r', qaRows(2), { dataloader: { fields: { 'a..b': 'c' } } });
    const error = await configErrorOf(prepareRun({ taskPaths: [task], outputDir: join(dir, 'out'), cwd: dir, env: {} }));
    expect(error.message).toBe(`${task}: field \`dataloader.fields\`: field path \`a..b\` is malformed: empty field name at position 2`);
  });

  test('a `final_datastore.store_name` inside the task\'s own `blocks/`: names the field', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const task = geographyTaskFile(dir, 't', { final_datastore: { store_name: 't/blocks' } });
    const error = await configErrorOf(prepareRun({ taskPaths: [task], outputDir: out, cwd: dir, env: {} }));
    expect(error.message).toBe(`${task}: field \`final_datastore.store_name\`: the output ${join(out, 't', 'blocks', 'final_data.jsonl')} would overwrite the task's own \`blocks/\` folder`);
  });

  test('a `multi_target` whose additional store is its primary\'s file: names the additional store and the primary', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const task = geographyTaskFile(dir, 't', { datastore: { type: 'multi_target', primary: { type: 'default' }, additional: [{ type: 'default' }] } });
    const error = await configErrorOf(prepareRun({ taskPaths: [task], outputDir: out, cwd: dir, env: {} }));
    expect(error.message).toBe(`${task}: field \`datastore.additional.0\`: the output ${join(out, 't', 'final_data.jsonl')} is also written by \`datastore.primary\`; two outputs may not write one file`);
  });

  test('a transformation with `dataloader: {type: simple}` (which loops over by default) makes one pass and ends', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const task = raterTask(dir, 'r', qaRows(3), { dataloader: { type: 'simple', loop_over: true } });
    const { tasks, close } = await prepareRun({ taskPaths: [task], configPath: simulatedConfig(dir), outputDir: out, cwd: dir, env: {} });
    try {
      await lastValueFrom(runTasks(tasks).pipe(toArray()));
    } finally {
      await close();
    }
    expect(readLines(join(out, 'r', 'task_results.jsonl'))).toEqual([expect.objectContaining({ status: 'completed' })]);
    const settled = readLines(join(out, 'r', 'data.jsonl')).length + readLines(join(out, 'r', 'blocks', 'rater.jsonl')).length;
    // Each row settled once: accepted into data.jsonl or rejected by the rater, never read again.
    expect(settled).toBe(3);
  });
});

describe('prepareRun: tasks of one run against each other', () => {
  /** Two geography task files `a.yaml` and `b.yaml` in a fresh dir, with the given names and extra fields. */
  async function twoTasks(first: [string, Record<string, unknown>?], second: [string, Record<string, unknown>?]) {
    const dir = await tempDir();
    const a = geographyTaskFile(dir, first[0], first[1] ?? {}, 'a.yaml');
    const b = geographyTaskFile(dir, second[0], second[1] ?? {}, 'b.yaml');
    return { dir, a, b, out: join(dir, 'out') };
  }

  test('two tasks with the same `store_name`: the second names both files', async () => {
    const { dir, a, b, out } = await twoTasks(['a', { store_name: 'shared' }], ['b', { store_name: 'shared' }]);
    const error = await configErrorOf(prepareRun({ taskPaths: [a, b], outputDir: out, cwd: dir, env: {} }));
    expect(error.message).toBe(`${b}: field \`store_name\`: the task's folder ${join(out, 'shared')} is also the folder of task \`a\` (${a}, field \`store_name\`); two tasks may not share a folder`);
    expect(existsSync(out)).toBe(false);
  });

  test('a `datastore.store_name` equal to another task\'s `task_name`', async () => {
    const { dir, a, b, out } = await twoTasks(['a'], ['b', { datastore: { store_name: 'a' } }]);
    const error = await configErrorOf(prepareRun({ taskPaths: [a, b], outputDir: out, cwd: dir, env: {} }));
    expect(error.message).toBe(`${b}: field \`datastore.store_name\`: the task's folder ${join(out, 'a')} is also the folder of task \`a\` (${a}, field \`task_name\`); two tasks may not share a folder`);
  });

  test.each([
    ['after', false],
    ['before', true],
  ])('a task folder inside another task\'s `blocks/` (listed %s it): the inner task is refused', async (_order, reversed) => {
    const { dir, a, b, out } = await twoTasks(['a'], ['a/blocks']);
    const error = await configErrorOf(prepareRun({ taskPaths: reversed ? [b, a] : [a, b], outputDir: out, cwd: dir, env: {} }));
    expect(error.message).toBe(`${b}: field \`task_name\`: the task's folder ${join(out, 'a', 'blocks')} would overlap the \`blocks/\` folder of task \`a\` (${a}, field \`task_name\`)`);
  });

  test('a task folder on another task\'s data file', async () => {
    const { dir, a, b, out } = await twoTasks(['a'], ['b', { store_name: 'a/data.jsonl' }]);
    const error = await configErrorOf(prepareRun({ taskPaths: [a, b], outputDir: out, cwd: dir, env: {} }));
    expect(error.message).toBe(`${b}: field \`store_name\`: the task's folder ${join(out, 'a', 'data.jsonl')} would overlap the \`data.jsonl\` of task \`a\` (${a}, field \`task_name\`)`);
  });

  test('a `final_datastore.store_name` pointing at another task\'s folder: the task that points is refused, whatever the order', async () => {
    const { dir, a, b, out } = await twoTasks(['a'], ['b', { final_datastore: { store_name: 'a' } }]);
    for (const taskPaths of [
      [a, b],
      [b, a],
    ]) {
      const error = await configErrorOf(prepareRun({ taskPaths, outputDir: out, cwd: dir, env: {} }));
      expect(error.message).toBe(`${b}: field \`final_datastore.store_name\`: the output ${join(out, 'a', 'final_data.jsonl')} is also an output of task \`a\` (${a}, field \`datastore\`); two tasks may not write one file`);
    }
  });

  test('an output inside another task\'s `blocks/`', async () => {
    const { dir, a, b, out } = await twoTasks(['a'], ['b', { final_datastore: { store_name: 'a/blocks' } }]);
    const error = await configErrorOf(prepareRun({ taskPaths: [a, b], outputDir: out, cwd: dir, env: {} }));
    expect(error.message).toBe(`${b}: field \`final_datastore.store_name\`: the output ${join(out, 'a', 'blocks', 'final_data.jsonl')} would overwrite the \`blocks/\` folder of task \`a\` (${a}, field \`task_name\`)`);
  });

  test('a task of the joint config is named by its place in the config', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const a = geographyTaskFile(dir, 'a', {}, 'a.yaml');
    const config = join(dir, 'joint.yaml');
    writeFileSync(config, stringify({ tasks: { inline: { task_description: 'A task of the config.', data_builder: geography, seed_examples: twoSeeds, store_name: 'a' } } }));
    const error = await configErrorOf(prepareRun({ taskPaths: [a], configPath: config, outputDir: out, cwd: dir, env: {} }));
    expect(error.message).toBe(`${config}: field \`tasks.inline.store_name\`: the task's folder ${join(out, 'a')} is also the folder of task \`a\` (${a}, field \`task_name\`); two tasks may not share a folder`);
  });

  test('nested task folders (`a` and `a/b`) are fine', async () => {
    const { dir, a, b, out } = await twoTasks(['a'], ['a/b']);
    const { tasks } = await prepareRun({ taskPaths: [a, b], outputDir: out, cwd: dir, env: {} });
    expect(tasks.map((task) => task.dir)).toEqual([join(out, 'a'), join(out, 'a', 'b')]);
  });
});
