import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterEach, describe, expect, test } from 'vitest';
import { DatastoreError } from '../../lib/errors/datastore-error.ts';
import { accepted } from '../../lib/outcome.ts';
import type { DataPoint } from '../../lib/record.ts';
import type { TaskOutput } from '../../lib/run/task-options.ts';
import { openJsonlLedgerStore } from '../../lib/store/jsonl-ledger-store.ts';
import type { LedgerStore } from '../../lib/store/ledger.ts';
import { openSqliteLedgerStore } from '../../lib/store/sqlite-ledger-store.ts';
import { type Ledger, createLedger } from '../../lib/store/task-ledger.ts';
import { writeOutputs } from '../../lib/store/write-outputs.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { offer } from '../helpers/offer.ts';

const texts = ['first', 'second, with a comma', 'third: ünïcode'];

const opened: Ledger[] = [];
afterEach(() => {
  for (const ledger of opened.splice(0)) ledger.close();
});

/** A ledger over `store` with one committed record per text; the records as written. */
async function ledgerWithRecords(store: LedgerStore): Promise<{ ledger: Ledger; records: DataPoint[] }> {
  const ledger = createLedger(store, { taskName: 'qa', concurrency: 10, schedule: () => {} });
  opened.push(ledger);
  const promises = texts.map((text, sequence) => offer(ledger, accepted(ledger.issue(sequence, text).id, { task_name: 'qa', is_seed: false, text })));
  ledger.flush();
  const settlements = await Promise.all(promises);
  return { ledger, records: settlements.flatMap((settlement) => settlement!.records) };
}

/** Collects what `writeOutputs` warns. */
function warnings(): { readonly warn: (message: string) => void; readonly messages: string[] } {
  const messages: string[] = [];
  return { warn: (message) => messages.push(message), messages };
}

async function readParquet(path: string): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: await asyncBufferFromFile(path) });
}

describe('writeOutputs', () => {
  test("a JSONL ledger's plain jsonl output is a byte copy of data.jsonl", async () => {
    const dir = tempDir();
    const { ledger } = await ledgerWithRecords(await openJsonlLedgerStore(dir));
    const { warn, messages } = warnings();
    expect(await writeOutputs([{ path: 'final_data.jsonl', format: 'jsonl' }], dir, ledger, warn)).toEqual({ failed: undefined });
    expect(readFileSync(join(dir, 'final_data.jsonl'))).toEqual(readFileSync(join(dir, 'data.jsonl')));
    expect(messages).toEqual([]);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  test('the byte copy is in place as soon as writeOutputs returns, before its promise is awaited', async () => {
    const dir = tempDir();
    const { ledger } = await ledgerWithRecords(await openJsonlLedgerStore(dir));
    const written = writeOutputs([{ path: 'final_data.jsonl', format: 'jsonl' }], dir, ledger, warnings().warn);
    // A run ended by its consumer (`take(n)`) writes its outputs from a teardown that does not wait.
    expect(readFileSync(join(dir, 'final_data.jsonl'))).toEqual(readFileSync(join(dir, 'data.jsonl')));
    expect(await written).toEqual({ failed: undefined });
  });

  test('a parquet output reads back with the records', async () => {
    const dir = tempDir();
    const { ledger, records } = await ledgerWithRecords(await openJsonlLedgerStore(dir));
    await writeOutputs([{ path: 'final_data.parquet', format: 'parquet' }], dir, ledger, warnings().warn);
    expect(await readParquet(join(dir, 'final_data.parquet'))).toEqual(records);
  });

  test("a SQLite ledger's jsonl output streams its records", async () => {
    const dir = tempDir();
    const { ledger, records } = await ledgerWithRecords(openSqliteLedgerStore(dir));
    await writeOutputs([{ path: 'final_data.jsonl', format: 'jsonl' }], dir, ledger, warnings().warn);
    expect(readLines(join(dir, 'final_data.jsonl'))).toEqual(records);
  });

  test('an output with a transform writes each record as the transform makes it, to an absolute path', async () => {
    const dir = tempDir();
    const path = join(tempDir(), 'formatted.jsonl');
    const { ledger } = await ledgerWithRecords(await openJsonlLedgerStore(dir));
    const output: TaskOutput = { path, format: 'jsonl', transform: (record) => ({ input: record['text'] }) };
    await writeOutputs([output], dir, ledger, warnings().warn);
    expect(readLines(path)).toEqual(texts.map((text) => ({ input: text })));
  });

  test('an optional output that fails is reported through `warn`, and the required one is still written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'blocked'), 'a file where a folder should be');
    const { ledger } = await ledgerWithRecords(await openJsonlLedgerStore(dir));
    const { warn, messages } = warnings();
    const outputs: TaskOutput[] = [
      { path: 'blocked/secondary.jsonl', format: 'jsonl', optional: true },
      { path: 'final_data.jsonl', format: 'jsonl' },
    ];
    expect(await writeOutputs(outputs, dir, ledger, warn)).toEqual({ failed: undefined });
    const secondary = join(dir, 'blocked', 'secondary.jsonl');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.startsWith(`could not write the secondary output ${secondary}: `)).toBe(true);
    expect(readFileSync(join(dir, 'final_data.jsonl'))).toEqual(readFileSync(join(dir, 'data.jsonl')));
  });

  test('a required output that fails is returned as `failed`, and the outputs after it are still written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'blocked'), 'a file where a folder should be');
    const { ledger, records } = await ledgerWithRecords(await openJsonlLedgerStore(dir));
    const { warn, messages } = warnings();
    const outputs: TaskOutput[] = [
      { path: 'blocked/final_data.parquet', format: 'parquet' },
      { path: 'final_data.parquet', format: 'parquet' },
    ];
    const { failed } = await writeOutputs(outputs, dir, ledger, warn);
    expect(DatastoreError.isInstance(failed)).toBe(true);
    expect((failed as DatastoreError).path).toBe(join(dir, 'blocked', 'final_data.parquet'));
    expect(messages).toEqual([]);
    expect(existsSync(join(dir, 'blocked'))).toBe(true);
    expect(await readParquet(join(dir, 'final_data.parquet'))).toEqual(records);
  });
});
