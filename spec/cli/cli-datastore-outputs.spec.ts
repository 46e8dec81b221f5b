/**
 * DGT's output datastores through the CLI: `output_data_format` (parquet, csv), rxdgt's `sqlite` datastore (records
 * in `data.sqlite`, resumable), `multi_target` secondaries (a failure is a warning), `final_datastore` and
 * `formatted_datastore` with a formatter.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../lib/config/csv.ts';
import { openDatabase } from '../../lib/sqlite.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { geographyTask, serverConfig, simulatedConfig, stderrLines, uniqueIds, wholeLines } from './cli-tasks.ts';
import { type CliResult, generationRequests, runCli } from './run-cli.ts';

const startServer = useTestServers();

/** Runs the geography task file `task` into `out` with the simulated engine. */
function run(dir: string, task: string, out: string, ...more: string[]): Promise<CliResult> {
  return runCli(['run', '--task-paths', task, '--config-path', simulatedConfig(dir), '--output-dir', out, ...more]);
}

/** The fields a record keeps in every format. */
function pairs(records: readonly Record<string, unknown>[]): string[] {
  return records.map((record) => `${String(record['rxdgt_id'])} ${String(record['question'])} ${String(record['answer'])}`).sort();
}

/** The rows of a SQLite file's table, as objects. */
function sqliteRows(path: string, sql: string): Record<string, unknown>[] {
  const database = openDatabase(path, { readonly: true });
  try {
    return database.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    database.close();
  }
}

describe('rxdgt run: `output_data_format`', () => {
  it('parquet: final_data.parquet holds the records; data.jsonl is still the journal', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const result = await run(dir, geographyTask(dir, 't', { datastore: { output_data_format: 'parquet' } }), out, '--num-outputs-to-generate', '6');
    expect([result.code, result.stderr]).toEqual([0, '']);
    const journal = wholeLines(join(out, 't', 'data.jsonl'));
    expect(journal).toHaveLength(6);
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(join(out, 't', 'final_data.parquet')) });
    expect(rows).toEqual(journal);
    expect(existsSync(join(out, 't', 'final_data.jsonl'))).toBe(false);
  });

  it('csv: final_data.csv reads back with parseCsv', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const result = await run(dir, geographyTask(dir, 't', { datastore: { output_data_format: 'csv' } }), out, '--num-outputs-to-generate', '6');
    expect([result.code, result.stderr]).toEqual([0, '']);
    const journal = wholeLines(join(out, 't', 'data.jsonl'));
    const path = join(out, 't', 'final_data.csv');
    const rows = parseCsv(readFileSync(path, 'utf8'), path);
    expect(rows).toHaveLength(6);
    expect(pairs(rows)).toEqual(pairs(journal));
    expect(rows[0]).toMatchObject({ task_name: 't', is_seed: 'false' });
  });
});

describe('rxdgt run: `datastore: {type: sqlite}`', () => {
  it('keeps the records in data.sqlite, writes final_data.sqlite, and a rerun makes only the missing records', async () => {
    const server = await startServer();
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 't', { datastore: { type: 'sqlite' } });
    const args = ['run', '--task-paths', task, '--config-path', serverConfig(dir, server), '--output-dir', out];
    const first = await runCli([...args, '--num-outputs-to-generate', '4']);
    expect([first.code, first.stderr]).toEqual([0, '']);
    const ledger = join(out, 't', 'data.sqlite');
    const stored = sqliteRows(ledger, 'SELECT record FROM records ORDER BY position').map((row) => JSON.parse(String(row['record'])) as Record<string, unknown>);
    expect(stored).toHaveLength(4);
    expect(existsSync(join(out, 't', 'data.jsonl'))).toBe(false);
    expect(sqliteRows(join(out, 't', 'final_data.sqlite'), 'SELECT rxdgt_id, question, answer FROM records')).toHaveLength(4);
    expect(generationRequests(server.requests)).toHaveLength(4);

    const second = await runCli([...args, '--num-outputs-to-generate', '7']);
    expect([second.code, second.stderr]).toEqual([0, '']);
    expect(generationRequests(server.requests)).toHaveLength(7);
    const all = sqliteRows(ledger, 'SELECT record FROM records ORDER BY position').map((row) => JSON.parse(String(row['record'])) as Record<string, unknown>);
    expect(all).toHaveLength(7);
    expect(all.slice(0, 4)).toEqual(stored);
    uniqueIds(all);
    const final = sqliteRows(join(out, 't', 'final_data.sqlite'), 'SELECT rxdgt_id, question, answer FROM records');
    expect(pairs(final)).toEqual(pairs(all));
    expect(wholeLines(join(out, 't', 'task_results.jsonl')).at(-1)).toMatchObject({ status: 'completed', metrics: { 'Number of data produced': 7, records_restored: 4 } });
  });
});

describe('rxdgt run: `multi_target`', () => {
  /** A multi_target datastore whose additional store is Parquet in `secondary`. */
  const multiTarget = (secondary: string) => ({
    type: 'multi_target',
    primary: { type: 'default' },
    additional: [{ type: 'default', output_dir: secondary, output_data_format: 'parquet' }],
  });

  it('writes the primary in the task folder and the additional Parquet store in its own output_dir', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const secondary = join(dir, 'secondary');
    const result = await run(dir, geographyTask(dir, 't', { datastore: multiTarget(secondary) }), out, '--num-outputs-to-generate', '5');
    expect([result.code, result.stderr]).toEqual([0, '']);
    const journal = wholeLines(join(out, 't', 'data.jsonl'));
    expect(readFileSync(join(out, 't', 'final_data.jsonl'), 'utf8')).toBe(readFileSync(join(out, 't', 'data.jsonl'), 'utf8'));
    expect(await parquetReadObjects({ file: await asyncBufferFromFile(join(secondary, 't', 'final_data.parquet')) })).toEqual(journal);
  });

  it('an additional store whose output_dir is a file: exit 0, a warning naming it, the primary complete', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const secondary = join(dir, 'not-a-folder');
    writeFileSync(secondary, 'a file');
    const result = await run(dir, geographyTask(dir, 't', { datastore: multiTarget(secondary) }), out, '--num-outputs-to-generate', '5');
    expect(result.code).toBe(0);
    expect(stderrLines(result.stderr)).toEqual([expect.stringMatching(new RegExp(`^rxdgt: t: could not write the secondary output ${join(secondary, 't', 'final_data.parquet')}: `))]);
    expect(wholeLines(join(out, 't', 'data.jsonl'))).toHaveLength(5);
    expect(readFileSync(join(out, 't', 'final_data.jsonl'), 'utf8')).toBe(readFileSync(join(out, 't', 'data.jsonl'), 'utf8'));
    expect(wholeLines(join(out, 't', 'task_results.jsonl'))).toEqual([expect.objectContaining({ status: 'completed' })]);
    expect(readFileSync(secondary, 'utf8')).toBe('a file');
  });
});

describe('rxdgt run: `final_datastore` and `formatted_datastore`', () => {
  it('final_data goes to the final_datastore\'s output_dir; formatted_data through the formatter to its own', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const finals = join(dir, 'finals');
    const formatted = join(dir, 'formatted');
    const task = geographyTask(dir, 't', {
      final_datastore: { output_dir: finals },
      formatted_datastore: { output_dir: formatted },
      formatter: { type: 'formatters/native', format: { input: '{{question}}', output: '{{answer}}' } },
      runner_config: { save_formatted_output: true },
    });
    const result = await run(dir, task, out, '--num-outputs-to-generate', '4');
    expect([result.code, result.stderr]).toEqual([0, '']);
    const journal = wholeLines(join(out, 't', 'data.jsonl'));
    expect(journal).toHaveLength(4);
    expect(existsSync(join(out, 't', 'final_data.jsonl'))).toBe(false);
    expect(wholeLines(join(finals, 't', 'final_data.jsonl'))).toEqual(journal);
    expect(wholeLines(join(formatted, 't', 'formatted_data.jsonl'))).toEqual(journal.map((record) => ({ input: record['question'], output: record['answer'] })));
    expect(wholeLines(join(out, 't', 'task_card.jsonl'))).toEqual([expect.objectContaining({ save_formatted_output: true })]);
  });

  it('save_formatted_output without a formatter: exit 2 naming the file and the field', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 't', { runner_config: { save_formatted_output: true } });
    const result = await run(dir, task, out);
    expect(result.code).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([`rxdgt: ${task}: field \`runner_config.save_formatted_output\`: \`save_formatted_output\` needs a \`formatter\` (e.g. \`formatter: { type: formatters/conversation/messages }\`)`]);
    expect(existsSync(out)).toBe(false);
  });
});
