/**
 * Task files, joint configs and output checks shared by the CLI datastore, safety, lock, crash, resume and seed
 * specs: tasks are written to temp dirs and name the sample builders; engines are the `simulated` block type or the
 * local test server.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { expect } from 'vitest';
import type { TestServer } from '../../lib/testing/test-server.ts';
import { writeBlockConfig } from './run-cli.ts';

export const geography = 'public/examples/geography_qa';
export const rater = 'public/examples/qa_rater';

/** Two seed examples, each question easy to find in a prompt. */
export const twoSeeds = [
  { question: 'Which river flows through Budapest?', answer: 'The Danube.' },
  { question: 'What is the capital of Peru?', answer: 'Lima.' },
];

/** Writes a task file: `task_name`, a description and `data_builder`, then `fields`. Returns its path. */
export function writeTask(dir: string, taskName: string, dataBuilder: string, fields: Readonly<Record<string, unknown>> = {}, file = 'task.yaml'): string {
  const path = join(dir, file);
  writeFileSync(path, stringify({ task_name: taskName, task_description: 'A task written by a test.', created_by: 'test', data_builder: dataBuilder, ...fields }));
  return path;
}

/** A geography generation task with two seeds (unless `fields` gives its own). */
export function geographyTask(dir: string, taskName: string, fields: Readonly<Record<string, unknown>> = {}, file?: string): string {
  return writeTask(dir, taskName, geography, { seed_examples: twoSeeds, ...fields }, file);
}

/** A rater transformation task over `rows` (unless `fields` gives its own `data`). */
export function raterTask(dir: string, taskName: string, rows: readonly Readonly<Record<string, unknown>>[], fields: Readonly<Record<string, unknown>> = {}, file?: string): string {
  return writeTask(dir, taskName, rater, { data: rows, ...fields }, file);
}

/** `count` question-answer rows, question `n` being `Question number n?`. */
export function qaRows(count: number): { question: string; answer: string }[] {
  return Array.from({ length: count }, (_, index) => ({ question: `Question number ${index}?`, answer: `Answer number ${index}.` }));
}

/** A joint config pointing both sample builders at the offline `simulated` engine. */
export function simulatedConfig(dir: string, extra: Readonly<Record<string, unknown>> = {}): string {
  return writeBlockConfig(dir, {
    [geography]: { name: 'generator', type: 'simulated', model_id_or_path: 'dry-run', ...extra },
    [rater]: { name: 'rater', type: 'simulated', model_id_or_path: 'dry-run', ...extra },
  });
}

/** A joint config pointing both sample builders at `server`, with extra block fields. */
export function serverConfig(dir: string, server: TestServer, extra: Readonly<Record<string, unknown>> = {}, name?: string): string {
  const block = { type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', ...extra };
  return writeBlockConfig(dir, { [geography]: { name: 'generator', ...block }, [rater]: { name: 'rater', ...block } }, name);
}

/** A rater answer: a valid rating whenever the prompt asks for one. */
export function rating(): string {
  return '{"knowledge": "world geography", "difficulty": "easy"}';
}

/** Lines of a file (0 when it does not exist), counting a last line without its newline. */
export function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  return text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Every line of a JSONL file, each checked to parse and the file to end with a newline. */
export function wholeLines(path: string): Record<string, unknown>[] {
  const text = readFileSync(path, 'utf8');
  if (text === '') return [];
  expect(text.endsWith('\n'), `${path} ends with a newline`).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Checks the records have no `rxdgt_id` twice; returns the ids. */
export function uniqueIds(records: readonly Record<string, unknown>[]): string[] {
  const ids = records.map((record) => String(record['rxdgt_id']));
  expect(new Set(ids).size).toBe(ids.length);
  return ids;
}

/** Every file under `dir`, recursively (none when it does not exist). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The lines of stderr, without the last newline. */
export function stderrLines(stderr: string): string[] {
  return stderr === '' ? [] : stderr.replace(/\n$/, '').split('\n');
}
