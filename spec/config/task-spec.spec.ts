import { describe, expect, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { type TaskSpec, taskSpecSchema, taskSpecSchemaWith } from '../../lib/config/task-spec.ts';
import { zodIssueToConfigError } from '../../lib/config/zod-issue.ts';

const minimal = { task_name: 'public/examples/geography_qa', task_description: 'Geography QA', data_builder: 'geo' };

const errorOf = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected validation to fail');
  return zodIssueToConfigError(parsed.error, '/t/task.yaml');
};

describe('taskSpecSchema', () => {
  test('fills DGT defaults: created_by "" and datastore type "default"', () => {
    const spec = taskSpecSchema.parse({ ...minimal, seed_datastore: { data_path: 'x.jsonl' }, data: { data_path: 'y.jsonl' } });
    expect(spec.created_by).toBe('');
    expect(spec.seed_datastore).toEqual({ type: 'default', data_path: 'x.jsonl' });
    expect(spec.data).toEqual({ type: 'default', data_path: 'y.jsonl' });
    expectTypeOf(spec).toEqualTypeOf<TaskSpec>();
  });

  test('data takes an inline list of records', () => {
    expect(taskSpecSchema.parse({ ...minimal, data: [{ a: 1 }] }).data).toEqual([{ a: 1 }]);
  });

  test('an empty task_name is rejected', () => {
    const error = errorOf(taskSpecSchema, { ...minimal, task_name: '' });
    expect(error.field).toBe('task_name');
    expect(error.message).toContain('must not be empty');
  });

  test('a missing required field is named', () => {
    const { task_description: _, ...withoutDescription } = minimal;
    const error = errorOf(taskSpecSchema, withoutDescription);
    expect(error.field).toBe('task_description');
    expect(error.message).toBe('/t/task.yaml: field `task_description`: missing required field (expected string)');
  });

  test('each unknown key is named with its full path', () => {
    const error = errorOf(taskSpecSchema, { ...minimal, runner_config: { num_output: 3, seed_batch: 1 } });
    expect(error.field).toBe('runner_config.num_output');
    expect(error.message).toBe('/t/task.yaml: field `runner_config.num_output`: unknown field (also: runner_config.seed_batch: unknown field)');
  });

  test('a wrong type inside a union names the inner field', () => {
    const error = errorOf(taskSpecSchema, { ...minimal, data: { data_path: 3 } });
    expect(error.field).toBe('data.data_path');
    expect(error.message).toContain('expected string, received number');
  });

  test('a value matching no union branch lists the expected types', () => {
    const error = errorOf(taskSpecSchema, { ...minimal, data: 'rows.jsonl' });
    expect(error.field).toBe('data');
    expect(error.message).toContain('expected array or object, received string');
  });

  test('batch sizes are integers with DGT bounds', () => {
    expect(errorOf(taskSpecSchema, { ...minimal, runner_config: { seed_batch_size: 1.5 } }).message).toContain('expected integer, received number');
    expect(errorOf(taskSpecSchema, { ...minimal, runner_config: { num_outputs_to_generate: 0 } }).field).toBe('runner_config.num_outputs_to_generate');
    expect(taskSpecSchema.parse({ ...minimal, runner_config: { machine_batch_size: 0 } }).runner_config).toEqual({ machine_batch_size: 0 });
  });
});

describe('taskSpecSchemaWith', () => {
  test('adds builder fields and stays strict', () => {
    const schema = taskSpecSchemaWith({ max_turns: z.int().min(1) });
    const spec = schema.parse({ ...minimal, max_turns: 6 });
    expect(spec.max_turns).toBe(6);
    expectTypeOf(spec.max_turns).toEqualTypeOf<number>();
    expect(errorOf(schema, { ...minimal, max_turns: 6, min_turns: 3 }).field).toBe('min_turns');
    expect(errorOf(schema, minimal).field).toBe('max_turns');
  });
});
