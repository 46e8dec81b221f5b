/**
 * Datastores: records per second written, as ratios against JSONL in the same run. (1) The ledger: a whole task on
 * an instant fake model, committing through the JSONL ledger (DGT's files) or the SQLite ledger (`data.sqlite`).
 * (2) Output files: the same records written by `writeRecordsFile` as JSONL, CSV, Parquet and SQLite.
 */
import { join } from 'node:path';
import { count, lastValueFrom } from 'rxjs';
import { geographyQa } from '../../builders/geography-qa/index.ts';
import type { OutputFormat } from '../../lib/config/datastore-spec.ts';
import { createEngine } from '../../lib/model/engine.ts';
import type { Fields } from '../../lib/record.ts';
import { createTask } from '../../lib/run/task.ts';
import { writeRecordsFile } from '../../lib/store/targets/write-records-file.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';
import { geographySeeds, num, range, scratchDir } from './common.ts';

const ledgerRecords = Number(process.env['BENCH_STORES_LEDGER_RECORDS'] ?? 30_000);
const fileRecords = Number(process.env['BENCH_STORES_FILE_RECORDS'] ?? 100_000);
const rounds = 3;

/** Records per second of one task run on an instant model, through the given ledger. */
async function ledgerRate(ledger: 'jsonl' | 'sqlite', dir: string): Promise<number> {
  const model = new FakeLanguageModel({ answers: (_request, index) => `Question: Generated question number ${index}?\nAnswer: Answer ${index}.` });
  const generator = createEngine(model, { callLimit: 64, cacheSize: 0 });
  const task = createTask({ kind: 'generation', name: 'geo', seeds: geographySeeds, builder: geographyQa({ generator }), numOutputsToGenerate: ledgerRecords, outputDir: dir, ledger });
  const started = performance.now();
  const made = await lastValueFrom(task.run().pipe(count()));
  return made / ((performance.now() - started) / 1000);
}

/** Geography-shaped records, as a task's `final_data` holds them. */
async function* records(): AsyncGenerator<Fields> {
  for (let index = 0; index < fileRecords; index += 1) {
    yield { task_name: 'geo', is_seed: false, question: `Which river flows through city number ${index}?`, answer: `River ${index}, which is ${index % 500} km long.`, rxdgt_id: `${index}-0123456789ab` };
  }
}

export async function benchStores(): Promise<string[]> {
  const scratch = await scratchDir('stores');
  const lines: string[] = [];
  try {
    const ledgers: Record<'jsonl' | 'sqlite', number[]> = { jsonl: [], sqlite: [] };
    for (let round = 0; round < rounds; round += 1) {
      for (const ledger of ['jsonl', 'sqlite'] as const) ledgers[ledger].push(await ledgerRate(ledger, join(scratch.path, `ledger-${ledger}-${round}`)));
    }
    lines.push(`  ledger, a whole task (${num(ledgerRecords)} records, instant fake model): JSONL ${range(ledgers.jsonl)} records/s, SQLite ${range(ledgers.sqlite)} records/s`);
    lines.push(`  SQLite / JSONL: ${range(ledgers.sqlite.map((rate, index) => rate / ledgers.jsonl[index]!), (ratio) => `${ratio.toFixed(2)}x`)}`);

    const formats: OutputFormat[] = ['jsonl', 'csv', 'parquet', 'sqlite'];
    const rates = new Map<OutputFormat, number[]>(formats.map((format) => [format, []]));
    for (let round = 0; round < rounds; round += 1) {
      for (const format of formats) {
        const started = performance.now();
        const written = await writeRecordsFile(format, join(scratch.path, `out-${round}.${format}`), records);
        rates.get(format)!.push(written / ((performance.now() - started) / 1000));
      }
    }
    const jsonl = rates.get('jsonl')!;
    lines.push(`  output files (${num(fileRecords)} records, both passes where the format needs two):`);
    for (const format of formats) {
      const rate = rates.get(format)!;
      lines.push(`    ${format.padEnd(7)} ${range(rate)} records/s = ${range(rate.map((value, index) => value / jsonl[index]!), (ratio) => `${ratio.toFixed(2)}x`)} JSONL`);
    }
  } finally {
    await scratch.remove();
  }
  return lines;
}
