/**
 * DGT's datastores as a task's input, through the CLI: `seed_datastore` from Parquet, CSV (`delimiter`), a
 * HuggingFace `save_to_disk` folder and a glob with `data_formats`; a transformation's `data` streamed from Parquet
 * and remapped by `dataloader.fields`. The prompts the test server received show which rows were read.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../lib/testing/test-server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { writeDatasetDict, writeFiles, writeParquet } from '../store/sources/fixtures.ts';
import { geographyTask, rating, raterTask, serverConfig, stderrLines, uniqueIds, wholeLines } from './cli-tasks.ts';
import { generationRequests, promptOf, runCli } from './run-cli.ts';

const startServer = useTestServers();

interface SeedSource {
  readonly name: string;
  /** Writes the seed files into `dir`; returns the `seed_datastore`, the questions to find in the prompts, and those never to. */
  readonly write: (dir: string) => { datastore: Record<string, unknown>; questions: string[]; absent: string[] };
}

const sources: readonly SeedSource[] = [
  {
    name: 'a Parquet file',
    write: (dir) => {
      const questions = ['Parquet: which sea is the saltiest?', 'Parquet: where is Tromsø?'];
      const path = writeParquet(
        join(dir, 'seeds.parquet'),
        [
          { name: 'question', data: questions, type: 'STRING' },
          { name: 'answer', data: ['The Dead Sea.', 'Norway.'], type: 'STRING' },
        ],
        1,
      );
      return { datastore: { data_path: path }, questions, absent: [] };
    },
  },
  {
    name: 'a CSV file with `delimiter: \';\'` (commas are text)',
    write: (dir) => {
      const questions = ['CSV: which city, on the Seine, is the capital of France?', 'CSV: what is K2, and where is it?'];
      writeFileSync(join(dir, 'seeds.csv'), `question;answer\n${questions[0]};Paris.\n"${questions[1]}";"A mountain; in Pakistan."\n`);
      return { datastore: { data_path: join(dir, 'seeds.csv'), delimiter: ';' }, questions, absent: [] };
    },
  },
  {
    name: 'a HuggingFace DatasetDict folder (its `train` split)',
    write: (dir) => {
      const questions = ['Arrow: which lake is the deepest?', 'Arrow: what is the capital of Chad?'];
      const train = tableFromArrays({ question: questions, answer: ['Baikal.', "N'Djamena."] });
      const test = tableFromArrays({ question: ['Arrow test split: never read?'], answer: ['Never.'] });
      const folder = writeDatasetDict(join(dir, 'dataset'), { train: [train], test: [test] });
      return { datastore: { data_path: folder }, questions, absent: ['Arrow test split: never read?'] };
    },
  },
  {
    name: 'a glob with `data_formats` (other files skipped)',
    write: (dir) => {
      writeFiles(join(dir, 'seeds'), {
        'a.jsonl': '{"question": "Glob a: which river crosses Baghdad?", "answer": "The Tigris."}\n',
        'b.jsonl': '{"question": "Glob b: where is Ushuaia?", "answer": "Argentina."}\n',
        'c.json': '[{"question": "Glob c: a JSON file never read?", "answer": "Never."}]\n',
      });
      return {
        datastore: { data_path: join(dir, 'seeds', '*'), data_formats: ['.jsonl'] },
        questions: ['Glob a: which river crosses Baghdad?', 'Glob b: where is Ushuaia?'],
        absent: ['Glob c: a JSON file never read?'],
      };
    },
  },
];

/** The prompts of every generation request, joined. */
function prompts(server: TestServer): string {
  return generationRequests(server.requests).map(promptOf).join('\n');
}

describe('rxdgt run: seed_datastore', () => {
  for (const { name, write } of sources) {
    it(`from ${name}: the prompts show its seeds`, async () => {
      const server = await startServer();
      const dir = tempDir();
      const out = join(dir, 'out');
      const { datastore, questions, absent } = write(dir);
      // Only seeds in the prompts (no machine-made examples), drawn the same on every run of the test.
      const task = geographyTask(dir, 't', { seed_examples: undefined, seed_datastore: datastore, runner_config: { num_outputs_to_generate: 8, machine_batch_size: 0 } });
      const result = await runCli(['run', '--task-paths', task, '--config-path', serverConfig(dir, server), '--output-dir', out, '--seed', '3']);
      expect([result.code, result.stderr]).toEqual([0, '']);
      expect(wholeLines(join(out, 't', 'data.jsonl'))).toHaveLength(8);
      const asked = prompts(server);
      for (const question of questions) expect(asked).toContain(`Question: ${question}`);
      for (const question of absent) expect(asked).not.toContain(question);
    });
  }
});

/** Rows of a rater input with the question nested under `meta.q`; row `missing` (0-based) has none. */
function writeNestedRows(path: string, count: number, missing?: number): string[] {
  const questions = Array.from({ length: count }, (_, index) => `Nested question ${index}?`);
  writeParquet(
    path,
    [
      { name: 'meta', data: questions.map((q, index) => (index === missing ? { source: 'no question' } : { q, source: 'atlas' })), type: 'JSON' },
      { name: 'answer', data: questions.map((_, index) => `Nested answer ${index}.`), type: 'STRING' },
    ],
    2,
  );
  return questions;
}

describe('rxdgt run: a transformation whose `data` is a Parquet file', () => {
  const fields = { '*': '*', 'meta.q': 'question' };

  it('streams the rows, remapping `meta.q` to `question` with `dataloader.fields`', async () => {
    const server = await startServer({ respond: rating });
    const dir = tempDir();
    const out = join(dir, 'out');
    const rows = join(dir, 'rows.parquet');
    const questions = writeNestedRows(rows, 7);
    const task = raterTask(dir, 'r', [], { data: { data_path: rows, buffer_size: 2 }, dataloader: { fields } });
    const result = await runCli(['run', '--task-paths', task, '--config-path', serverConfig(dir, server), '--output-dir', out]);
    expect([result.code, result.stderr]).toEqual([0, '']);

    const records = wholeLines(join(out, 'r', 'data.jsonl'));
    uniqueIds(records);
    expect(records.map((record) => record['question']).sort()).toEqual([...questions].sort());
    for (const record of records) {
      const index = Number(/\d+/.exec(String(record['question']))![0]);
      // The other fields are kept ("*": "*"), the nested one too.
      expect(record).toMatchObject({ answer: `Nested answer ${index}.`, meta: { q: `Nested question ${index}?`, source: 'atlas' }, ratings: { knowledge: 'world geography' } });
    }
    const asked = generationRequests(server.requests).map(promptOf);
    expect(asked).toHaveLength(7);
    for (const question of questions) expect(asked.filter((prompt) => prompt.includes(question))).toHaveLength(1);
  });

  it('a row without the field: exit 2, one line naming the data file, the row and `dataloader.fields`', async () => {
    const server = await startServer({ respond: rating });
    const dir = tempDir();
    const rows = join(dir, 'rows.parquet');
    writeNestedRows(rows, 6, 4);
    const task = raterTask(dir, 'r', [], { data: { data_path: rows, buffer_size: 2 }, dataloader: { fields } });
    const result = await runCli(['run', '--task-paths', task, '--config-path', serverConfig(dir, server), '--output-dir', join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^rxdgt: ${rows}: field \`dataloader\\.fields\`: row 5: fields: cannot map \`meta\\.q\` to \`question\`: .*\`meta\\.q\` is absent`)),
    ]);
    // Row 5 was never sent.
    for (const prompt of generationRequests(server.requests).map(promptOf)) expect(prompt).not.toContain('Nested answer 4.');
  });
});

describe('rxdgt run: seed_datastore with an inline `data` list and a file', () => {
  it('reads both the inline records and the file', async () => {
    const server = await startServer();
    const dir = tempDir();
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'more.jsonl'), '{"question": "File: where is Lake Titicaca?", "answer": "Peru and Bolivia."}\n');
    const task = geographyTask(dir, 't', {
      seed_examples: undefined,
      seed_datastore: { data: [{ question: 'Inline: where is Fiji?', answer: 'The Pacific.' }], data_path: join(dir, 'more.jsonl') },
      runner_config: { num_outputs_to_generate: 8, machine_batch_size: 0 },
    });
    const result = await runCli(['run', '--task-paths', task, '--config-path', serverConfig(dir, server), '--output-dir', out, '--seed', '3']);
    expect([result.code, result.stderr]).toEqual([0, '']);
    const asked = prompts(server);
    expect(asked).toContain('Question: Inline: where is Fiji?');
    expect(asked).toContain('Question: File: where is Lake Titicaca?');
  });
});
