import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { DatastoreError } from '../../lib/errors/datastore-error.ts';
import type { PendingBatch } from '../../lib/model/batch-api.ts';
import { openJsonlLedgerStore, pendingBatchesFile } from '../../lib/store/jsonl-ledger-store.ts';
import type { LedgerStore } from '../../lib/store/ledger.ts';
import { openSqliteLedgerStore } from '../../lib/store/sqlite-ledger-store.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const batch = (id: string): PendingBatch => ({ id, target: 'openai http://127.0.0.1:1/v1', customIds: [`0-aa_${id}_0`], submittedAt: 1 });

describe.each([
  ['jsonl', (dir: string): Promise<LedgerStore> => openJsonlLedgerStore(dir)],
  ['sqlite', async (dir: string): Promise<LedgerStore> => openSqliteLedgerStore(dir)],
] as const)('the %s ledger store\'s pending batches', (_kind, open) => {
  it('keeps batches put, in order, replaces one put again, forgets one removed, and finds them after a reopen', async () => {
    const dir = tempDir();
    const store = await open(dir);
    const journal = store.pendingBatches!;
    expect(journal.list()).toEqual([]);
    journal.put(batch('b1'));
    journal.put(batch('b2'));
    journal.put({ ...batch('b1'), submittedAt: 2 });
    journal.remove('b2');
    journal.remove('unknown');
    store.close();
    const reopened = await open(dir);
    expect(reopened.pendingBatches!.list()).toEqual([{ ...batch('b1'), submittedAt: 2 }]);
    reopened.close();
  });
});

describe('pendingBatchesFile', () => {
  it('replaces the file whole (no temporary file left) and lists nothing when there is none', () => {
    const path = join(tempDir(), 'pending_batches.json');
    const journal = pendingBatchesFile(path);
    expect(journal.list()).toEqual([]);
    journal.put(batch('b1'));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ batches: [batch('b1')] });
    expect(existsSync(`${path}.tmp`)).toBe(false);
  });

  it('names the file when it is not a list of batches, and when it cannot be written', () => {
    const dir = tempDir();
    const path = join(dir, 'pending_batches.json');
    writeFileSync(path, '{"nope": 1}');
    expect(() => pendingBatchesFile(path).list()).toThrow(ConfigError);
    expect(() => pendingBatchesFile(path).list()).toThrow(/pending_batches\.json/);
    const unwritable = pendingBatchesFile(join(dir, 'missing-folder', 'pending_batches.json'));
    expect(() => unwritable.put(batch('b1'))).toThrow(DatastoreError);
    expect(() => unwritable.put(batch('b1'))).toThrow(/missing-folder\/pending_batches\.json: cannot write the pending batches: it does not exist/);
  });
});
