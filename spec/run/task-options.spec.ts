import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { NEVER, identity, lastValueFrom, map, mergeMap, toArray } from 'rxjs';
import { describe, expect, test, vi } from 'vitest';
import { passOn } from '../../lib/outcome.ts';
import type { DataPoint } from '../../lib/record.ts';
import { type Builder, type TaskOptions, createTask } from '../../lib/run/task.ts';
import { bookkeepingAt, checkOutputPaths } from '../../lib/run/output-paths.ts';
import { type TaskOutput, fieldsProblem, inputsInFlightFor, parseTaskOptions, withConcurrency } from '../../lib/run/task-options.ts';
import { configErrorFrom } from '../config/temp-files.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** A generation task `t` in `outputDir` with a builder that is never run, plus `extra`. */
function generation(outputDir: string, extra: Partial<TaskOptions> = {}): TaskOptions {
  return { kind: 'generation', name: 't', seeds: [{ question: 'Q?' }], builder: identity as never, outputDir, ...extra } as TaskOptions;
}

const codeField = { fieldOf: (index: number) => `outputs.${index}.path`, owner: 'createTask' };

describe('createTask: `outputs[].path`', () => {
  test('an output named like the ledger is refused before anything is created', () => {
    const out = join(tempDir(), 'out');
    const error = configErrorFrom(() => createTask(generation(out, { outputs: [{ path: 'data.jsonl', format: 'csv' }] })));
    expect(error.field).toBe('outputs.0.path');
    expect(error.message).toBe(`createTask: invalid config at \`outputs.0.path\`: the output \`data.jsonl\` (${join(out, 't', 'data.jsonl')}) would overwrite the task's own \`data.jsonl\``);
    expect(readdirSync(join(out, '..'))).toEqual([]);
  });

  test('a relative path leading out of the task folder is refused', () => {
    const out = join(tempDir(), 'out');
    const error = configErrorFrom(() => createTask(generation(out, { outputs: [{ path: '../../x.jsonl', format: 'jsonl' }] })));
    expect(error.message).toBe(
      `createTask: invalid config at \`outputs.0.path\`: the output \`../../x.jsonl\` (${join(out, '..', 'x.jsonl')}) lies outside the task's folder ${join(out, 't')}; give a path inside it (without \`..\`) or an absolute one`,
    );
  });

  test('a relative path through a symbolic link out of the task folder is refused', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'out', 't'), { recursive: true });
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'out', 't', 'link'));
    const error = configErrorFrom(() => createTask(generation(join(dir, 'out'), { outputs: [{ path: 'link/x.jsonl', format: 'jsonl' }] })));
    expect(error.message).toBe(
      `createTask: invalid config at \`outputs.0.path\`: the output \`link/x.jsonl\` (${join(dir, 'out', 't', 'link', 'x.jsonl')}) leads through a symbolic link out of the task's folder ${join(dir, 'out', 't')}`,
    );
  });

  test.each([
    ['blocks/rater.jsonl', '`blocks/` folder'],
    ['blocks', '`blocks/` folder'],
    ['.rxdgt.lock', '`.rxdgt.lock`'],
    ['.rxdgt.lock.json', '`.rxdgt.lock.json`'],
    ['data.sqlite-wal', '`data.sqlite-wal`'],
    ['task_results.jsonl', '`task_results.jsonl`'],
    ['./logs.jsonl', '`logs.jsonl`'],
    ['sub/../dataloader_state.jsonl', '`dataloader_state.jsonl`'],
    ['.', 'folder'],
  ])('`%s` is one of the task\'s own files: refused', (path, what) => {
    const out = join(tempDir(), 'out');
    const error = configErrorFrom(() => createTask(generation(out, { outputs: [{ path, format: 'jsonl' }] })));
    expect(error.message).toMatch(new RegExp(`would overwrite the task's own ${what.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
  });

  test('an absolute path is the caller\'s choice, but not on the task\'s own files', () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    expect(createTask(generation(out, { outputs: [{ path: join(dir, 'elsewhere', 'x.jsonl'), format: 'jsonl' }] })).dir).toBe(join(out, 't'));
    const error = configErrorFrom(() => createTask(generation(out, { outputs: [{ path: join(out, 't', 'task_card.jsonl'), format: 'jsonl' }] })));
    expect(error.message).toBe(`createTask: invalid config at \`outputs.0.path\`: the output ${join(out, 't', 'task_card.jsonl')} would overwrite the task's own \`task_card.jsonl\``);
  });

  test('two outputs on one file, one relative and one absolute: the second is refused, naming the first', () => {
    const out = join(tempDir(), 'out');
    const outputs: TaskOutput[] = [
      { path: 'rated.csv', format: 'csv' },
      { path: join(out, 't', 'rated.csv'), format: 'csv' },
    ];
    const error = configErrorFrom(() => createTask(generation(out, { outputs })));
    expect(error.field).toBe('outputs.1.path');
    expect(error.message).toBe(`createTask: invalid config at \`outputs.1.path\`: the output ${join(out, 't', 'rated.csv')} is also written by \`outputs.0.path\`; two outputs may not write one file`);
  });

  test('outputs in sub-folders of the task folder and named like DGT\'s outputs are fine', () => {
    const out = join(tempDir(), 'out');
    const outputs: TaskOutput[] = [
      { path: 'final_data.parquet', format: 'parquet' },
      { path: 'exports/data.jsonl', format: 'jsonl' },
      { path: 'blocks.csv', format: 'csv' },
    ];
    expect(() => createTask(generation(out, { outputs }))).not.toThrow();
  });
});

describe('createTask: inputs in flight', () => {
  // A quarter more inputs than the LM block serves, so a few wait, issued, in its queue (rounded down: a block of one
  // to three calls gets none extra).
  test.each([
    [64, 80],
    [10, 12],
    [3, 3],
    [1, 1],
  ])('a builder serving %i calls at once gets %i inputs in flight', async (served, expected) => {
    expect(inputsInFlightFor(served)).toBe(expected);
    const arrived: unknown[] = [];
    // Each input is held in the builder for good: only the task's own cap stops more from coming.
    const builder = withConcurrency(mergeMap((outcome) => (arrived.push(outcome), NEVER)), served);
    const options = generation(join(tempDir(), 'out'), { builder: builder as never, numOutputsToGenerate: 1000 });
    expect(parseTaskOptions(options).concurrency).toBe(expected);
    const subscription = createTask(options).run().subscribe();
    try {
      await vi.waitFor(() => expect(arrived.length).toBeGreaterThanOrEqual(expected));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(arrived).toHaveLength(expected);
    } finally {
      subscription.unsubscribe();
    }
  });

  test('an explicit concurrency wins over the builder\'s', () => {
    const builder = withConcurrency((records) => records as never, 64);
    expect(parseTaskOptions(generation(tempDir(), { builder: builder as never, concurrency: 5 })).concurrency).toBe(5);
    expect(parseTaskOptions(generation(tempDir())).concurrency).toBe(10);
  });
});

describe('checkOutputPaths', () => {
  test('returns each output\'s absolute path', () => {
    const dir = tempDir();
    const outputs: TaskOutput[] = [
      { path: 'a.csv', format: 'csv' },
      { path: join(dir, 'b.jsonl'), format: 'jsonl' },
    ];
    expect(checkOutputPaths(outputs, join(dir, 't'), codeField)).toEqual([join(dir, 't', 'a.csv'), join(dir, 'b.jsonl')]);
  });

  test('with a file and no owner, the error names the file and the field', () => {
    const dir = tempDir();
    const error = configErrorFrom(() => checkOutputPaths([{ path: join(dir, 't', 'blocks', 'final_data.jsonl'), format: 'jsonl' }], join(dir, 't'), { fieldOf: () => 'final_datastore.store_name', file: 'task.yaml' }));
    expect([error.file, error.field]).toEqual(['task.yaml', 'final_datastore.store_name']);
    expect(error.message).toBe(`task.yaml: field \`final_datastore.store_name\`: the output ${join(dir, 't', 'blocks', 'final_data.jsonl')} would overwrite the task's own \`blocks/\` folder`);
  });
});

describe('bookkeepingAt', () => {
  test('names the task\'s own file a path lands on; other paths, inside or out, are none', () => {
    expect(bookkeepingAt('/out/t', '/out/t/data.sqlite-shm')).toBe('`data.sqlite-shm`');
    expect(bookkeepingAt('/out/t', '/out/t/blocks/x/y.jsonl')).toBe('`blocks/` folder');
    expect(bookkeepingAt('/out/t', '/out/t/data.jsonl/inner')).toBe('`data.jsonl`');
    expect(bookkeepingAt('/out/t', '/out/t/')).toBe('folder');
    expect(bookkeepingAt('/out/t', '/out/t/sub/data.jsonl')).toBeUndefined();
    expect(bookkeepingAt('/out/t', '/out/data.jsonl')).toBeUndefined();
    expect(bookkeepingAt('/out/t', '/out/t2/data.jsonl')).toBeUndefined();
  });
});

describe('`fields`', () => {
  test.each([
    [{ '*': 'nonsense' }, '`*` keeps every field and must map to `*`, received "nonsense"'],
    [{ 'a..b': 'c' }, 'field path `a..b` is malformed: empty field name at position 2'],
    [{ 'list[+]': 'x' }, 'source `list[+]` appends (`[+]`); only a target can'],
  ])('a bad map %j is a ConfigError at createTask, field `fields`', (fields, problem) => {
    const out = join(tempDir(), 'out');
    const error = configErrorFrom(() => createTask(generation(out, { fields })));
    expect(error.field).toBe('fields');
    expect(error.message).toBe(`createTask: invalid config at \`fields\`: ${problem}`);
    expect(fieldsProblem(fields)).toBe(problem);
  });

  test('a usable map has no problem', () => {
    expect(fieldsProblem({ '*': '*', 'meta.lang': 'language' })).toBeUndefined();
    expect(() => createTask(generation(tempDir(), { fields: { question: 'instruction' } }))).not.toThrow();
  });
});

describe('transformation tasks', () => {
  const builder: Builder<DataPoint> = (source) => source.pipe(map((outcome) => (outcome.status === 'accepted' ? passOn(outcome, { ...outcome.record, rated: true }) : outcome)));

  test('have no `loopOver`: one pass, whatever the caller passes', async () => {
    const dir = tempDir();
    const options = { kind: 'transformation', name: 'r', data: [{ n: 1 }, { n: 2 }], builder, outputDir: dir, loopOver: true } as unknown as TaskOptions;
    expect('loopOver' in parseTaskOptions(options)).toBe(false);
    const records = await lastValueFrom(createTask(options).run().pipe(toArray()));
    expect(records.map((record) => record['n'])).toEqual([1, 2]);
  });

  test('generation tasks keep `loopOver`, true unless told', () => {
    const parsed = parseTaskOptions(generation(tempDir()));
    expect(parsed.kind === 'generation' && parsed.loopOver).toBe(true);
  });
});
