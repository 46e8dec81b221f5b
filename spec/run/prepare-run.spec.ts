import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { prepareRun } from '../../lib/run/prepare-run.ts';
import { runTasks } from '../../lib/run/run-tasks.ts';
import { writeJointConfig } from '../cli/run-cli.ts';
import { useTempDir, writeFiles } from '../config/temp-files.ts';
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
