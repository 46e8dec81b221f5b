/**
 * Names and places that must never let a run write or delete outside its task folder, and the one-line errors (exit
 * 2) for output folders and data files that cannot be used. Engines: the offline `simulated` block type.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';
import { corruptRowGroup, writeParquet } from '../store/sources/fixtures.ts';
import { filesUnder, geography, geographyTask, qaRows, raterTask, simulatedConfig, stderrLines, twoSeeds, wholeLines } from './cli-tasks.ts';
import { type CliResult, runCli } from './run-cli.ts';

/** Runs the CLI on one task file with the simulated engine. */
function run(dir: string, task: string, out: string, ...more: string[]): Promise<CliResult> {
  return runCli(['run', '--task-paths', task, '--config-path', simulatedConfig(dir), '--output-dir', out, ...more]);
}

/** Exit 2 with exactly one stderr line holding (or matching) every text given. */
function expectOneLine(result: CliResult, ...texts: (string | RegExp)[]): void {
  expect(result.code).toBe(2);
  const lines = stderrLines(result.stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^rxdgt: /);
  for (const text of texts) expect(lines[0]).toMatch(text);
}

describe('rxdgt run: a task name or store name that leads out of the output folder', () => {
  it('`task_name: ../../victim` with --restart: exit 2 naming the file and `task_name`; nothing touched', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a', 'victim'), { recursive: true });
    writeFileSync(join(dir, 'a', 'victim', 'keep.txt'), 'keep');
    const out = join(dir, 'a', 'b', 'out');
    const task = geographyTask(dir, '../../victim');
    const result = await run(dir, task, out, '--restart');
    expectOneLine(result, task, 'field `task_name`', '`../../victim`', out);
    expect(readFileSync(join(dir, 'a', 'victim', 'keep.txt'), 'utf8')).toBe('keep');
    expect(existsSync(join(dir, 'a', 'b'))).toBe(false);
  });

  it('`store_name: ../escaped`: exit 2 naming the file and `store_name`; nothing written outside (or inside) the output folder', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 't', { store_name: '../escaped' });
    const result = await run(dir, task, out, '--restart');
    expectOneLine(result, task, 'field `store_name`', '`../escaped`');
    expect(existsSync(join(dir, 'escaped'))).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('`datastore.store_name: ../escaped`: names `datastore.store_name`', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 't', { datastore: { store_name: '../escaped' } });
    expectOneLine(await run(dir, task, out), task, 'field `datastore.store_name`', '`../escaped`');
    expect(existsSync(join(dir, 'escaped'))).toBe(false);
  });

  it('a task of the joint config with `store_name: ../escaped`: names the config and `tasks.<name>.store_name`', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    mkdirSync(join(dir, 'no-task-files'));
    const config = join(dir, 'joint.yaml');
    writeFileSync(
      config,
      stringify({
        databuilders: { [geography]: { blocks: [{ name: 'generator', type: 'simulated', model_id_or_path: 'dry-run' }] } },
        tasks: { inline: { task_description: 'A task of the config.', data_builder: geography, seed_examples: twoSeeds, store_name: '../escaped' } },
      }),
    );
    const result = await runCli(['run', '--task-paths', join(dir, 'no-task-files'), '--config-path', config, '--output-dir', out]);
    expectOneLine(result, `rxdgt: ${config}: field \`tasks.inline.store_name\`: \`../escaped\``);
    expect(existsSync(join(dir, 'escaped'))).toBe(false);
  });

  it('a rater task named `..`: exit 2; the parent folder and another task\'s data in it untouched', async () => {
    const dir = tempDir();
    const parent = join(dir, 'out');
    // Another task's finished output, beside the output folder this run gets.
    const other = join(parent, 'other');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(parent, 'data.jsonl'), '{"kept":1}\n');
    writeFileSync(join(other, 'data.jsonl'), '{"kept":2}\n');
    const task = raterTask(dir, '..', qaRows(2));
    const result = await run(dir, task, join(parent, 'sub'), '--restart');
    expectOneLine(result, task, 'field `task_name`', '`..`');
    expect(readFileSync(join(parent, 'data.jsonl'), 'utf8')).toBe('{"kept":1}\n');
    expect(readFileSync(join(other, 'data.jsonl'), 'utf8')).toBe('{"kept":2}\n');
    expect(existsSync(join(parent, 'sub'))).toBe(false);
  });
});

describe('rxdgt run --restart of a task whose folder holds another task\'s folder', () => {
  it('removes only the restarted task\'s files: `t/sub/data.jsonl` stays', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const outer = geographyTask(dir, 't', { runner_config: { num_outputs_to_generate: 3 } }, 'outer.yaml');
    const inner = geographyTask(dir, 't/sub', { runner_config: { num_outputs_to_generate: 2 } }, 'inner.yaml');
    expect((await run(dir, outer, out)).code).toBe(0);
    expect((await run(dir, inner, out)).code).toBe(0);
    const innerData = readFileSync(join(out, 't', 'sub', 'data.jsonl'), 'utf8');
    expect(wholeLines(join(out, 't', 'sub', 'data.jsonl'))).toHaveLength(2);
    writeFileSync(join(out, 't', 'notes.txt'), 'mine');

    const restarted = await run(dir, outer, out, '--restart', '--num-outputs-to-generate', '1');
    expect([restarted.code, restarted.stderr]).toEqual([0, '']);
    expect(wholeLines(join(out, 't', 'data.jsonl'))).toHaveLength(1);
    expect(wholeLines(join(out, 't', 'task_results.jsonl'))).toHaveLength(1);
    expect(readFileSync(join(out, 't', 'sub', 'data.jsonl'), 'utf8')).toBe(innerData);
    expect(existsSync(join(out, 't', 'sub', 'final_data.jsonl'))).toBe(true);
    expect(readFileSync(join(out, 't', 'notes.txt'), 'utf8')).toBe('mine');
  });
});

/** Whether `chattr +i` works here (it needs root and a file system that supports it). */
function chattrWorks(dir: string): boolean {
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `body` with `dir` unwritable: `chmod` for a user, `chattr +i` for root (which ignores permissions); undone
 * before the temp dirs are removed. False when neither works here.
 */
async function whileReadOnly(dir: string, body: () => Promise<void>): Promise<boolean> {
  const root = process.getuid?.() === 0;
  if (root && !chattrWorks(dir)) return false;
  execFileSync(root ? 'chattr' : 'chmod', [root ? '+i' : 'a-w', dir]);
  try {
    await body();
  } finally {
    execFileSync(root ? 'chattr' : 'chmod', [root ? '-i' : 'u+w', dir]);
  }
  return true;
}

describe('rxdgt run: places that cannot be used are bad input, one line naming the path and the cause', () => {
  it('a read-only output folder', async (context) => {
    const dir = tempDir();
    const out = join(dir, 'out');
    mkdirSync(out);
    const task = geographyTask(dir, 't');
    const done = await whileReadOnly(out, async () => {
      expectOneLine(await run(dir, task, out), `rxdgt: ${out}`, /: permission denied$/);
    });
    expect(existsSync(join(out, 't'))).toBe(false);
    if (!done) context.skip('root ignores permissions, and chattr is not available here');
  });

  it('a read-only task folder that already exists (a resume): nothing of it changes', async (context) => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 't');
    expect((await run(dir, task, out)).code).toBe(0);
    const done = await whileReadOnly(join(out, 't'), async () => {
      const before = readFileSync(join(out, 't', 'data.jsonl'), 'utf8');
      expectOneLine(await run(dir, task, out), `rxdgt: ${join(out, 't')}`, /: permission denied$/);
      expect(readFileSync(join(out, 't', 'data.jsonl'), 'utf8')).toBe(before);
    });
    if (!done) context.skip('root ignores permissions, and chattr is not available here');
  });

  it('an output folder that is a file', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    writeFileSync(out, 'a file');
    expectOneLine(await run(dir, geographyTask(dir, 't'), out), `rxdgt: ${out}`, /: (it|a parent of it) is a file, not a (folder|directory)$/);
    expect(readFileSync(out, 'utf8')).toBe('a file');
  });

  it('a data.jsonl that is a folder', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    mkdirSync(join(out, 't', 'data.jsonl'), { recursive: true });
    expectOneLine(await run(dir, geographyTask(dir, 't'), out), `rxdgt: ${join(out, 't', 'data.jsonl')}: `, /is a folder, (not|expected) a file$/);
  });

  it.each(['.rxdgt.lock', '.rxdgt.lock.json'])('a lock file %s that is a folder: names it', async (name) => {
    const dir = tempDir();
    const out = join(dir, 'out');
    mkdirSync(join(out, 't', name), { recursive: true });
    expectOneLine(await run(dir, geographyTask(dir, 't'), out), `rxdgt: ${join(out, 't', name)}: cannot write the task's lock: it is a directory, not a file`);
    expect(existsSync(join(out, 't', 'data.jsonl'))).toBe(false);
  });

  it('a corrupt Parquet seed file', async () => {
    const dir = tempDir();
    const seeds = join(dir, 'seeds.parquet');
    writeFileSync(seeds, 'PAR1 this is not a Parquet file PAR1');
    const task = geographyTask(dir, 't', { seed_examples: undefined, seed_datastore: { data_path: seeds } });
    expectOneLine(await run(dir, task, join(dir, 'out')), seeds, 'not a valid Parquet file');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a Parquet seed file whose footer is sound but a row group is garbage', async () => {
    const dir = tempDir();
    const seeds = writeParquet(
      join(dir, 'seeds.parquet'),
      [
        { name: 'question', data: ['Where?', 'Why?', 'When?', 'Who?'], type: 'STRING' },
        { name: 'answer', data: ['Here.', 'Because.', 'Now.', 'Me.'], type: 'STRING' },
      ],
      2,
    );
    corruptRowGroup(seeds, 1);
    const task = geographyTask(dir, 't', { seed_examples: undefined, seed_datastore: { data_path: seeds } });
    expectOneLine(await run(dir, task, join(dir, 'out')), `rxdgt: ${seeds}: not a valid Parquet file: `);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a ragged CSV seed file: the line and the field counts', async () => {
    const dir = tempDir();
    const seeds = join(dir, 'seeds.csv');
    writeFileSync(seeds, 'question,answer\nWhere?,Here.\nWhy?,Because.,and more\n');
    const task = geographyTask(dir, 't', { seed_examples: undefined, seed_datastore: { data_path: seeds } });
    expectOneLine(await run(dir, task, join(dir, 'out')), seeds, 'line 3: expected 2 CSV fields like the header, found 3');
  });

  it('an unknown datastore type: names `datastore.type` and the known types', async () => {
    const dir = tempDir();
    const task = geographyTask(dir, 't', { datastore: { type: 's3' } });
    expectOneLine(await run(dir, task, join(dir, 'out')), task, 'field `datastore.type`', 'unknown datastore type `s3`', 'known: default, sqlite, multi_target');
  });
});

/** Every file under `dir` with its content, to show a refused run changed nothing. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(filesUnder(dir).map((path) => [path, readFileSync(path, 'utf8')]));
}

/** Runs the CLI on several task files with the simulated engine. */
function runAll(dir: string, tasks: readonly string[], out: string, ...more: string[]): Promise<CliResult> {
  return runCli(['run', '--task-paths', ...tasks, '--config-path', simulatedConfig(dir), '--output-dir', out, ...more]);
}

describe('rxdgt run: task layouts refused before anything is touched (exit 2, one line naming the file and the field)', () => {
  it('a bad `dataloader.fields` with --restart: the task\'s earlier data stays', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    expect((await run(dir, geographyTask(dir, 't'), out)).code).toBe(0);
    const before = snapshot(out);
    expect(Object.keys(before)).toContain(join(out, 't', 'data.jsonl'));
    const task = geographyTask(dir, 't', { dataloader: { fields: { '*': 'nonsense' } } });
    const result = await run(dir, task, out, '--restart');
    expectOneLine(result);
    expect(stderrLines(result.stderr)).toEqual([`rxdgt: ${task}: field \`dataloader.fields\`: \`*\` keeps every field and must map to \`*\`, received "nonsense"`]);
    expect(snapshot(out)).toEqual(before);
  });

  it('two tasks with the same `store_name`: names both files; nothing created', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const a = geographyTask(dir, 'a', { store_name: 'shared' }, 'a.yaml');
    const b = geographyTask(dir, 'b', { store_name: 'shared' }, 'b.yaml');
    const result = await runAll(dir, [a, b], out);
    expectOneLine(result);
    expect(stderrLines(result.stderr)).toEqual([
      `rxdgt: ${b}: field \`store_name\`: the task's folder ${join(out, 'shared')} is also the folder of task \`a\` (${a}, field \`store_name\`); two tasks may not share a folder`,
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('a task named `a/blocks` beside task `a`, with --restart: task `a`\'s files stay', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const a = geographyTask(dir, 'a', {}, 'a.yaml');
    expect((await run(dir, a, out)).code).toBe(0);
    const before = snapshot(out);
    const inner = geographyTask(dir, 'a/blocks', {}, 'inner.yaml');
    const result = await runAll(dir, [a, inner], out, '--restart');
    expectOneLine(result);
    expect(stderrLines(result.stderr)).toEqual([
      `rxdgt: ${inner}: field \`task_name\`: the task's folder ${join(out, 'a', 'blocks')} would overlap the \`blocks/\` folder of task \`a\` (${a}, field \`task_name\`)`,
    ]);
    expect(snapshot(out)).toEqual(before);
  });

  it('a `final_datastore.store_name` pointing at another task\'s folder: names the field and the other task; its final data stays', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const a = geographyTask(dir, 'a', {}, 'a.yaml');
    expect((await run(dir, a, out)).code).toBe(0);
    const before = snapshot(out);
    const b = geographyTask(dir, 'b', { final_datastore: { store_name: 'a' } }, 'b.yaml');
    const result = await runAll(dir, [b, a], out, '--restart');
    expectOneLine(result);
    expect(stderrLines(result.stderr)).toEqual([
      `rxdgt: ${b}: field \`final_datastore.store_name\`: the output ${join(out, 'a', 'final_data.jsonl')} is also an output of task \`a\` (${a}, field \`datastore\`); two tasks may not write one file`,
    ]);
    expect(snapshot(out)).toEqual(before);
  });

  it('a `final_datastore.store_name` inside the task\'s own `blocks/`: nothing created', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 't', { final_datastore: { store_name: 't/blocks' } });
    const result = await run(dir, task, out);
    expectOneLine(result);
    expect(stderrLines(result.stderr)).toEqual([
      `rxdgt: ${task}: field \`final_datastore.store_name\`: the output ${join(out, 't', 'blocks', 'final_data.jsonl')} would overwrite the task's own \`blocks/\` folder`,
    ]);
    expect(existsSync(out)).toBe(false);
  });
});
